"""API of the event measures: aggregates for the aggregate roles (403 for others, 404 for
outsiders), suppression as on the page, the signal watch's list, patient days recorded by
leads with 422 naming the field."""

import datetime as dt

import pytest

from safetyhub.events.dashboard import month_range
from safetyhub.events.demo import bulk_reports
from safetyhub.events.models import PatientDays
from tests.conftest import client_for
from tests.events.test_signal_watch import SHIFTED, STABLE, _rows
from tests.factories import SiteFactory


@pytest.fixture
def west(org):
    return SiteFactory(organization=org, name="4 West", kind="unit")


def test_dashboard_api(org, west, executive, staff, outsider):
    when = month_range(1)[0] + dt.timedelta(days=2)
    bulk_reports(organization=org, rows=[
        {"occurred_at": when, "category": "fall", "site": west, "event_type": "near-miss"},
        {"occurred_at": when, "category": "fall", "site": west}])
    url = f"/api/v1/orgs/{org.slug}/event-measures/dashboard"
    body = client_for(executive).get(url).json()
    assert body["total"] == 2 and body["near_miss_share"] == 0.5
    assert body["by_unit"][0]["label"] == "4 West"
    assert client_for(staff).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    bad = client_for(executive).get(url, {"months": 99, "unit": 999999})
    assert bad.status_code == 422
    missing = client_for(executive).get(url, {"unit": 999999})
    assert missing.status_code == 422 and "unit" in missing.content.decode()


def test_stratum_api_suppresses(org, west, executive):
    when = month_range(1)[0] + dt.timedelta(days=2)
    bulk_reports(organization=org, rows=[
        {"occurred_at": when, "category": "fall", "patient_sex": "female"}] * 20 + [
        {"occurred_at": when, "category": "fall", "patient_sex": "male"}] * 4)
    body = client_for(executive).get(
        f"/api/v1/orgs/{org.slug}/event-measures/strata/sex").json()
    assert body["min_cell_size"] == 11
    assert None in body["row_totals"]
    assert 4 not in [v for row in body["cells"] for v in row]
    assert 4 not in body["row_totals"]
    assert client_for(executive).get(
        f"/api/v1/orgs/{org.slug}/event-measures/strata/shoe-size").status_code == 422


def test_signals_api_lists_the_shift(org, west, reviewer):
    bulk_reports(organization=org, rows=_rows(west, "fall", SHIFTED)
                 + _rows(west, "medication", STABLE))
    body = client_for(reviewer).get(f"/api/v1/orgs/{org.slug}/event-measures/signals").json()
    assert [(s["unit"], s["category"], s["side"]) for s in body["signals"]] == [
        ("4 West", "fall", "above")]
    assert body["signals"][0]["sentences"]


def test_patient_days_api(org, west, safety_lead, executive, other_org):
    url = f"/api/v1/orgs/{org.slug}/event-measures/patient-days"
    payload = {"unit_id": west.pk, "month": "2025-03-14", "days": 900}
    lead = client_for(safety_lead)
    response = lead.put(url, payload, content_type="application/json")
    assert response.status_code == 200 and response.json()["month"] == "2025-03-01"
    assert client_for(executive).put(url, payload,
                                     content_type="application/json").status_code == 403
    foreign = SiteFactory(organization=other_org)
    bad = lead.put(url, {**payload, "unit_id": foreign.pk}, content_type="application/json")
    assert bad.status_code == 422 and "unit_id" in bad.content.decode()
    bad = lead.put(url, {**payload, "days": -3}, content_type="application/json")
    assert bad.status_code == 422 and "days" in bad.content.decode()
    assert PatientDays.objects.get().days == 900
