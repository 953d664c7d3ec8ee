"""The pack loader on its own (no database): good packs load, and each kind of broken pack
fails with a message naming the file, the path and the reason."""

import copy

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from safetyhub.frameworks.builtin import builtin_pack_files, builtin_packs
from safetyhub.frameworks.loader import PackInvalid, load_packs, parse_pack

VALID = {
    "id": "test-instrument",
    "version": 1,
    "kind": "instrument",
    "title": {"text": "Test instrument", "provenance": "project"},
    "publisher": "Tests",
    "year": 2026,
    "licence": "CC0",
    "sources": [{"id": "S1", "title": "A source"}],
    "scale": {"levels": [
        {"value": "0", "label": "None", "numeric": 0},
        {"value": "1", "label": "Some", "numeric": 1},
        {"value": "unsure", "label": "Unsure"},
    ]},
    "scoring": {"method": "mean"},
    "sections": [{
        "id": "A", "title": "Area A",
        "items": [
            {"id": "A-1", "title": {"text": "First", "provenance": "paraphrase", "source": "S1"},
             "criteria": [{"id": "a", "text": "Observable"}]},
            {"id": "A-2", "title": "Second", "criteria": [{"id": "a", "text": "Observable"}]},
        ],
    }],
    "resources": [{"id": "r1", "name": "A resource", "publisher": "Pub", "kind": "guide"}],
    "links": [{"from": "test-instrument:A-1", "to": "test-instrument:A-2"}],
}


def load(data: dict, *, known=None):
    return load_packs([("test.yaml", yaml.safe_dump(data))], known=known or {})


def errors_of(data: dict, *, known=None) -> list[str]:
    with pytest.raises(PackInvalid) as exc:
        load(data, known=known)
    return [str(e) for e in exc.value.errors]


def broken(mutate) -> dict:
    data = copy.deepcopy(VALID)
    mutate(data)
    return data


def test_a_valid_pack_loads_with_provenance_on_every_text():
    (loaded,) = load(VALID)
    pack = loaded.pack
    assert pack.version == "1"
    assert pack.sections[0].title.provenance == "project"  # plain string: the default
    assert pack.sections[0].items[0].title.provenance == "paraphrase"
    assert len(loaded.sha256) == 64


def test_default_provenance_applies_to_plain_strings():
    (loaded,) = load(broken(lambda d: d.update(defaults={"provenance": "paraphrase",
                                                         "source": "S1"})))
    assert loaded.pack.sections[0].title.provenance == "paraphrase"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("id"), "test.yaml: id: required field is missing"),
        (lambda d: d["sections"][0]["items"][0].pop("id"),
         "test.yaml: sections[0].items[0].id: required field is missing"),
        (lambda d: d["sections"][0]["items"][1].update(id="A-1"),
         "test.yaml: sections[0].items[1].id: duplicate id 'A-1' (first used at "
         "sections[0].items[0].id)"),
        (lambda d: d["resources"][0].update(id="A"),
         "test.yaml: resources[0].id: duplicate id 'A' (first used at sections[0].id)"),
        (lambda d: d["links"].append({"from": "test-instrument:A-1", "to": "nap-2020:R99"}),
         "test.yaml: links[1].to: unknown pack 'nap-2020' in 'nap-2020:R99'"),
        (lambda d: d["links"].append({"from": "test-instrument:A-9", "to": "test-instrument:A-1"}),
         "test.yaml: links[1].from: 'test-instrument:A-9' names no item of pack 'test-instrument'"),
        (lambda d: d["sections"][0]["items"][0].update(
            levels=[{"value": "7", "label": "Seven"}]),
         "test.yaml: sections[0].items[0].levels[0].value: unknown scale value '7' "
         "(the scale has: 0, 1, unsure)"),
        (lambda d: d.update(year="last year"),
         "test.yaml: year: Input should be a valid integer, unable to parse string as an integer"),
        (lambda d: d["sections"][0].update(items="not a list"),
         "test.yaml: sections[0].items: Input should be a valid list"),
        (lambda d: d.update(colour="blue"), "test.yaml: colour: unknown field"),
        (lambda d: d["sections"][0]["items"][0]["title"].update(provenance="rumour"),
         "test.yaml: sections[0].items[0].title.provenance: Input should be 'official-title', "
         "'official-text', 'paraphrase' or 'project'"),
        (lambda d: d["sections"][0]["items"][0]["title"].update(source="S9"),
         "test.yaml: sections[0].items[0].title.source: unknown source 'S9' (not in `sources`)"),
        (lambda d: d["sections"][0]["items"][0].update(criteria=[]),
         "test.yaml: sections[0].items[0].criteria: an instrument element needs 1 to 4 criteria"),
        (lambda d: d["sections"][0]["items"][0].update(
            criteria=[{"id": str(n), "text": "x"} for n in range(5)]),
         "test.yaml: sections[0].items[0].criteria: List should have at most 4 items after "
         "validation, not 5"),
        (lambda d: d.pop("scale"), "test.yaml: scale: an instrument pack needs a scale"),
        (lambda d: d.update(scoring={"method": "all-or-nothing", "met": "yes"}),
         "test.yaml: scoring.met: 'yes' is not a value of the scale"),
        (lambda d: d.update(id="Bad_ID"),
         "test.yaml: id: use lowercase letters, digits and '-' (3 to 60), like 'nap-2020'"),
        (lambda d: d.update(version="v2"),
         "test.yaml: version: use a version like 1, 1.2 or 1.2.3"),
        (lambda d: d["scale"]["levels"].append({"value": "0", "label": "Zero again"}),
         "test.yaml: scale: Value error, scale value '0' appears twice"),
    ],
)
def test_broken_packs_fail_with_the_expected_message(mutate, expected):
    assert expected in errors_of(broken(mutate))


def test_tactics_must_point_at_real_recommendations_and_resources():
    def add_tactic(d):
        d.update(kind="framework")
        d.pop("scale")
        d.pop("scoring")
        for item in d["sections"][0]["items"]:
            item.pop("criteria")
        d["tactics"] = [{
            "id": "t1", "recommendation": "A-7", "title": "Do it", "what": "x",
            "who_leads": "y", "first_steps": ["z"], "how_to_know": "w",
            "resources": ["r1", "r404"],
        }]

    errors = errors_of(broken(add_tactic))
    assert "test.yaml: tactics[0].recommendation: unknown recommendation 'A-7' in this pack" \
        in errors
    assert "test.yaml: tactics[0].resources[1]: unknown resource 'r404' (not in `resources`)" \
        in errors


def test_a_framework_pack_takes_no_scale():
    errors = errors_of(broken(lambda d: d.update(kind="framework")))
    assert "test.yaml: scale: a framework pack is not answered, so it takes no scale or scoring" \
        in errors


def test_links_resolve_against_known_packs():
    data = broken(lambda d: d["links"].append(
        {"from": "test-instrument:A-1", "to": "other-pack:X1"}))
    (loaded,) = load(data, known={"other-pack": {"X1"}})
    assert len(loaded.pack.links) == 2


def test_yaml_syntax_errors_give_line_and_column():
    _pack, errors = parse_pack("id: x\nsections: [\n  - a\n", file="bad.yaml")
    assert str(errors[0]).startswith("bad.yaml: line ")
    assert "not valid YAML" in str(errors[0])


def test_a_pack_must_be_a_mapping():
    _pack, errors = parse_pack("- just\n- a list\n", file="list.yaml")
    assert str(errors[0]) == "list.yaml: a pack must be a mapping of fields (id, version, …)"


def test_every_problem_is_reported_at_once():
    def many(d):
        d.pop("publisher")
        d["sections"][0]["items"][1]["id"] = "A-1"
    errors = errors_of(broken(many))
    # schema errors stop the later checks, so both kinds are reported in two passes
    assert errors == ["test.yaml: publisher: required field is missing"]
    errors = errors_of(broken(lambda d: (d["sections"][0]["items"][1].update(id="A-1"),
                                         d["links"].append({"from": "test-instrument:A-1",
                                                            "to": "x-y:z"}))))
    assert [e.split(":")[1].strip() for e in errors] == ["sections[0].items[1].id",
                                                         "links[0].to", "links[1].to"]


# --- provenance rules (issue 9, item 15) -----------------------------------------------------

SOURCE_HINT = "must name its source: add `source` (an id from `sources`, or a citation)"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["sections"][0]["items"][0]["title"].pop("source"),
         f"test.yaml: sections[0].items[0].title.source: a paraphrase {SOURCE_HINT}"),
        (lambda d: d.update(title={"text": "Test instrument", "provenance": "official-title"}),
         f"test.yaml: title.source: an official title {SOURCE_HINT}"),
        (lambda d: d["sections"][0]["items"][0]["criteria"][0].update(provenance="official-text"),
         f"test.yaml: sections[0].items[0].criteria[0].source: official text {SOURCE_HINT}"),
        (lambda d: d["scale"]["levels"][1].update(provenance="official-title"),
         f"test.yaml: scale.levels[1].source: an official title {SOURCE_HINT}"),
        (lambda d: d["sections"][0].update(aliases=[{"text": "Area Alpha",
                                                     "provenance": "official-title"}]),
         f"test.yaml: sections[0].aliases[0].source: an official title {SOURCE_HINT}"),
        (lambda d: d["sections"][0].update(aliases=[{"text": "Area Alpha", "source": "S9",
                                                     "provenance": "official-title"}]),
         "test.yaml: sections[0].aliases[0].source: unknown source 'S9' (not in `sources`)"),
        (lambda d: d["scale"]["levels"][0].update(source="S9", provenance="paraphrase"),
         "test.yaml: scale.levels[0].source: unknown source 'S9' (not in `sources`)"),
        (lambda d: d["sections"][0]["items"][0].update(
            status="partial", title={"text": "First", "provenance": "official-title",
                                     "source": "S1"}),
         "test.yaml: sections[0].items[0].title.provenance: this item is partial, so its "
         "wording is not confirmed and cannot be labelled official-title: label it paraphrase "
         "(with its source) or project"),
        (lambda d: d["sections"][0]["items"][1].update(
            status="unconfirmed", criteria=[{"id": "a", "text": "Observable",
                                             "provenance": "official-text", "source": "S1"}]),
         "test.yaml: sections[0].items[1].criteria[0].provenance: this item is unconfirmed, so "
         "its wording is not confirmed and cannot be labelled official-text"),
        (lambda d: d["sections"][0].update(
            status="unconfirmed", title={"text": "Area A", "provenance": "official-title",
                                         "source": "S1"}),
         "test.yaml: sections[0].title.provenance: this section is unconfirmed, so its wording "
         "is not confirmed and cannot be labelled official-title"),
    ],
)
def test_provenance_rules_refuse_a_pack_with_the_reason(mutate, expected):
    errors = errors_of(broken(mutate))
    assert any(e.startswith(expected) for e in errors), errors


def test_an_unconfirmed_item_may_be_paraphrased_and_its_section_stay_official():
    def mutate(d):
        d["sections"][0].update(title={"text": "Area A", "provenance": "official-title",
                                       "source": "S1"})
        d["sections"][0]["items"][0].update(status="unconfirmed")  # title: paraphrase of S1
    (loaded,) = load(broken(mutate))
    assert loaded.pack.sections[0].items[0].status == "unconfirmed"


def test_a_default_source_goes_with_the_default_provenance():
    # An organization importing official text it holds names the source once.
    def mutate(d):
        d["defaults"] = {"provenance": "official-text", "source": "S1"}
        d["title"] = {"text": "Test instrument", "provenance": "project"}
        d["sections"][0]["items"][0]["title"] = {"text": "First", "provenance": "project"}
    (loaded,) = load(broken(mutate))
    pack = loaded.pack
    assert (pack.sections[0].title.provenance, pack.sections[0].title.source) == (
        "official-text", "S1")
    criterion = pack.sections[0].items[0].criteria[0]
    assert (criterion.provenance, criterion.source) == ("official-text", "S1")
    assert (pack.scale.levels[0].provenance, pack.scale.levels[0].source) == (
        "official-text", "S1")
    assert pack.title.source is None  # project text takes no source


def test_scale_labels_and_aliases_carry_provenance():
    (loaded,) = load(broken(lambda d: d["sections"][0].update(
        aliases=[{"text": "Area Alpha", "provenance": "official-title", "source": "S1"}])))
    alias = loaded.pack.sections[0].aliases[0]
    assert (alias.text, alias.provenance, alias.source) == ("Area Alpha", "official-title", "S1")
    assert [lvl.provenance for lvl in loaded.pack.scale.levels] == ["project"] * 3


@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes_the_loader(text):
    pack, errors = parse_pack(text, file="fuzz.yaml")
    assert (pack is None) == bool(errors)


def test_every_shipped_pack_validates():
    loaded = builtin_packs()
    assert {lp.pack.id for lp in loaded} == {
        "nap-2020", "safetyhub-sa", "pssm", "who-gpsap-2021", "safetyhub-crosswalk",
        "event-taxonomy"}
    assert len(loaded) == len(builtin_pack_files())


def test_yaml_aliases_are_refused_so_a_billion_laughs_cannot_expand():
    # nine levels of ten aliases: ~1 KB of YAML standing for 10⁹ strings in validation
    levels = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * 10)}]" for k in range(1, 10)]
    text = "id: laughs\nversion: '1'\n" + "\n".join(levels) + "\nsections: *l9\n"
    assert len(text) < 1_000
    pack, errors = parse_pack(text, file="laughs.yaml")
    assert pack is None
    (error,) = errors
    assert str(error) == ("laughs.yaml: line 4, column 10: not valid YAML: anchors and aliases "
                          "(*name) are not allowed in a pack; write the content out in full")
