"""The taxonomy content pack: the shipped one loads and says where its texts come from;
broken taxonomy packs fail with the file, the path and the reason; other kinds of pack may
not ask questions; adding `questions` to items left every older pack's hash as it was."""

import copy

import pytest
import yaml

from safetyhub.frameworks.builtin import builtin_packs
from safetyhub.frameworks.loader import PackInvalid, load_packs
from safetyhub.frameworks.models import Pack
from safetyhub.frameworks.services import upload_pack

MINIMAL = {
    "id": "our-taxonomy",
    "version": 1,
    "kind": "taxonomy",
    "title": "Our event taxonomy",
    "publisher": "Riverside General",
    "year": 2026,
    "licence": "Ours",
    "sections": [
        {"id": "event-types", "title": "Types",
         "items": [{"id": "incident", "title": "Incident"}, {"id": "near-miss", "title": "Near"}]},
        {"id": "categories", "title": "Categories", "items": [
            {"id": "fall", "title": "Fall", "questions": [
                {"id": "bed-alarm", "text": "Was the bed alarm on?", "type": "yes-no"},
                {"id": "where", "text": "Where?", "choices": [
                    {"value": "room", "label": "Room"}, {"value": "hall", "label": "Hall"}]},
            ]},
            {"id": "medication", "title": "Medication", "questions": [
                {"id": "merp", "text": "NCC MERP?", "choices_from": "ncc-merp"}]},
        ]},
        {"id": "harm-scale", "title": "Harm",
         "items": [{"id": "none", "title": "None"}, {"id": "severe", "title": "Severe"}]},
        {"id": "ncc-merp", "title": "MERP",
         "items": [{"id": "A", "title": "A"}, {"id": "E", "title": "E"}]},
    ],
}


def errors_of(data: dict) -> list[str]:
    with pytest.raises(PackInvalid) as exc:
        load_packs([("ours.yaml", yaml.safe_dump(data))])
    return [str(e) for e in exc.value.errors]


def broken(mutate) -> dict:
    data = copy.deepcopy(MINIMAL)
    mutate(data)
    return data


def shipped():
    return next(lp.pack for lp in builtin_packs() if lp.pack.id == "event-taxonomy")


def test_the_shipped_taxonomy_has_the_common_formats_categories_and_both_scales():
    pack = shipped()
    sections = {s.id: s for s in pack.sections}
    categories = {i.id for i in sections["categories"].items}
    assert {"medication", "fall", "device", "surgery", "perinatal", "pressure-injury", "blood",
            "vte", "hai", "diagnostic", "other"} <= categories
    assert [i.id for i in sections["ncc-merp"].items] == list("ABCDEFGHI")
    assert [i.title.text for i in sections["harm-scale"].items] == [
        "Death", "Severe harm", "Moderate harm", "Mild harm", "No harm", "Unknown"]
    assert {i.id for i in sections["workforce-categories"].items} >= {
        "staff-injury", "sharps", "violence-patient", "violence-staff", "psychological"}
    medication = next(i for i in sections["categories"].items if i.id == "medication")
    assert any(q.choices_from == "ncc-merp" for q in medication.questions)


def test_the_shipped_taxonomy_labels_official_titles_with_their_source_and_the_rest_as_ours():
    pack = shipped()
    sections = {s.id: s for s in pack.sections}
    fall = next(i for i in sections["categories"].items if i.id == "fall")
    assert fall.title.provenance == "official-title" and fall.title.source == "CFH12"
    assert fall.summary.provenance == "project"
    assert all(q.provenance == "project" for q in fall.questions)
    diagnostic = next(i for i in sections["categories"].items if i.id == "diagnostic")
    assert diagnostic.title.provenance == "project"  # not a V1.2 module: ours
    for item in sections["ncc-merp"].items:
        assert item.summary.provenance == "paraphrase" and item.summary.source == "MERP"


def test_a_minimal_taxonomy_pack_loads():
    (loaded,) = load_packs([("ours.yaml", yaml.safe_dump(MINIMAL))])
    assert loaded.pack.kind == "taxonomy"


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d["sections"].pop(2),
     "ours.yaml: sections: a taxonomy pack needs the section 'harm-scale'"),
    (lambda d: d["sections"].append({"id": "colours", "title": "C", "items": [
        {"id": "red", "title": "Red"}]}),
     "ours.yaml: sections[4].id: unknown taxonomy section 'colours'"),
    (lambda d: d["sections"][2].update(items=[]),
     "ours.yaml: sections[2].items: the section 'harm-scale' needs at least one item"),
    (lambda d: d["sections"][1]["items"][0]["questions"][1].update(choices=[
        {"value": "room", "label": "Room"}]),
     "ours.yaml: sections[1].items[0].questions[1].choices: a choice question needs at least "
     "two choices"),
    (lambda d: d["sections"][1]["items"][0]["questions"][0].update(choices=[
        {"value": "a", "label": "A"}, {"value": "b", "label": "B"}]),
     "ours.yaml: sections[1].items[0].questions[0].choices: a yes-no question takes no choices"),
    (lambda d: d["sections"][1]["items"][0]["questions"].append(
        {"id": "where", "text": "Again?", "type": "text"}),
     "ours.yaml: sections[1].items[0].questions[2].id: duplicate question id 'where'"),
    (lambda d: d["sections"][1]["items"][1]["questions"][0].update(choices_from="colours"),
     "ours.yaml: sections[1].items[1].questions[0].choices_from: 'colours' is not a section"),
    (lambda d: d["sections"][2]["items"][0].update(questions=[
        {"id": "q", "text": "Q?", "type": "text"}]),
     "ours.yaml: sections[2].items[0].questions: only categories ask questions"),
    (lambda d: d["sections"][1]["items"][0]["questions"][0].update(type="essay"),
     "ours.yaml: sections[1].items[0].questions[0].type:"),
    (lambda d: d.update(scale={"levels": [{"value": "a", "label": "A"},
                                          {"value": "b", "label": "B"}]}),
     "ours.yaml: scale: a taxonomy pack is not answered"),
])
def test_a_broken_taxonomy_pack_is_refused_naming_the_place_and_the_reason(mutate, expected):
    assert any(e.startswith(expected) for e in errors_of(broken(mutate))), \
        errors_of(broken(mutate))


def test_only_a_taxonomy_pack_asks_questions():
    def as_framework(d):
        d["kind"] = "framework"
    errors = errors_of(broken(as_framework))
    assert "ours.yaml: sections[1].items[0].questions: only a taxonomy pack's categories ask " \
           "questions" in errors


def test_questions_left_every_older_packs_hash_unchanged():
    """Hashes of the packs as stored before taxonomy packs existed (main at d6ff997): a used
    pack that seemed changed would be refused at the next sync."""
    hashes = {lp.pack.id: lp.sha256[:12] for lp in builtin_packs()}
    assert hashes["nap-2020"] == "5ee2547e815a"
    assert hashes["pssm"] == "e3379f9aa04b"
    assert hashes["safetyhub-sa"] == "47abb14a347a"


def test_an_organization_uploads_its_own_taxonomy_through_the_pack_upload(org, owner):
    pack = upload_pack(organization=org, file_name="ours.yaml", text=yaml.safe_dump(MINIMAL),
                       by=owner)
    assert pack.kind == "taxonomy"
    assert Pack.objects.filter(organization=org, pack_id="our-taxonomy").exists()
    assert pack.items.filter(key="fall").exists()


def test_the_frameworks_explorer_lists_the_taxonomy_pack(org, owner_client):
    response = owner_client.get(f"/o/{org.slug}/frameworks/")
    assert response.status_code == 200
    assert "SafetyHub safety event taxonomy" in response.text
    detail = owner_client.get(f"/o/{org.slug}/frameworks/packs/event-taxonomy/1/")
    assert detail.status_code == 200
    assert "Medication or Other Substance" in detail.text


def test_the_explorer_shows_a_categorys_questions(org, owner_client):
    page = owner_client.get(f"/o/{org.slug}/frameworks/packs/event-taxonomy/1/fall/").text
    assert "Questions a reporter is asked" in page
    assert "Was the patient injured?" in page and "(required)" in page
    assert "Minor (bruise, small cut)" in page
