"""Care for the caregiver: offers of peer support and their answers, seen by support
coordinators only.

The same-organization walk puts a named offer in place, then opens every support URL (pages
and API, every method) as every other role and asserts the same 404 as for a record that
does not exist, no name in the answer, and each attempt audited; then reads every other
place the name could leak (the event's pages, the resolution pages and API, search, the
events export, the audit page, its CSV and API, My work, the measures) as every role."""

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from safetyhub.core import services as core_services
from safetyhub.core.models import AuditEntry, Role
from safetyhub.investigations import resolution, support
from safetyhub.investigations.models_resolution import SupportOffer
from safetyhub.investigations.services import REFUSED
from tests.conftest import client_for
from tests.factories import submit_event
from tests.queries import count_queries

from .resolution_fixtures import *  # noqa: F403 (the fixtures)
from .resolution_fixtures import EVERY_ROLE

STAFF_NAME = "Quinn Secret-Caregiver"
PEER = "Morgan Peer-Supporter"
NOTE = "support-secret-note"


def offer(org, coordinator, report, **change) -> SupportOffer:
    values = {"staff_name": STAFF_NAME, "staff_role": "registered nurse", "offered_by": PEER,
              "offered_at": report.occurred_at + dt.timedelta(hours=20), "note": NOTE,
              **change}
    return support.offer_support(organization=org, by=coordinator, report=report, **values)


def refusals(org) -> int:
    return AuditEntry.objects.filter(organization_id=org.pk, object_type=REFUSED).count()


def test_a_coordinator_offers_support_and_records_the_answer(org, coordinator, harm_event):
    made = offer(org, coordinator, harm_event)
    assert made.response == SupportOffer.Response.WAITING
    support.record_response(offer=made, by=coordinator, response="accepted",
                            responded_at=made.offered_at + dt.timedelta(hours=2))
    made.refresh_from_db()
    assert made.response == "accepted" and made.responded_at is not None
    support.record_response(offer=made, by=coordinator, response="waiting", responded_at=None)
    made.refresh_from_db()
    assert made.responded_at is None
    # The trail records the offer and its answers, never who or what the note says.
    entries = AuditEntry.objects.filter(object_type="investigations.SupportOffer")
    assert entries.count() == 3
    for entry in entries:
        text = json.dumps(entry.changes) + entry.object_repr
        assert STAFF_NAME not in text and PEER not in text and NOTE not in text
        assert "registered nurse" not in text and str(harm_event.pk) not in json.dumps(
            entry.changes.get("report", {}))


@pytest.mark.parametrize(("change", "field"), [
    ({"staff_name": " "}, "staff_name"),
    ({"offered_by": ""}, "offered_by"),
    ({"offered_at": None}, "offered_at"),
    ({"staff_name": "x" * 151}, "staff_name"),
])
def test_bad_offers_name_the_field_change_nothing_and_are_audited(org, coordinator,
                                                                  harm_event, change, field):
    with pytest.raises(ValidationError) as error:
        offer(org, coordinator, harm_event, **change)
    assert field in error.value.message_dict
    assert not SupportOffer.objects.exists()
    entry = AuditEntry.objects.get(object_type=REFUSED)
    assert entry.changes["refused"] == [field] and STAFF_NAME not in json.dumps(entry.changes)


def test_offer_dates_and_events_are_checked(org, coordinator, harm_event, no_harm_event,
                                            other_org):
    with pytest.raises(ValidationError) as error:
        offer(org, coordinator, harm_event,
              offered_at=harm_event.occurred_at - dt.timedelta(days=1))
    assert "before the event happened" in error.value.message_dict["offered_at"][0]
    with pytest.raises(ValidationError) as error:
        offer(org, coordinator, harm_event, offered_at=timezone.now() + dt.timedelta(days=2))
    assert "future" in error.value.message_dict["offered_at"][0]
    with pytest.raises(ValidationError) as error:
        offer(org, coordinator, no_harm_event)
    assert "harm" in error.value.message_dict["event"][0]
    foreign = submit_event(organization=other_org, anonymous=True).report
    with pytest.raises(ValidationError) as error:
        offer(org, coordinator, foreign)
    assert "event" in error.value.message_dict
    made = offer(org, coordinator, harm_event)
    with pytest.raises(ValidationError) as error:
        support.record_response(offer=made, by=coordinator, response="accepted",
                                responded_at=made.offered_at - dt.timedelta(minutes=1))
    assert "before the offer" in error.value.message_dict["responded_at"][0]
    with pytest.raises(ValidationError) as error:
        support.record_response(offer=made, by=coordinator, response="maybe",
                                responded_at=None)
    assert "response" in error.value.message_dict
    assert SupportOffer.objects.get().response == "waiting"
    assert refusals(org) == 6


def test_nobody_else_may_record_support(org, people, harm_event, coordinator):
    made = offer(org, coordinator, harm_event)
    for role in EVERY_ROLE:
        if role == Role.SUPPORT_COORDINATOR:
            continue
        with pytest.raises(Http404):
            offer(org, people[role], harm_event, staff_name="Someone Else")
        with pytest.raises(Http404):
            support.record_response(offer=made, by=people[role], response="declined",
                                    responded_at=timezone.now())
    assert SupportOffer.objects.count() == 1
    assert SupportOffer.objects.get().response == "waiting"
    assert refusals(org) == 2 * (len(EVERY_ROLE) - 1)


def test_the_coordinator_pages(org, coordinator, harm_event):
    client = client_for(coordinator)
    listing = f"/o/{org.slug}/investigations/support/"
    body = client.get(listing).content.decode()
    assert "No offer of support recorded yet." in body and harm_event.reference in body
    response = client.post(listing, {
        "offer-event": harm_event.pk, "offer-staff_name": STAFF_NAME,
        "offer-offered_by": PEER, "offer-offered_at": timezone.localtime(
            harm_event.occurred_at - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 422
    assert "before the event happened" in response.content.decode()
    assert not SupportOffer.objects.exists()
    response = client.post(listing, {
        "offer-event": harm_event.pk, "offer-staff_name": STAFF_NAME,
        "offer-offered_by": PEER, "offer-offered_at": timezone.localtime(
            harm_event.occurred_at + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    made = SupportOffer.objects.get()
    detail = response["Location"]
    assert detail == f"/o/{org.slug}/investigations/support/{made.pk}/"
    assert STAFF_NAME in client.get(detail).content.decode()
    assert STAFF_NAME in client.get(listing).content.decode()
    response = client.post(detail, {"response-response": "accepted",
                                    "response-responded_at": timezone.localtime()
                                    .strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.response == "accepted"
    response = client.post(detail, {"response-response": "declined"})
    assert response.status_code == 422
    made.refresh_from_db()
    assert made.response == "accepted"
    # The coordinator's menu leads there; nobody else's does (checked in the walk below).
    assert "Caregiver support" in client.get(listing).content.decode()


def test_the_coordinator_list_costs_the_same_queries_for_1_and_3_offers(
        org, coordinator, harm_event):
    client = client_for(coordinator)
    url = f"/o/{org.slug}/investigations/support/"
    offer(org, coordinator, harm_event)
    one = count_queries(client, url)
    offer(org, coordinator, harm_event, staff_name="B")
    offer(org, coordinator, harm_event, staff_name="C")
    assert count_queries(client, url) == one


def _same_page(body: bytes) -> bytes:
    """A page without what differs on every response (the CSP nonce, the CSRF token)."""
    body = re.sub(rb'nonce="[^"]*"|"inlineScriptNonce": "[^"]*"', b"nonce", body)
    return re.sub(rb'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"',
                  b"csrf", body)


def _api(client, method: str, url: str, body: dict | None = None):
    if method == "get":
        return client.get(url)
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def test_support_records_are_invisible_to_every_role_but_the_coordinator(
        org, people, coordinator, harm_event, reviewer):
    made = offer(org, coordinator, harm_event)
    support.record_response(offer=made, by=coordinator, response="accepted",
                            responded_at=made.offered_at + dt.timedelta(hours=1))
    resolution.add_contact(report=harm_event, by=reviewer, kind="disclosure",
                           happened_at=harm_event.occurred_at + dt.timedelta(hours=3),
                           organization_people="Dr Rivera", with_whom="family",
                           what_was_shared="What happened.", apology_given=True)
    slug = org.slug
    pages = [f"/o/{slug}/investigations/support/",
             f"/o/{slug}/investigations/support/{made.pk}/"]
    api = [("get", f"/api/v1/orgs/{slug}/support-offers", None),
           ("post", f"/api/v1/orgs/{slug}/support-offers", {
               "event_id": harm_event.pk, "staff_name": "Someone", "offered_by": "Peer",
               "offered_at": timezone.now().isoformat()}),
           ("get", f"/api/v1/orgs/{slug}/support-offers/{made.pk}", None),
           ("post", f"/api/v1/orgs/{slug}/support-offers/{made.pk}/response",
            {"response": "declined", "responded_at": timezone.now().isoformat()})]
    missing_page = f"/o/{slug}/investigations/support/{made.pk + 1000}/"
    missing_api = f"/api/v1/orgs/{slug}/support-offers/{made.pk + 1000}"
    # Places where the name must not appear for anyone (the coordinator included: the
    # support pages are the only place it is shown).
    elsewhere = [f"/o/{slug}/events/{harm_event.pk}/", f"/o/{slug}/events/{harm_event.pk}/triage/",
                 f"/o/{slug}/events/export.csv", f"/o/{slug}/investigations/resolution/",
                 f"/o/{slug}/investigations/resolution/{harm_event.pk}/",
                 f"/o/{slug}/investigations/resolution/measures/",
                 f"/o/{slug}/search/?q=Quinn", f"/o/{slug}/search/?q=Morgan",
                 f"/o/{slug}/search/?q=nurse",
                 f"/o/{slug}/audit/", f"/o/{slug}/audit.csv", f"/o/{slug}/",
                 f"/api/v1/orgs/{slug}/audit", f"/api/v1/orgs/{slug}/search/all?q=Quinn",
                 f"/api/v1/orgs/{slug}/events/{harm_event.pk}/resolution",
                 f"/api/v1/orgs/{slug}/resolution-measures"]
    # (The search page shows the words searched for, so a search for one word of a name
    # shows that word: what must not appear is the whole name, or anything else.)
    secrets = (STAFF_NAME, PEER, NOTE, "registered nurse")

    def shows_secret(response) -> bool:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return any(s.encode() in body for s in secrets)

    for role in EVERY_ROLE:
        client = client_for(people[role])
        if role == Role.SUPPORT_COORDINATOR:
            assert all(STAFF_NAME in client.get(url).content.decode() for url in pages)
            assert STAFF_NAME in client.get(api[0][1]).content.decode()
        else:
            reference_page = client.get(missing_page)
            reference_api = client.get(missing_api)
            assert reference_page.status_code == 404 and reference_api.status_code == 404
            for url in pages:
                for method in ("get", "post"):
                    before = refusals(org)
                    response = getattr(client, method)(url, {"response-response": "declined"}
                                                       if method == "post" else None)
                    assert response.status_code == 404, (role, method, url)
                    assert _same_page(response.content) == _same_page(reference_page.content), (
                        role, url)
                    assert not shows_secret(response), (role, url)
                    assert refusals(org) == before + 1, (role, method, url)
            for method, url, body in api:
                before = refusals(org)
                response = _api(client, method, url, body)
                assert response.status_code == 404, (role, method, url, response.content)
                assert response.json() == reference_api.json(), (role, url)
                assert not shows_secret(response), (role, url)
                assert refusals(org) == before + 1, (role, method, url)
            assert "Caregiver support" not in client.get(f"/o/{slug}/").content.decode()
        for url in elsewhere:
            response = client.get(url)
            assert not shows_secret(response), (role, url, response.status_code)
            if role in (Role.EVENT_REVIEWER, Role.ORG_ADMIN) and (
                    ("audit" in url) == (role == Role.ORG_ADMIN)) and "measures" not in url:
                # the walk is not vacuous: these are read for real by who may read them
                assert response.status_code == 200, (role, url)
    # What the refused ran into is unchanged, and the attempts name no one in the trail.
    made.refresh_from_db()
    assert made.response == "accepted" and SupportOffer.objects.count() == 1
    for entry in AuditEntry.objects.filter(organization_id=org.pk):
        text = json.dumps(entry.changes) + entry.object_repr
        assert not any(s in text for s in secrets), entry
    # Counts are what everyone else sees.
    body = client_for(people[Role.EXECUTIVE_VIEWER]).get(
        f"/o/{slug}/investigations/resolution/measures/").content.decode()
    assert "<td>1</td><td>1</td><td>0</td>" in body


def test_api_tokens_of_other_roles_meet_the_same_404(org, people, coordinator, harm_event):
    made = offer(org, coordinator, harm_event)
    from django.test import Client

    _token, secret = core_services.create_api_token(user=people[Role.SAFETY_LEAD], name="t")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    response = client.get(f"/api/v1/orgs/{org.slug}/support-offers/{made.pk}")
    assert response.status_code == 404
    assert STAFF_NAME not in response.content.decode()
    _token, secret = core_services.create_api_token(user=coordinator, name="t")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    response = client.get(f"/api/v1/orgs/{org.slug}/support-offers/{made.pk}")
    assert response.status_code == 200 and response.json()["staff_name"] == STAFF_NAME
    response = client.post(f"/api/v1/orgs/{org.slug}/support-offers/{made.pk}/response",
                           data=json.dumps({"response": "accepted", "responded_at": (
                               made.offered_at - dt.timedelta(hours=1)).isoformat()}),
                           content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "responded_at"
    response = client.post(f"/api/v1/orgs/{org.slug}/support-offers", data=json.dumps({
        "event_id": harm_event.pk, "staff_name": "Ari", "offered_by": "Peer",
        "offered_at": timezone.now().isoformat()}), content_type="application/json")
    assert response.status_code == 200 and response.json()["staff_name"] == "Ari"
