"""What reviews and actions show for the PSSM readiness view (investigations/platform_evidence.py):
RCA²s chartered within 72 hours (on the boundary and one second past it, still running,
stopped), and the share of stronger actions."""

import datetime as dt

from django.utils import timezone

from safetyhub.investigations import services_actions
from safetyhub.investigations.models import Review
from safetyhub.investigations.platform_evidence import (
    RCA_KEY,
    STRONGER_KEY,
    figures,
    rca_starts,
)
from tests.factories import submit_event

SCORED = timezone.make_aware(dt.datetime(2026, 6, 5, 15, 0))
LATER = timezone.make_aware(dt.datetime(2026, 8, 1))


def rca(org, *, clock: dt.datetime = SCORED, chartered: dt.timedelta | None,
        status: str = Review.Status.CHARTERED) -> Review:
    """An RCA² whose 72-hour clock began at `clock`, chartered `chartered` after its end
    (None: not chartered)."""
    due = clock + dt.timedelta(hours=72)
    return Review.objects.create(
        organization=org, kind=Review.Kind.RCA2, title="RCA²", status=status,
        clock_started_at=clock, start_due_at=due,
        chartered_at=due + chartered if chartered is not None else None)


def count(org, now=LATER):
    return rca_starts(organization=org, start=SCORED.date(), end=SCORED.date(), now=now)


def test_chartered_exactly_at_72_hours_is_in_time(org):
    rca(org, chartered=dt.timedelta(0))
    rca(org, chartered=-dt.timedelta(hours=70))
    assert (count(org).on_time, count(org).late) == (2, 0)


def test_chartered_one_second_after_72_hours_is_late(org):
    rca(org, chartered=dt.timedelta(seconds=1))
    assert (count(org).on_time, count(org).late) == (0, 1)


def test_an_unchartered_review_runs_until_its_72_hours_end_then_is_late(org):
    rca(org, chartered=None, status=Review.Status.FORMING)
    due = SCORED + dt.timedelta(hours=72)
    assert (count(org, now=due).running, count(org, now=due).judged) == (1, 0)
    assert count(org, now=due + dt.timedelta(seconds=1)).late == 1


def test_a_review_stopped_within_its_clock_is_not_counted_and_other_kinds_never(org, event):
    rca(org, chartered=None, status=Review.Status.STOPPED)
    Review.objects.create(organization=org, kind=Review.Kind.LIGHT, title="Light",
                          index_event=event)
    assert count(org, now=SCORED + dt.timedelta(hours=1)).started_clocks == 0


def test_only_clocks_started_in_the_window_and_of_the_organization_count(org, other_org):
    rca(org, chartered=dt.timedelta(0))
    rca(org, clock=SCORED - dt.timedelta(days=2), chartered=dt.timedelta(0))
    rca(other_org, chartered=dt.timedelta(0))
    assert count(org).started_clocks == 1


def test_figures_give_the_rca_share_and_the_stronger_share_with_their_records(org, review,
                                                                              lead, manager):
    today = timezone.localdate()
    now = timezone.now()
    review.clock_started_at = now - dt.timedelta(hours=80)
    review.start_due_at = now - dt.timedelta(hours=8)
    review.chartered_at = now - dt.timedelta(hours=10)
    review.save()
    due = today + dt.timedelta(days=30)
    for strength in ("stronger", "weaker", "weaker", "intermediate"):
        services_actions.create_action(review=review, by=lead, description=f"A {strength} one",
                                       strength=strength, owner=manager, due_on=due)
    shown = {f.key: f for f in figures(organization=org, today=today)}
    assert shown[RCA_KEY].value == "1 of 1 (100%)"
    assert shown[RCA_KEY].link == f"/o/{org.slug}/investigations/"
    assert shown[STRONGER_KEY].value == "1 of 4 (25%)"
    assert shown[STRONGER_KEY].link == f"/o/{org.slug}/investigations/actions/"


def test_an_organization_without_reviews_actions_or_harm_events_gets_no_figure(org):
    submit_event(organization=org, anonymous=True, harm_level="none")
    assert figures(organization=org, today=timezone.localdate()) == []
    # a harm event with no disclosure recorded is a figure: the gap shows
    submit_event(organization=org, anonymous=True, harm_level="mild")
    (disclosed, *_rest) = figures(organization=org, today=timezone.localdate())
    assert disclosed.value == "0 of 1 (0%)"


def disclose_and_support(org, event, reviewer, coordinator, *, days_after: float = 2,
                         accepted: bool = True):
    """A disclosure conversation `days_after` the event, and peer support offered (and
    accepted or declined) to a named nurse."""
    from safetyhub.investigations import resolution, support

    resolution.add_contact(report=event, by=reviewer, kind="disclosure",
                           happened_at=event.occurred_at + dt.timedelta(days=days_after),
                           organization_people="Unit manager", with_whom="patient",
                           what_was_shared="What happened and what we are doing.",
                           apology_given=True)
    offer = support.offer_support(organization=org, by=coordinator, report=event,
                                  staff_name="Support-secret Nursename", offered_by="Peer team",
                                  offered_at=event.occurred_at + dt.timedelta(days=1))
    support.record_response(offer=offer, by=coordinator,
                            response="accepted" if accepted else "declined",
                            responded_at=event.occurred_at + dt.timedelta(days=1, hours=2))


def test_figures_give_the_disclosure_share_first_contact_and_support_counts(org, reviewer):
    from safetyhub.core.models import Role
    from safetyhub.investigations.platform_evidence import (
        DISCLOSED_KEY,
        FIRST_CONTACT_KEY,
        SUPPORT_KEY,
    )
    from tests.factories import MembershipFactory, UserFactory

    coordinator = MembershipFactory(organization=org, role=Role.SUPPORT_COORDINATOR,
                                    user=UserFactory()).user
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    harmed = [submit_event(organization=org, anonymous=True, harm_level="moderate",
                           occurred_at=ten_days_ago).report for _ in range(2)]
    submit_event(organization=org, anonymous=True, harm_level="none", occurred_at=ten_days_ago)
    disclose_and_support(org, harmed[0], reviewer, coordinator, days_after=2)
    shown = {f.key: f for f in figures(organization=org, today=timezone.localdate())}
    assert shown[DISCLOSED_KEY].value == "1 of 2 (50%)"
    assert shown[FIRST_CONTACT_KEY].value == "2.0 days"
    assert shown[SUPPORT_KEY].value == "1 offered, 1 accepted, 0 declined"
    assert "Support-secret Nursename" not in " ".join(
        f"{f.label} {f.value} {f.note}" for f in shown.values())
    assert shown[DISCLOSED_KEY].link == f"/o/{org.slug}/investigations/resolution/measures/"
    assert "not an official measure" in shown[DISCLOSED_KEY].note
