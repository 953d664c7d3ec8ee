"""Demo investigations: the closed harm event the demo's disclosure, support and actions
belong to is made once, reviewed and closed with its message to the reporter."""

from safetyhub.core.demo import load_demo_data
from safetyhub.core.models import Organization
from safetyhub.events.models import EventReport
from safetyhub.investigations.demo import (
    CLOSING_MESSAGE,
    demo_closed_harm_event,
    demo_serious_event,
)


def test_demo_has_a_closed_harm_event_and_the_serious_event(db):
    load_demo_data()
    org = Organization.objects.get(slug="riverside-general")
    closed = demo_closed_harm_event(org)
    assert closed.status == EventReport.Status.CLOSED
    assert closed.harm_level == "moderate"
    assert closed.triage.closing_message == CLOSING_MESSAGE
    assert demo_serious_event(org).harm_level == "severe"
    count = EventReport.objects.filter(organization=org).count()
    load_demo_data()
    assert EventReport.objects.filter(organization=org).count() == count
    assert demo_closed_harm_event(org).pk == closed.pk


def test_demo_has_an_rca2_in_progress_on_the_serious_event(db):
    load_demo_data()
    org = Organization.objects.get(slug="riverside-general")
    serious = demo_serious_event(org)
    review = serious.reviews.get()
    assert review.kind == "rca2" and review.status == "analysing"
    assert serious.sac_score.score == 3
    assert review.chartered_at <= review.start_due_at  # chartered within its 72 hours
    team = [m for m in review.members.all() if m.is_team]
    assert len(team) == 6
    consulted = review.members.get(role="consulted")
    assert consulted.directly_involved
    assert review.timeline.count() == 3
    assert review.causal_statements.count() == 1
    load_demo_data()
    assert serious.reviews.count() == 1 and review.causal_statements.count() == 1


def test_demo_has_a_completed_rca2_with_strong_actions_whose_measure_shows_the_drop(db):
    from safetyhub.investigations.demo import demo_closed_harm_event
    from safetyhub.investigations.demo_actions import AGGREGATE_TITLE, MEASURE_NAME
    from safetyhub.measures.queries import chart_for

    load_demo_data()
    org = Organization.objects.get(slug="riverside-general")
    closed = demo_closed_harm_event(org)
    review = closed.reviews.get(kind="rca2")
    assert review.status == "done"
    assert review.chartered_at <= review.start_due_at  # chartered within its 72 hours
    strengths = sorted(review.actions.values_list("strength", flat=True))
    assert strengths == ["intermediate", "stronger"]
    stronger = review.actions.get(strength="stronger")
    assert stronger.status == "done" and stronger.initiative is not None
    assert stronger.measure.name == MEASURE_NAME
    chart = chart_for(stronger.measure)
    assert chart.error is None and chart.status.kind == "improvement", chart.status
    aggregate_review = org.reviews.get(kind="aggregate", title=AGGREGATE_TITLE)
    assert aggregate_review.events.count() > 10
    assert not aggregate_review.events.exclude(category="medication").exists()
    load_demo_data()
    assert closed.reviews.count() == 1 and review.actions.count() == 2
    assert org.reviews.filter(kind="aggregate").count() == 1
