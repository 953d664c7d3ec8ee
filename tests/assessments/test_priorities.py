"""Chosen priorities: the team marks 3 to 5 entries of "Where to start" with a reason and
its judgement of effort and impact; the ranked list shows ten first; the choice is audited,
shown in the report and served by the API; only leads choose."""

import io

import pytest
from pypdf import PdfReader

from safetyhub.assessments import services
from safetyhub.assessments.models import ChosenPriority
from safetyhub.core.models import AuditEntry, Role

from ..conftest import client_for
from .test_api import api_client
from .test_results import answer_all, person, start, url

CHOICE = {"reason": "Falls rose this winter.", "effort": "medium", "impact": "high"}


def choose_url(assessment, key: str, action: str = "choose") -> str:
    return f"{url(assessment, 'priorities')}{key}/{action}/"


@pytest.fixture
def answered(org, owner, member):
    """Every element answered 2, except twelve answered lower (so the list is long)."""
    assessment = start(org, owner, [member])
    answer_all(assessment, owner, "2", CLG_1="0", CLG_2="1", CLG_5="1")
    return assessment


def test_ranked_list_shows_ten_first_then_all(owner_client, answered):
    response = owner_client.get(url(answered, "priorities"))
    assert response.status_code == 200
    total = response.context["total_ranked"]
    assert total > 10
    assert len(response.context["ranked"]) == 10
    assert [e["item"].key for e in response.context["ranked"][:3]] == ["CLG-1", "CLG-2", "CLG-5"]
    body = response.content.decode()
    assert f"Show all {total}" in body and 'href="?all=1' in body
    everything = owner_client.get(url(answered, "priorities") + "?all=1")
    assert len(everything.context["ranked"]) == total
    assert "Show all" not in everything.content.decode()


def test_lead_chooses_a_priority_with_reason_effort_and_impact(owner, owner_client, answered):
    response = owner_client.post(choose_url(answered, "CLG-2"), CHOICE)
    assert response.status_code == 302
    chosen = ChosenPriority.objects.get(assessment=answered)
    assert (chosen.item.key, chosen.reason, chosen.effort, chosen.impact, chosen.chosen_by) == (
        "CLG-2", "Falls rose this winter.", "medium", "high", owner)
    assert AuditEntry.objects.filter(object_type="assessments.ChosenPriority",
                                     action="create").exists()
    body = owner_client.get(url(answered, "priorities")).content.decode()
    section = body[body.index('id="chosen-heading"'):body.index('id="ranked-heading"')]
    assert "Falls rose this winter." in section and "Medium" in section and "High" in section
    assert "choose at least 3" in section


def test_a_chosen_entry_beyond_the_top_ten_stays_in_view(owner, owner_client, answered):
    last = owner_client.get(url(answered, "priorities") + "?all=1").context["ranked"][-1]
    key = last["item"].key
    services.choose_priority(assessment=answered, item=last["item"], by=owner, **CHOICE)
    keys = [e["item"].key for e in owner_client.get(url(answered, "priorities")).context["ranked"]]
    assert len(keys) == 11 and keys[-1] == key


def test_choosing_refuses_bad_input_naming_the_field(owner_client, answered):
    response = owner_client.post(choose_url(answered, "CLG-2"),
                                 {"reason": "  ", "effort": "huge", "impact": ""})
    assert response.status_code == 422
    form = response.context["ranked"][1]["form"]
    assert set(form.errors) == {"reason", "effort", "impact"}
    assert not ChosenPriority.objects.exists()


def test_no_more_than_five_are_chosen(owner, owner_client, answered):
    ranked = owner_client.get(url(answered, "priorities")).context["ranked"]
    for e in ranked[:5]:
        services.choose_priority(assessment=answered, item=e["item"], by=owner, **CHOICE)
    sixth = ranked[5]["item"].key
    response = owner_client.post(choose_url(answered, sixth), CHOICE)
    assert response.status_code == 422
    assert "chosen 5 priorities already" in response.content.decode()
    assert ChosenPriority.objects.count() == 5
    # Choosing one of the five again changes it; it does not count as a sixth.
    again = owner_client.post(choose_url(answered, ranked[0]["item"].key),
                              {**CHOICE, "reason": "Still first."})
    assert again.status_code == 302
    assert ChosenPriority.objects.get(item=ranked[0]["item"]).reason == "Still first."


def test_lead_removes_a_chosen_priority(owner, owner_client, answered):
    item = answered.pack.items.get(key="CLG-2")
    services.choose_priority(assessment=answered, item=item, by=owner, **CHOICE)
    assert owner_client.post(choose_url(answered, "CLG-2", "drop")).status_code == 302
    assert not ChosenPriority.objects.exists()
    assert AuditEntry.objects.filter(object_type="assessments.ChosenPriority",
                                     action="delete").exists()


def test_only_leads_choose(org, owner, member, member_client, outsider_client, answered):
    # The assessment's team member (an assessor) may read the page but not choose.
    assert member_client.get(url(answered, "priorities")).status_code == 200
    assert "Choose as a priority" not in member_client.get(
        url(answered, "priorities")).content.decode()
    assert member_client.post(choose_url(answered, "CLG-2"), CHOICE).status_code == 403
    assert outsider_client.post(choose_url(answered, "CLG-2"), CHOICE).status_code == 404
    safety_lead = person(org, Role.SAFETY_LEAD, "Sam Lead")
    assert client_for(safety_lead).post(choose_url(answered, "CLG-2"),
                                        CHOICE).status_code == 302
    assert ChosenPriority.objects.get().chosen_by == safety_lead
    # A missing question is a 404, the same as elsewhere.
    assert client_for(owner).post(choose_url(answered, "NOPE-9"), CHOICE).status_code == 404


def test_report_shows_the_chosen_priorities(owner, owner_client, answered):
    item = answered.pack.items.get(key="CLG-5")
    services.choose_priority(assessment=answered, item=item, by=owner, **CHOICE)
    body = owner_client.get(url(answered, "report")).content.decode()
    section = body[body.index('id="report-chosen-heading"'):]
    section = section[:section.index("</section>")]
    assert item.title in section and "Falls rose this winter." in section


def test_pdf_report_holds_the_chosen_priorities(owner, owner_client, answered):
    item = answered.pack.items.get(key="CLG-5")
    services.choose_priority(assessment=answered, item=item, by=owner, **CHOICE)
    response = owner_client.get(f"/o/{answered.organization.slug}/assessments/"
                                f"{answered.pk}/report.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(
        io.BytesIO(response.content)).pages)
    assert "Chosen priorities" in text and "Falls rose this winter." in text


def test_api_chooses_lists_and_drops(org, owner, member, answered):
    base = f"/api/v1/orgs/{org.slug}/assessments/{answered.pk}/priorities/chosen"
    lead, assessor = api_client(owner), api_client(member)
    body = lead.put(f"{base}/CLG-2", CHOICE, content_type="application/json")
    assert body.status_code == 200, body.content
    assert body.json()["item_key"] == "CLG-2" and body.json()["effort"] == "medium"
    bad = lead.put(f"{base}/CLG-5", {**CHOICE, "reason": ""}, content_type="application/json")
    assert bad.status_code == 422 and "reason" in bad.content.decode()
    refused = assessor.put(f"{base}/CLG-5", CHOICE, content_type="application/json")
    assert refused.status_code == 403
    listed = assessor.get(base).json()
    assert [p["item_key"] for p in listed] == ["CLG-2"]
    assert listed[0]["reason"] == "Falls rose this winter."
    assert lead.delete(f"{base}/CLG-2").status_code == 204
    assert lead.delete(f"{base}/CLG-2").status_code == 404
    assert assessor.get(base).json() == []
