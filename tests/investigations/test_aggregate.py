"""Aggregate review: similar low-harm events and near misses gathered into one review (by
category, unit, contributing factors and dates), with their counts and C chart by month;
moderate harm and other categories stay out; bad filters are refused naming the field."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safetyhub.core.models import AuditEntry
from safetyhub.investigations import aggregate
from safetyhub.investigations.models import Review
from tests.conftest import client_for
from tests.factories import OrganizationFactory, SiteFactory, submit_event


def _days_ago(org, days):
    return max(timezone.now() - dt.timedelta(days=days), org.created_at)


@pytest.fixture
def medication_events(org, manager):
    unit = SiteFactory(organization=org, name="4 West", kind="unit")
    made = []
    for days, event_type, harm, factors in [
        (200, "near-miss", "", ["communication"]),
        (150, "incident", "none", []),
        (100, "incident", "mild", ["communication"]),
        (40, "near-miss", "", []),
        (35, "incident", "moderate", ["communication"]),  # more harm: not gathered
    ]:
        made.append(submit_event(organization=org, reporter=manager, category="medication",
                                 event_type=event_type, harm_level=harm, site_id=unit.pk,
                                 contributing_factors=factors,
                                 answers={}, occurred_at=_days_ago(org, days)).report)
    submit_event(organization=org, reporter=manager, occurred_at=_days_ago(org, 30))  # a fall
    return unit, made


def _gather(org, by, **kw):
    values = {"title": "Medication near misses", "category": "medication",
              "first_day": timezone.localdate() - dt.timedelta(days=365),
              "last_day": timezone.localdate()}
    values.update(kw)
    return aggregate.gather_aggregate_review(organization=org, by=by, **values)


def test_gathers_low_harm_events_and_near_misses_of_the_category(org, reviewer,
                                                                  medication_events):
    _unit, made = medication_events
    review = _gather(org, reviewer)
    assert review.kind == Review.Kind.AGGREGATE and review.index_event is None
    assert set(review.events.values_list("pk", flat=True)) == {e.pk for e in made[:4]}
    summary = aggregate.summary(review)
    assert summary.total == 4 and summary.reached == 2
    assert sum(summary.per_month) == 4
    assert summary.svg and "<svg" in summary.svg


def test_unit_and_contributing_factors_narrow_the_gathering(org, reviewer, medication_events):
    unit, made = medication_events
    review = _gather(org, reviewer, site=unit, contributing_factors=["communication"])
    assert set(review.events.values_list("pk", flat=True)) == {made[0].pk, made[2].pk}
    other_unit = SiteFactory(organization=org, name="ICU", kind="unit")
    with pytest.raises(ValidationError) as caught:
        _gather(org, reviewer, site=other_unit)
    assert "No low-harm events or near misses match" in caught.value.message_dict["category"][0]


@pytest.mark.parametrize(("change", "field"), [
    ({"category": "not-a-category"}, "category"),
    ({"title": ""}, "title"),
    ({"first_day": None}, "first_day"),
    ({"last_day": dt.date(2000, 1, 1)}, "last_day"),
    ({"contributing_factors": ["bogus"]}, "contributing_factors"),
])
def test_bad_filters_are_refused_naming_the_field_and_audited(org, reviewer, medication_events,
                                                              change, field):
    with pytest.raises(ValidationError) as caught:
        _gather(org, reviewer, **change)
    assert field in caught.value.message_dict
    assert not Review.objects.exists()
    assert AuditEntry.objects.filter(action="event", actor=reviewer,
                                     changes__action="gather_aggregate_review").exists()


def test_site_of_another_organization_is_refused(org, reviewer, medication_events):
    foreign = SiteFactory(organization=OrganizationFactory(slug="elsewhere"), name="Theirs")
    with pytest.raises(ValidationError) as caught:
        _gather(org, reviewer, site=foreign)
    assert "site" in caught.value.message_dict


def test_pages_gather_and_show_the_review_to_reviewers_only(org, reviewer, manager,
                                                            medication_events):
    client = client_for(reviewer)
    url = f"/o/{org.slug}/investigations/aggregate/new/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"title": "x", "category": "medication", "first_day": "2026-05-01",
                            "last_day": "2026-01-01"})
    assert bad.status_code == 422 and "is before the first" in bad.content.decode()
    response = client.post(url, {
        "title": "Medication near misses", "category": "medication",
        "first_day": (timezone.localdate() - dt.timedelta(days=365)).isoformat(),
        "last_day": timezone.localdate().isoformat()})
    review = Review.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Events per month" in page.content.decode()
    assert client_for(manager).get(response["Location"]).status_code == 404
    assert client_for(manager).get(url).status_code == 403
    assert review.events.count() == 4
