"""Reading and checking content packs. Pure: no Django.

`load_packs` parses YAML, validates each pack against the schema, then checks what a schema
cannot: unique ids, the rules of each kind, and that every reference (tactic → recommendation,
tactic → resource, crosswalk link → item of any known pack) points at something real. Every
problem is reported with its file, its path inside the pack and the reason; nothing is loaded
from a file that has any problem.
"""

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from .schema import NOT_CONFIRMED, OFFICIAL, SOURCED, Pack, texts

MAX_PACK_BYTES = 2_000_000
PATTERN_HINTS = {
    "pack-id": "use lowercase letters, digits and '-' (3 to 60), like 'nap-2020'",
    "id": "use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)",
    "version": "use a version like 1, 1.2 or 1.2.3",
    "from": "refer to an item as 'pack-id:ITEM-ID'",
    "to": "refer to an item as 'pack-id:ITEM-ID'",
    "value": "use lowercase letters, digits or '-' (at most 20)",
}


@dataclass(frozen=True)
class PackError:
    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.reason}" if self.path else \
            f"{self.file}: {self.reason}"


@dataclass(frozen=True)
class LoadedPack:
    pack: Pack
    file: str
    sha256: str

    def item_ids(self) -> set[str]:
        return item_ids(self.pack)


class PackInvalid(Exception):
    def __init__(self, errors: list[PackError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def item_ids(pack: Pack) -> set[str]:
    """Every id another pack may link to: sections, items, tactics, resources, principles."""
    ids = {s.id for s in pack.sections}
    ids |= {i.id for s in pack.sections for i in s.items}
    ids |= {t.id for t in pack.tactics} | {r.id for r in pack.resources}
    ids |= {p.id for p in pack.principles}
    return ids


def _path(loc: Iterable) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before") or "[" in str(part):
            continue
        else:
            out += ("." if out else "") + ("from" if part == "from_" else str(part))
    return out


class _PackYamlLoader(yaml.SafeLoader):
    """SafeLoader without aliases. safe_load builds no objects from tags, but an alias
    repeats a whole subtree: nine nested anchors of ten aliases each ("billion laughs") are a
    few hundred bytes that schema validation would walk a billion times. Packs are plain
    data and no shipped pack uses anchors, so an alias is refused where it stands."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (*name) are not allowed in a pack; write the "
                "content out in full", event.start_mark)
        return super().compose_node(parent, index)


def parse_pack(text: str, *, file: str) -> tuple[Pack | None, list[PackError]]:
    """Parse and schema-check one pack's YAML text."""
    if len(text.encode()) > MAX_PACK_BYTES:
        return None, [PackError(file, "", f"the file is larger than {MAX_PACK_BYTES} bytes")]
    try:
        data = yaml.load(text, Loader=_PackYamlLoader)  # noqa: S506 — a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [PackError(file, where, f"not valid YAML: {problem}")]
    if not isinstance(data, dict):
        return None, [PackError(file, "", "a pack must be a mapping of fields (id, version, …)")]
    try:
        return Pack.model_validate(data, context={}), []
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False):
            reason = error["msg"]
            field = str(error["loc"][-1]) if error["loc"] else ""
            if error["type"] == "string_pattern_mismatch":
                reason = PATTERN_HINTS["pack-id"] if error["loc"] == ("id",) else \
                    PATTERN_HINTS.get(field, PATTERN_HINTS["id"])
            elif error["type"] == "extra_forbidden":
                reason = "unknown field"
            elif error["type"] == "missing":
                reason = "required field is missing"
            errors.append(PackError(file, _path(error["loc"]), reason))
        return None, errors


def check_pack(pack: Pack, *, file: str, known: Mapping[str, set[str]]) -> list[PackError]:
    """The checks a schema cannot make. `known` maps pack ids to their item ids (the other
    packs this one may link to; the pack itself is added)."""
    errors: list[PackError] = []

    def err(path: str, reason: str) -> None:
        errors.append(PackError(file, path, reason))

    seen: dict[str, str] = {}

    def claim(identifier: str, path: str) -> None:
        if identifier in seen:
            err(path, f"duplicate id {identifier!r} (first used at {seen[identifier]})")
        else:
            seen[identifier] = path

    source_ids: set[str] = set()
    for i, source in enumerate(pack.sources):
        if source.id in source_ids:
            err(f"sources[{i}].id", f"duplicate source id {source.id!r}")
        source_ids.add(source.id)

    check_provenance(pack, source_ids=source_ids, err=err)

    scale_values = {level.value for level in pack.scale.levels} if pack.scale else set()
    recommendation_ids: set[str] = set()
    for s_i, section in enumerate(pack.sections):
        s_path = f"sections[{s_i}]"
        claim(section.id, f"{s_path}.id")
        for i_i, item in enumerate(section.items):
            i_path = f"{s_path}.items[{i_i}]"
            claim(item.id, f"{i_path}.id")
            recommendation_ids.add(item.id)
            for src_i, src in enumerate(item.sources):
                if src not in source_ids:
                    err(f"{i_path}.sources[{src_i}]", f"unknown source {src!r} (not in `sources`)")
            criterion_ids = set()
            for c_i, criterion in enumerate(item.criteria):
                if criterion.id in criterion_ids:
                    err(f"{i_path}.criteria[{c_i}].id", f"duplicate criterion id {criterion.id!r}")
                criterion_ids.add(criterion.id)
            for l_i, level in enumerate(item.levels):
                if level.value not in scale_values:
                    err(f"{i_path}.levels[{l_i}].value",
                        f"unknown scale value {level.value!r} (the scale has: "
                        f"{', '.join(sorted(scale_values)) or 'no scale'})")
            if pack.kind == "instrument" and not item.criteria:
                err(f"{i_path}.criteria", "an instrument element needs 1 to 4 criteria")

    for p_i, principle in enumerate(pack.principles):
        claim(principle.id, f"principles[{p_i}].id")
    resource_ids = set()
    for r_i, resource in enumerate(pack.resources):
        claim(resource.id, f"resources[{r_i}].id")
        resource_ids.add(resource.id)
    for t_i, tactic in enumerate(pack.tactics):
        t_path = f"tactics[{t_i}]"
        claim(tactic.id, f"{t_path}.id")
        if tactic.recommendation not in recommendation_ids:
            err(f"{t_path}.recommendation",
                f"unknown recommendation {tactic.recommendation!r} in this pack")
        for r_i, ref in enumerate(tactic.resources):
            if ref not in resource_ids:
                err(f"{t_path}.resources[{r_i}]", f"unknown resource {ref!r} (not in `resources`)")

    if pack.kind == "taxonomy":
        errors += check_taxonomy(pack, file=file)
    else:
        for s_i, section in enumerate(pack.sections):
            for i_i, item in enumerate(section.items):
                if item.questions:
                    err(f"sections[{s_i}].items[{i_i}].questions",
                        "only a taxonomy pack's categories ask questions")

    if pack.kind in ("instrument", "attestation"):
        if pack.scale is None:
            err("scale", f"an {pack.kind} pack needs a scale")
        if pack.scoring is None:
            err("scoring", f"an {pack.kind} pack needs a scoring rule")
        if not any(section.items for section in pack.sections):
            err("sections", f"an {pack.kind} pack needs at least one item to answer")
    elif pack.scale is not None or pack.scoring is not None:
        err("scale", f"a {pack.kind} pack is not answered, so it takes no scale or scoring")
    if pack.scoring is not None and pack.scale is not None:
        if pack.scoring.method == "all-or-nothing":
            if pack.scoring.met not in scale_values:
                err("scoring.met", f"{pack.scoring.met!r} is not a value of the scale")
        elif not any(level.numeric is not None for level in pack.scale.levels):
            err("scale", "mean scoring needs numeric levels")

    targets = {**known, pack.id: item_ids(pack)}
    for l_i, link in enumerate(pack.links):
        for end, ref in (("from", link.from_), ("to", link.to)):
            pack_id, item_id = ref.split(":", 1)
            if pack_id not in targets:
                err(f"links[{l_i}].{end}", f"unknown pack {pack_id!r} in {ref!r}")
            elif item_id not in targets[pack_id]:
                err(f"links[{l_i}].{end}", f"{ref!r} names no item of pack {pack_id!r}")
        if link.from_ == link.to:
            err(f"links[{l_i}]", "a link must join two different items")
    return errors


# The sections a taxonomy pack is made of (by id): the first three are required. An event's
# kind chooses its categories and its harm scale (events/taxonomy.py reads them).
TAXONOMY_REQUIRED = ("event-types", "categories", "harm-scale")
TAXONOMY_OPTIONAL = ("workforce-categories", "workforce-harm", "ncc-merp",
                     "contributing-factors", "people-roles")
TAXONOMY_ASKING = ("categories", "workforce-categories")  # sections whose items ask questions


def check_taxonomy(pack: Pack, *, file: str) -> list[PackError]:
    """A taxonomy pack (event types, categories, harm scales, category questions): known
    sections only, the required ones present and not empty, questions only on categories,
    and each question answerable (choices for a choice, none for yes-no or text; a
    `choices_from` names another section of the pack)."""
    errors: list[PackError] = []

    def err(path: str, reason: str) -> None:
        errors.append(PackError(file, path, reason))

    known = TAXONOMY_REQUIRED + TAXONOMY_OPTIONAL
    by_id = {section.id: section for section in pack.sections}
    for s_i, section in enumerate(pack.sections):
        if section.id not in known:
            err(f"sections[{s_i}].id", f"unknown taxonomy section {section.id!r} (known: "
                                       f"{', '.join(known)})")
        elif not section.items:
            err(f"sections[{s_i}].items", f"the section {section.id!r} needs at least one item")
    for required in TAXONOMY_REQUIRED:
        if required not in by_id:
            err("sections", f"a taxonomy pack needs the section {required!r}")
    if "workforce-harm" in by_id and "workforce-categories" not in by_id:
        err("sections", "'workforce-harm' needs 'workforce-categories' beside it")
    for s_i, section in enumerate(pack.sections):
        for i_i, item in enumerate(section.items):
            i_path = f"sections[{s_i}].items[{i_i}]"
            if item.questions and section.id not in TAXONOMY_ASKING:
                err(f"{i_path}.questions", f"only categories ask questions, not the items of "
                                           f"{section.id!r}")
            question_ids: set[str] = set()
            for q_i, question in enumerate(item.questions):
                q_path = f"{i_path}.questions[{q_i}]"
                if question.id in question_ids:
                    err(f"{q_path}.id", f"duplicate question id {question.id!r}")
                question_ids.add(question.id)
                values = [choice.value for choice in question.choices]
                if len(set(values)) != len(values):
                    err(f"{q_path}.choices", "a choice value appears twice")
                if question.type in ("choice", "multi"):
                    if question.choices_from is not None:
                        if question.choices:
                            err(f"{q_path}.choices",
                                "give `choices` or `choices_from`, not both")
                        if question.choices_from not in by_id or \
                                question.choices_from in TAXONOMY_ASKING:
                            err(f"{q_path}.choices_from",
                                f"{question.choices_from!r} is not a section of this pack "
                                "that lists answers (such as 'ncc-merp')")
                    elif len(question.choices) < 2:
                        err(f"{q_path}.choices",
                            f"a {question.type} question needs at least two choices")
                elif question.choices or question.choices_from:
                    err(f"{q_path}.choices", f"a {question.type} question takes no choices")
    return errors


WHAT = {"official-title": "an official title", "official-text": "official text",
        "paraphrase": "a paraphrase"}
GOVERNED = re.compile(r"^sections\[(\d+)\](?:\.items\[(\d+)\])?")


def check_provenance(pack: Pack, *, source_ids: set[str], err) -> None:
    """Every text says truthfully where it comes from: a source id it names is one of the
    pack's `sources`; official and paraphrased text names its source; and content whose
    wording is not confirmed (a partial or unconfirmed section or item) is never labelled
    official."""
    for path, text in texts(pack):
        if text.source and " " not in text.source and "://" not in text.source \
                and text.source not in source_ids:
            err(f"{path}.source", f"unknown source {text.source!r} (not in `sources`)")
        if text.provenance in SOURCED and not text.source:
            err(f"{path}.source", f"{WHAT[text.provenance]} must name its source: add "
                                  "`source` (an id from `sources`, or a citation)")
        governed = GOVERNED.match(path)
        if governed and text.provenance in OFFICIAL:
            section = pack.sections[int(governed[1])]
            owner = section.items[int(governed[2])] if governed[2] else section
            kind = "item" if governed[2] else "section"
            if owner.status in NOT_CONFIRMED:
                err(f"{path}.provenance",
                    f"this {kind} is {owner.status}, so its wording is not confirmed and "
                    f"cannot be labelled {text.provenance}: label it paraphrase (with its "
                    "source) or project")


def canonical_sha256(pack: Pack) -> str:
    data = pack.model_dump(mode="json", by_alias=True)
    # Items gained `questions` with taxonomy packs; leaving an empty list out keeps the hash
    # of every pack stored before then, so a used (locked) version does not look changed.
    for section in data.get("sections", []):
        for item in section.get("items", []):
            if not item.get("questions"):
                item.pop("questions", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def load_packs(
    sources: Iterable[tuple[str, str]], *, known: Mapping[str, set[str]] | None = None
) -> list[LoadedPack]:
    """Load (file name, YAML text) pairs together, so packs may link to each other and to
    the `known` ones. Raises PackInvalid with every problem found in any of them."""
    parsed: list[tuple[str, Pack]] = []
    errors: list[PackError] = []
    for file, text in sources:
        pack, problems = parse_pack(text, file=file)
        errors += problems
        if pack is not None:
            parsed.append((file, pack))
    targets = dict(known or {})
    for file, pack in parsed:
        if pack.id in {p.id for f, p in parsed if f != file}:
            errors.append(PackError(file, "id", f"pack id {pack.id!r} is used by another file"))
        targets[pack.id] = item_ids(pack)
    for file, pack in parsed:
        errors += check_pack(pack, file=file, known=targets)
    if errors:
        raise PackInvalid(errors)
    return [LoadedPack(pack=p, file=f, sha256=canonical_sha256(p)) for f, p in parsed]


def read_files(paths: Iterable[Path]) -> list[tuple[str, str]]:
    return [(str(path), Path(path).read_text(encoding="utf-8")) for path in paths]
