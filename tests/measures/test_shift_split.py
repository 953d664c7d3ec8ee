"""Charts that read themselves, in the pages and the API: signals judged as improvement or
deterioration, the one-click offer of a new phase where a shift began (reason required,
audited, never twice, only for those who may change the measure), the change statement
after a split, and notes drawn on the chart."""

import datetime as dt

import pytest

from safetyhub.core.models import AuditEntry
from safetyhub.improvement import board_pack as improvement_board_pack
from safetyhub.measures import queries
from safetyhub.measures.models import DataPoint, PhaseSplit

from ..conftest import client_for
from .test_api import api_client
from .test_measures import lead, lead_client, make_measure, month, url  # noqa: F401

# 12 months around 5.5, then 8 months in a row lower: a shift beginning in Jan 2026
DROP = [5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 3, 3.5, 3, 2.5, 3, 3.5, 3, 2.5]


@pytest.fixture
def falls(org, owner):
    measure = make_measure(org, by=owner, chart="run", denominator="", multiplier=1,
                           unit="falls", goal=4.0)
    for k, y in enumerate(DROP):
        DataPoint.objects.create(measure=measure, organization=org, period=month(k),
                                 numerator=y)
    return measure


def offer(measure) -> dict:
    return {"after_period": "2025-12-01", "reason": "Hourly rounding on every ward"}


def test_the_page_reads_the_shift_as_an_improvement_and_offers_the_phase(falls, owner_client):
    body = owner_client.get(url(falls)).content.decode()
    assert ("8 points in a row below the centre line since Jan 2026 (more than the 7 expected "
            "by chance): an improvement (lower is better)") in body
    assert "Start a new phase from Jan 2026" in body
    assert "Lower is better" in body
    assert queries.chart_for(falls).suggested_split.after_period == dt.date(2025, 12, 1)


def test_accepting_the_offer_splits_once_audited_with_the_reason_and_states_the_change(
        falls, lead, lead_client):  # noqa: F811
    response = lead_client.post(url(falls, "split/shift/"), offer(falls))
    assert response.status_code == 302
    split = PhaseSplit.objects.get()
    assert split.after_period == dt.date(2025, 12, 1) and split.created_by == lead
    entry = AuditEntry.objects.get(object_type="measures.PhaseSplit",
                                   action=AuditEntry.Action.CREATE)
    assert entry.actor == lead
    assert entry.changes["reason"]["to"] == "Hourly rounding on every ward"

    body = lead_client.get(url(falls)).content.decode()
    assert "the centre line moved from 5.5 to 3.0 falls; goal 4.0 met" in body
    assert "Start a new phase from" not in body  # the offer is gone once taken

    again = lead_client.post(url(falls, "split/shift/"), offer(falls), follow=True)
    assert again.status_code == 200
    assert "already starts a new phase after Dec 2025" in again.content.decode()
    assert PhaseSplit.objects.count() == 1


def test_the_reason_is_required_and_nothing_changes_without_it(falls, owner_client):
    response = owner_client.post(url(falls, "split/shift/"),
                                 {**offer(falls), "reason": "   "})
    assert response.status_code == 422
    body = response.content.decode()
    assert "No new phase was started" in body and "This field is required." in body
    assert not PhaseSplit.objects.exists()


def test_a_stale_offer_is_refused_naming_the_new_start(falls, owner_client):
    response = owner_client.post(url(falls, "split/shift/"),
                                 {**offer(falls), "after_period": "2025-10-01"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "the shift now begins in Jan 2026" in body
    assert 'value="Hourly rounding on every ward"' in body  # what was typed is kept
    assert not PhaseSplit.objects.exists()


def test_viewers_see_no_offer_and_cannot_split_outsiders_get_404(
        falls, member, outsider_client, other_org):
    reader = client_for(member)
    body = reader.get(url(falls)).content.decode()
    assert "an improvement (lower is better)" in body
    assert "Start a new phase from" not in body
    assert reader.post(url(falls, "split/shift/"), offer(falls)).status_code == 403
    assert outsider_client.post(url(falls, "split/shift/"), offer(falls)).status_code == 404
    own = f"/o/{other_org.slug}/measures/{falls.pk}/split/shift/"
    assert outsider_client.post(own, offer(falls)).status_code == 404
    assert not PhaseSplit.objects.exists()


def test_no_shift_no_offer(org, owner, owner_client):
    flat = make_measure(org, by=owner, chart="run", denominator="", multiplier=1)
    for k, y in enumerate(DROP[:10]):
        DataPoint.objects.create(measure=flat, organization=org, period=month(k), numerator=y)
    assert "Start a new phase from" not in owner_client.get(url(flat)).content.decode()
    response = owner_client.post(url(flat, "split/shift/"), {"reason": "x",
                                                             "after_period": "2025-05-01"})
    assert response.status_code == 422
    assert "no sustained shift" in response.content.decode()


def test_higher_is_better_reads_the_same_shift_as_a_deterioration(falls, owner_client):
    falls.direction = "increase"
    falls.save()
    body = owner_client.get(url(falls)).content.decode()
    assert "a deterioration (higher is better)" in body
    assert "Higher is better" in body


def test_notes_are_numbered_on_the_chart_and_listed_below(falls, owner_client):
    DataPoint.objects.filter(measure=falls, period=month(12)).update(note="Rounding began")
    body = owner_client.get(url(falls)).content.decode()
    assert 'id="chart-note-1"' in body and "Rounding began" in body
    chart = queries.chart_for(falls)
    assert "Notes: 1 (Jan 2026): Rounding began." in chart.description()


def test_the_board_pack_reads_the_signal_with_its_meaning(falls):
    said = improvement_board_pack.reading(queries.chart_for(falls))
    assert "Special cause: improvement" in said
    assert "an improvement (lower is better)" in said


# --- API ---------------------------------------------------------------------------------


def api(org, measure) -> str:
    return f"/api/v1/orgs/{org.slug}/measures/{measure.pk}"


def test_the_chart_json_reads_itself_and_offers_the_split(falls, org, owner):
    body = api_client(owner).get(api(org, falls) + "/chart").json()
    assert body["readings"][0]["verdict"] == "improvement"
    assert body["readings"][0]["start"] == 13
    assert body["suggested_split"] == {"after_period": "2025-12-01",
                                       "after_label": "Dec 2025", "start_label": "Jan 2026"}
    assert body["statement"] is None
    assert "an improvement (lower is better)" in body["status"]["sentences"][0]


def test_the_api_starts_the_phase_once_and_needs_a_reason(falls, org, owner):
    client = api_client(owner)
    path = api(org, falls) + "/splits/shift"
    refused = client.post(path, {"reason": " "}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "reason"
    assert not PhaseSplit.objects.exists()
    made = client.post(path, {"reason": "Rounding", "after_period": "2025-12-01"},
                       content_type="application/json")
    assert made.status_code == 201 and made.json()["after_period"] == "2025-12-01"
    again = client.post(path, {"reason": "Rounding", "after_period": "2025-12-01"},
                        content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    assert PhaseSplit.objects.count() == 1
    chart = client.get(api(org, falls) + "/chart").json()
    assert chart["statement"] == "from 5.5 to 3.0 falls; goal 4.0 met"
    assert chart["suggested_split"] is None
    nothing = client.post(path, {"reason": "Rounding"}, content_type="application/json")
    assert nothing.status_code == 422
    assert nothing.json()["detail"][0]["field"] == "after_period"


def test_the_api_split_is_refused_to_readers_and_outsiders(falls, org, member, outsider):
    path = api(org, falls) + "/splits/shift"
    assert api_client(member).post(path, {"reason": "x"},
                                   content_type="application/json").status_code == 403
    assert api_client(outsider).post(path, {"reason": "x"},
                                     content_type="application/json").status_code == 404
    assert not PhaseSplit.objects.exists()
