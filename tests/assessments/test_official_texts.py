"""Statements whose official wording the pack does not have (issue 9, item 16): a "yes" to
one earns its domain nothing until the organization enters the official text; the domain says
"cannot be scored yet" and why, on the results page, the sheets and the API (the report, PDF
and XLSX are in test_reports.py). Entering the text is the lead's, while the assessment is
open, and refuses bad input naming the field."""

import pytest
from django.core.exceptions import ValidationError

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment, OfficialText
from safetyhub.core import services as core_services
from safetyhub.core.models import AuditEntry
from safetyhub.frameworks.models import Pack, PackItem

from ..conftest import client_for

SOURCE = "CMS PSSM specification, version 1, page 2"


def pssm() -> Pack:
    return Pack.objects.get(organization=None, pack_id="pssm")


def statement(key: str) -> PackItem:
    return pssm().items.get(key=key)


@pytest.fixture
def readiness(org, owner, member):
    """Every statement answered yes by the team (the lead is the owner)."""
    cycle = services.start_assessment(organization=org, pack=pssm(), title="PSSM readiness",
                                      mode=Assessment.Mode.CONSENSUS_ONLY, lead=owner,
                                      team=[member], by=owner)
    for item in cycle.pack.items.filter(kind=PackItem.Kind.ITEM):
        services.save_answer(assessment=cycle, item=item, user=owner, consensus=True,
                             value="yes")
    return cycle


def enter(cycle, by, key, text="Official wording.", source=SOURCE):
    return services.enter_official_text(assessment=cycle, item=statement(key), text=text,
                                        source=source, by=by)


def url(cycle, page: str) -> str:
    return f"/o/{cycle.organization.slug}/assessments/{cycle.pk}/{page}/"


def api(user):
    from django.test import Client

    _token, secret = core_services.create_api_token(user=user, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


def test_the_results_page_says_which_domains_cannot_be_scored_and_why(readiness, owner):
    response = client_for(owner).get(url(readiness, "results"))
    body = response.content.decode()
    states = {d["section"].key: d["score"].state for d in response.context["domains"]}
    assert states == {"D1": "met", "D2": "cannot-score", "D3": "met", "D4": "met",
                      "D5": "cannot-score"}
    assert "<strong>3 of 5</strong> domains met. 2 domains cannot be scored yet." in body
    assert "the official wording of statements 2C, 2D, 2E" in body
    assert url(readiness, "official-texts") in body
    assert "Wording not confirmed: a “yes” counts only once your organization enters the " \
           "official text." in body


def test_entering_every_official_text_lets_the_yes_answers_count(readiness, owner):
    for key in ("2C", "2D", "2E", "5A", "5B", "5C", "5D"):
        enter(readiness, owner, key, text=f"The hospital does {key}.")
    body = client_for(owner).get(url(readiness, "results")).content.decode()
    assert "<strong>4 of 5</strong> domains met. 1 domain cannot be scored yet." in body
    enter(readiness, owner, "5E", text="The hospital does 5E.")
    body = client_for(owner).get(url(readiness, "results")).content.decode()
    assert "<strong>5 of 5</strong> domains met." in body
    assert "cannot be scored yet" not in body.split("How these results")[0]
    # Shown as the organization's entry, with where it came from.
    assert "Official text, entered by your organization</span>: “The hospital does 5E.”" \
        in body
    assert f"(from {SOURCE}; entered by {owner}" in body


def test_the_sheets_flag_statements_awaiting_their_official_text(readiness, owner):
    body = client_for(owner).get(url(readiness, "consensus") + "?section=all").content.decode()
    assert body.count("Wording not confirmed: a “yes” to this statement counts") == 8
    assert f'{url(readiness, "official-texts")}#statement-5D' in body


def test_entering_refuses_bad_input_naming_the_field_and_changes_nothing(readiness, owner):
    cases = [("1A", "Text.", SOURCE, "item", "already has confirmed wording"),
             ("5D", "   ", SOURCE, "text", "Enter the statement's official text"),
             ("5D", "x" * 5001, SOURCE, "text", "at most 5000 characters"),
             ("5D", "Bad\x00text", SOURCE, "text", "control character (U+0000)"),
             ("5D", "Text.", "", "source", "Say where the text comes from"),
             ("5D", "Text.", "Spec\npage 2", "source", "single line (no line breaks)")]
    for key, text, source, field, reason in cases:
        with pytest.raises(ValidationError) as exc:
            enter(readiness, owner, key, text=text, source=source)
        assert reason in " ".join(exc.value.message_dict[field]), (key, field)
    assert not OfficialText.objects.exists()


def test_entering_is_recorded_and_a_finalized_assessment_refuses_it(readiness, owner):
    entry = enter(readiness, owner, "5D")
    audited = AuditEntry.objects.get(object_type="assessments.OfficialText",
                                     object_id=str(entry.pk))
    assert audited.changes["text"]["to"] == "Official wording."
    for key in ("2C", "2D", "2E", "5A", "5B", "5C", "5E"):
        enter(readiness, owner, key)
    services.finalize(assessment=readiness, by=owner)
    readiness.refresh_from_db()
    with pytest.raises(ValidationError, match="finalized"):
        enter(readiness, owner, "5D", text="Changed afterwards.")
    assert OfficialText.objects.get(item__key="5D").text == "Official wording."


def test_the_official_texts_page_is_for_the_lead_to_fill_in(readiness, owner, member):
    page = url(readiness, "official-texts")
    body = client_for(member).get(page).content.decode()
    assert "Save the official text" not in body and 'id="statement-5D"' in body
    assert client_for(member).post(f"{page}5D/", {"text": "x", "source": SOURCE}
                                   ).status_code == 403
    lead = client_for(owner)
    response = lead.post(f"{page}5D/", {"text": "", "source": SOURCE})
    assert response.status_code == 422
    assert "Enter the statement&#x27;s official text" in response.content.decode()
    response = lead.post(f"{page}5D/", {"text": "The hospital does 5D.", "source": SOURCE})
    assert response.status_code == 302
    assert OfficialText.objects.get(item__key="5D").text == "The hospital does 5D."
    assert lead.post(f"{page}NOPE/", {"text": "x", "source": SOURCE}).status_code == 404


def test_the_api_reports_domain_states_and_takes_the_lead_s_entries(org, readiness, owner,
                                                                    member):
    base = f"/api/v1/orgs/{org.slug}/assessments/{readiness.pk}"
    lead = api(owner)
    body = lead.get(f"{base}/results").json()["attestation"]
    assert (body["score"], body["unscorable"]) == (3, 2)
    five = body["sections"][4]
    assert (five["state"], five["met"], five["pending"]) == (
        "cannot-score", False, ["5A", "5B", "5C", "5D", "5E"])
    listed = lead.get(f"{base}/official-texts").json()
    assert [s["key"] for s in listed] == ["2C", "2D", "2E", "5A", "5B", "5C", "5D", "5E"]
    assert all(s["official_text"] is None for s in listed)

    sent = {"text": "The hospital does 5D.", "source": SOURCE}
    refused = api(member).put(f"{base}/official-texts/5D", sent,
                              content_type="application/json")
    assert refused.status_code == 403
    bad = lead.put(f"{base}/official-texts/5D", {"text": " ", "source": SOURCE},
                   content_type="application/json")
    assert bad.status_code == 422 and "text" in str(bad.json())
    ok = lead.put(f"{base}/official-texts/5D", sent, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json()["item_key"] == "5D" and ok.json()["source"] == SOURCE
    items = {i["key"]: i for i in lead.get(f"{base}/results").json()["items"]}
    assert items["5D"]["needs_official_text"] is True
    assert items["5D"]["official_text"]["text"] == "The hospital does 5D."
    assert items["1A"]["needs_official_text"] is False
