import copy

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from safetyhub.frameworks.models import Pack

from ..markers import marker_after, markers, source_notes
from ..queries import count_queries
from .test_services import ORG_PACK, upload


def yaml_file(data, name="pack.yaml"):
    return SimpleUploadedFile(name, yaml.safe_dump(data).encode(), content_type="text/yaml")


def test_pack_list_shows_shipped_packs(member_client, org):
    body = member_client.get(f"/o/{org.slug}/frameworks/").content.decode()
    for title in ("Safer Together: A National Action Plan to Advance Patient Safety",
                  "Patient Safety Structural Measure", "SafetyHub Self-Assessment"):
        assert title in body


def test_area_page_lists_recommendations_with_provenance(member_client, org):
    body = member_client.get(f"/o/{org.slug}/frameworks/packs/nap-2020/2/WS/").content.decode()
    assert "Implement a systems approach to workforce safety" in body
    # the area's title, marked as official with its source; the words are in the marker
    # (shown on hover and focus) and in the page's numbered Sources list
    assert marker_after(body, "<h1><span class=\"pack-text\">Workforce Safety") == \
        "Official title — source: IHI, Background on the National Action Plan"
    notes = source_notes(body)
    assert "Official title — source: Patient Safety Solutions, October 2020" in notes.values()
    # every marker points at a footnote that holds its words, numbered as the list is
    keys = list(notes)
    for number, key, words in markers(body):
        assert keys.index(key) + 1 == number and notes[key].startswith(words.split(" — ")[0])
    assert "(Official title" not in body  # no parenthesis after every sentence any more


def test_tactic_page_says_it_is_safetyhubs_own_and_lists_resources(member_client, org):
    tactic = Pack.objects.get(pack_id="nap-2020").items.filter(kind="tactic").first()
    body = member_client.get(
        f"/o/{org.slug}/frameworks/packs/nap-2020/2/{tactic.key}/").content.decode()
    assert "A SafetyHub tactic" in body
    assert "not text from the National Action Plan" in body
    assert "Suggested by SafetyHub" in source_notes(body).values()
    assert tactic.data["what"][:40] in body


def test_pssm_statement_page_answers_what_helps_meet_it(member_client, org):
    body = member_client.get(f"/o/{org.slug}/frameworks/packs/pssm/2/3B/").content.decode()
    assert "Tactics that help" in body
    assert "SafetyHub's own draft, not an official crosswalk" in body
    assert any(words.startswith("Paraphrase, not the official wording")
               for words in source_notes(body).values())


def test_unconfirmed_items_carry_a_warning(member_client, org):
    body = member_client.get(f"/o/{org.slug}/frameworks/packs/pssm/2/5E/").content.decode()
    assert "Not confirmed" in body


def test_search_page_and_bad_query(member_client, org):
    body = member_client.get(f"/o/{org.slug}/frameworks/search/?q=huddle").content.decode()
    assert "result" in body
    response = member_client.get(f"/o/{org.slug}/frameworks/search/?q={'x' * 300}")
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


def test_tactics_library_filters_by_recommendation(member_client, org):
    body = member_client.get(
        f"/o/{org.slug}/frameworks/tactics/?recommendation=R10").content.decode()
    nap = Pack.objects.get(pack_id="nap-2020")
    expected = nap.items.filter(kind="tactic", parent__key="R10").count()
    assert f"{expected} tactics." in body
    assert member_client.get(f"/o/{org.slug}/frameworks/tactics/?recommendation=R99"
                             ).status_code == 400


def test_upload_is_for_org_admins_only(member_client, org):
    response = member_client.post(f"/o/{org.slug}/frameworks/upload/",
                                  {"file": yaml_file(ORG_PACK)})
    assert response.status_code == 403
    assert not Pack.objects.filter(organization=org).exists()


def test_upload_lists_every_problem_and_keeps_nothing(owner_client, org):
    bad = copy.deepcopy(ORG_PACK)
    bad["sections"][0]["items"][0]["criteria"] = []
    bad["links"] = [{"from": "riverside-falls:RISK-1", "to": "nap-2020:R99"}]
    response = owner_client.post(f"/o/{org.slug}/frameworks/upload/",
                                 {"file": yaml_file(bad, "ours.yaml")})
    assert response.status_code == 422
    body = response.content.decode()
    assert "ours.yaml: sections[0].items[0].criteria: an instrument element needs 1 to 4" in body
    assert "ours.yaml: links[0].to: &#x27;nap-2020:R99&#x27; names no item" in body
    assert not Pack.objects.filter(organization=org).exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [(b"id: [unclosed", "p.yaml", "not valid YAML"),
     (b"\xff\xfe", "p.yaml", "not UTF-8"),
     (b"id: x", "p.txt", "Upload a .yaml or .yml file")],
)
def test_upload_rejects_files_that_are_not_packs(owner_client, org, content, name, message):
    response = owner_client.post(f"/o/{org.slug}/frameworks/upload/",
                                 {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 422
    assert message in response.content.decode()


def test_upload_then_browse_the_organization_pack(owner_client, org):
    response = owner_client.post(f"/o/{org.slug}/frameworks/upload/",
                                 {"file": yaml_file(ORG_PACK)})
    assert response.status_code == 302
    body = owner_client.get(response["Location"]).content.decode()
    assert "Riverside falls readiness" in body
    assert "your organization's own pack" in body
    item = owner_client.get(
        f"/o/{org.slug}/frameworks/packs/riverside-falls/1/RISK-1/").content.decode()
    assert "Your organization&#x27;s own" in item


def test_an_org_pack_is_not_found_by_another_organization(outsider_client, org, owner,
                                                          other_org):
    upload(org, owner)
    for path in ("packs/riverside-falls/", "packs/riverside-falls/1/",
                 "packs/riverside-falls/1/RISK-1/"):
        assert outsider_client.get(f"/o/{other_org.slug}/frameworks/{path}").status_code == 404
    listing = outsider_client.get(f"/o/{other_org.slug}/frameworks/").content.decode()
    assert "Riverside falls readiness" not in listing


@pytest.mark.parametrize("page", ["frameworks/", "frameworks/tactics/",
                                  "frameworks/search/?q=safety"])
def test_framework_lists_use_a_fixed_number_of_queries(owner_client, owner, org, page):
    def add(versions):
        for version in versions:
            upload(org, owner, {**ORG_PACK, "version": version})

    add([1])
    one = count_queries(owner_client, f"/o/{org.slug}/{page}")
    add([2, 3])
    three = count_queries(owner_client, f"/o/{org.slug}/{page}")
    assert one == three


def test_scale_labels_and_area_aliases_show_where_they_come_from(member_client, org):
    body = member_client.get(f"/o/{org.slug}/frameworks/packs/safetyhub-sa/2/").content.decode()
    s12 = "IHI, Self-Assessment Tool for the National Action Plan to Advance Patient " \
          "Safety (2024 update): its method and maturity levels"
    assert marker_after(body, "Making Progress") == f"Official title — source: {s12}"
    assert marker_after(body, "Not started") == \
        "SafetyHub's own: written by the SafetyHub project"
    assert "follows the method of IHI&#x27;s Self-Assessment Tool" in body
    assert f"Paraphrase, not the official wording — source: {s12}" in \
        source_notes(body).values()
    body = member_client.get(f"/o/{org.slug}/frameworks/packs/nap-2020/2/").content.decode()
    assert marker_after(body, "Also called: <span class=\"pack-text\">Workforce Safety and "
                        "Well-Being").startswith("Official title — source: IHI, Safer Together")


def test_the_answer_sheet_credits_ihis_labels(org, owner, owner_client):
    from safetyhub.assessments import services as assessments

    assessment = assessments.start_assessment(
        organization=org, pack=Pack.objects.get(organization=None, pack_id="safetyhub-sa"),
        title="Baseline", mode="independent", lead=owner, team=[], by=owner)
    body = owner_client.get(f"/o/{org.slug}/assessments/{assessment.pk}/answer/"
                            ).content.decode()
    assert "Answer labels quoted from their source: “Beginning”, “Making Progress”, " \
           "“Significant Impact”, “Exemplary”, “Unsure” (Official title, from IHI, " \
           "Self-Assessment Tool" in body


def test_labels_stored_without_provenance_claim_no_origin():
    from django.template import Context

    from safetyhub.frameworks.templatetags.packs import text

    # A version-1 pack stored scale labels without provenance: show them, claim nothing.
    assert str(text(Context(), {"value": "2", "label": "Making progress"}, field="label")) == \
        '<span class="pack-text">Making progress</span>'
    # Without the pack, the source is named by its id.
    assert marker_after(str(text(
        Context(), {"label": "Making Progress", "provenance": "official-title", "source": "S12"},
        field="label")), "Making Progress") == "Official title — source: S12"


def test_markers_share_a_footnote_per_words_numbered_in_order_of_first_use():
    from django.template import Context, Template

    page = Template(
        "{% load packs %}{% text a %} {% text b %} {% text a2 %}{% source_notes %}").render(
        Context({"a": {"text": "A", "provenance": "official-title", "source": "S2"},
                 "b": {"text": "B", "provenance": "project"},
                 "a2": {"text": "C", "provenance": "official-title", "source": "S2"}}))
    assert [(number, words) for number, _key, words in markers(page)] == [
        (1, "Official title — source: S2"), (2, "SafetyHub's own: written by the SafetyHub "
                                                "project"), (1, "Official title — source: S2")]
    assert list(source_notes(page).values()) == [
        "Official title — source: S2", "SafetyHub's own: written by the SafetyHub project"]
    # A row rendered alone (an HTMX swap) starts its own count, but its footnote's id is the
    # page's, so the page's script can give it the page's number.
    alone = Template("{% load packs %}{% text b %}").render(
        Context({"b": {"text": "B", "provenance": "project"}}))
    assert markers(alone)[0][0] == 1 and markers(alone)[0][1] == markers(page)[1][1]
    # No marker, no list.
    assert Template("{% load packs %}plain{% source_notes %}").render(Context()) == "plain"
