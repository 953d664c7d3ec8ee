"""The content-pack format: what a framework, instrument, attestation or crosswalk pack may
hold, as pydantic models. Pure: no Django. docs/packs.md is the reader's version of this file.

Every text carries a provenance label. A plain string is allowed wherever a text is expected
and takes the pack's default provenance (`defaults.provenance`) and, when it has none of its
own, the default source (`defaults.source`). The rules a single field cannot state (an official
or paraphrased text names its source; an item not confirmed is never labelled official) are
checked by loader.check_pack, which walks every text with `texts`."""

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

Provenance = Literal["official-title", "official-text", "paraphrase", "project"]
# Provenances that quote or restate someone else's text: they must name where it comes from.
SOURCED: frozenset[str] = frozenset({"official-title", "official-text", "paraphrase"})
OFFICIAL: frozenset[str] = frozenset({"official-title", "official-text"})
# Statuses of content whose wording is not confirmed: never labelled official.
NOT_CONFIRMED: frozenset[str] = frozenset({"partial", "unconfirmed"})
PROVENANCE_LABELS: dict[str, str] = {
    "official-title": "Official title, quoted",
    "official-text": "Official text, quoted verbatim (held by this organization)",
    "paraphrase": "Paraphrase of the source, in SafetyHub's words",
    "project": "SafetyHub's own content",
}
Status = Literal["confirmed", "confirmed-single-source", "partial", "unconfirmed", "project"]
PackKind = Literal["framework", "instrument", "attestation", "crosswalk", "taxonomy"]
ResourceKind = Literal[
    "toolkit", "survey", "guide", "method", "measure", "framework", "training", "program", "report"
]
Relation = Literal["supports", "equivalent", "partial", "related"]

Identifier = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
]
PackId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,58}[a-z0-9]$")]
Version = Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+){0,2}$")]
# "pack-id:ITEM" — an item of another pack (or of this one).
ItemRef = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,58}[a-z0-9]:[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    # Numbers are accepted where text is expected (`version: 1`, `number: 3`).
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


def _default_provenance(info: ValidationInfo) -> str:
    return (info.context or {}).get("default_provenance", "project")


def _with_defaults(value: dict, info: ValidationInfo) -> dict:
    """The pack's default provenance for a text that gives none, and its default source for a
    text of the default provenance that names no source of its own."""
    context = info.context or {}
    if "provenance" not in value:
        value = {**value, "provenance": _default_provenance(info)}
    if value.get("source") is None and context.get("default_source") \
            and value["provenance"] == _default_provenance(info):
        value = {**value, "source": context["default_source"]}
    return value


SourceRef = Annotated[str | None, Field(description="source id from `sources`, or a citation")]


class Text(Strict):
    """A piece of text and where it comes from."""

    text: NonEmpty
    provenance: Provenance
    source: SourceRef = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            value = {"text": value}
        return _with_defaults(value, info) if isinstance(value, dict) else value


class Labelled(Strict):
    """Objects whose texts share one provenance and source (tactics, criteria, resources,
    links, scale levels' labels, aliases)."""

    provenance: Provenance = "project"
    source: SourceRef = None

    @model_validator(mode="before")
    @classmethod
    def _default(cls, value: Any, info: ValidationInfo) -> Any:
        return _with_defaults(value, info) if isinstance(value, dict) else value


class Source(Strict):
    id: Identifier
    title: NonEmpty
    url: HttpUrl | None = None


class Defaults(Strict):
    provenance: Provenance = "project"
    source: SourceRef = None


class Level(Labelled):
    """One answer on a scale. Numeric levels count in means; the others are counted apart.
    `provenance` and `source` are the label's (a scale's wording may be a publisher's); the
    definition carries its own."""

    value: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,20}$")]
    label: NonEmpty
    numeric: int | None = Field(None, description="the number this level counts as, if any")
    definition: Text | None = None


class Scale(Strict):
    levels: list[Level] = Field(min_length=2)

    @model_validator(mode="after")
    def _unique_values(self) -> "Scale":
        seen: set[str] = set()
        for level in self.levels:
            if level.value in seen:
                raise ValueError(f"scale value {level.value!r} appears twice")
            seen.add(level.value)
        return self


class Scoring(Strict):
    """`mean`: each section's score is the mean of its numeric answers.
    `all-or-nothing`: a section is met only when every item in it has the answer `met`;
    the score is the number of sections met."""

    method: Literal["mean", "all-or-nothing"]
    met: str | None = Field(None, description="the answer that meets an item (all-or-nothing)")
    disagreement_levels: int = Field(2, ge=1, description="spread that flags disagreement")


class Criterion(Labelled):
    id: Identifier
    text: NonEmpty


ChoiceValue = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,20}$")]
QuestionType = Literal["choice", "multi", "yes-no", "text"]


class Choice(Labelled):
    """One answer a category question offers."""

    value: ChoiceValue
    label: NonEmpty


class Question(Labelled):
    """A question asked of one event category (taxonomy packs only): a reporter who picks a
    fall is asked whether it was assisted. `choice` and `multi` offer `choices`, or the items
    of another section of the pack (`choices_from`, e.g. the NCC MERP index); `yes-no` and
    `text` offer none."""

    id: Identifier
    text: NonEmpty
    type: QuestionType = "choice"
    choices: list[Choice] = Field(default_factory=list)
    choices_from: Identifier | None = Field(
        None, description="a section of this pack whose items are the choices")
    required: bool = False
    help: str | None = None


class Item(Strict):
    """A recommendation, element, statement or strategy, depending on the pack's kind (in a
    taxonomy pack: an event type, a category, a harm level…)."""

    id: Identifier
    number: str | None = None
    title: Text
    summary: Text | None = None
    status: Status = "project"
    sources: list[str] = Field(default_factory=list)
    criteria: list[Criterion] = Field(default_factory=list, max_length=4)
    levels: list[Level] = Field(
        default_factory=list, description="per-item definitions of the scale's levels"
    )
    questions: list[Question] = Field(
        default_factory=list, description="taxonomy packs: what a category asks the reporter"
    )


class Alias(Labelled):
    """Another name of a section (a later edition's, say), with where that name comes from."""

    text: NonEmpty
    note: str | None = None


class Section(Strict):
    """A top-level group: an area, a domain or a strategic objective."""

    id: Identifier
    number: str | None = None
    title: Text
    aliases: list[Alias] = Field(default_factory=list)
    summary: Text | None = None
    status: Status = "project"
    items: list[Item] = Field(default_factory=list)


class Principle(Strict):
    id: Identifier
    title: Text
    summary: Text | None = None


class Resource(Labelled):
    """A real, publicly available resource. `name` is as its publisher titles it."""

    id: Identifier
    name: NonEmpty
    publisher: NonEmpty
    kind: ResourceKind
    url: HttpUrl | None = None
    note: str | None = None


class Tactic(Labelled):
    """A concrete thing to do for one recommendation."""

    id: Identifier
    recommendation: Identifier
    title: NonEmpty
    what: NonEmpty
    who_leads: NonEmpty
    first_steps: list[NonEmpty] = Field(min_length=1)
    how_to_know: NonEmpty
    resources: list[Identifier] = Field(min_length=1)
    equity: bool = Field(False, description="tagged as advancing health equity")


class Link(Labelled):
    """A crosswalk link between two items, read both ways."""

    from_: ItemRef = Field(alias="from")
    to: ItemRef
    relation: Relation = "supports"
    note: str | None = None

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, coerce_numbers_to_str=True
    )


class Pack(Strict):
    id: PackId
    version: Version
    kind: PackKind
    title: Text
    short_title: str | None = None
    publisher: NonEmpty
    year: int = Field(ge=1900, le=2100)
    licence: NonEmpty
    licence_url: HttpUrl | None = None
    citation: str | None = None
    notice: str | None = Field(None, description="shown wherever the pack's content is shown")
    sources: list[Source] = Field(default_factory=list)
    defaults: Defaults = Defaults()
    description: Text | None = None
    scale: Scale | None = None
    scoring: Scoring | None = None
    sections: list[Section] = Field(default_factory=list)
    principles: list[Principle] = Field(default_factory=list)
    resources: list[Resource] = Field(default_factory=list)
    tactics: list[Tactic] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _defaults_first(cls, value: Any, info: ValidationInfo) -> Any:
        # Make the pack's default provenance visible to its texts while they validate.
        if isinstance(value, dict) and isinstance(value.get("defaults"), dict):
            provenance = value["defaults"].get("provenance")
            source = value["defaults"].get("source")
            if info.context is not None and isinstance(provenance, str):
                info.context["default_provenance"] = provenance
            if info.context is not None and isinstance(source, str):
                info.context["default_source"] = source
        return value


Sourced = Text | Labelled


def texts(node: BaseModel, path: str = "") -> Iterator[tuple[str, Sourced]]:
    """Every text of a pack (or of one part of it) with its path, in reading order: each
    Text, and each object whose texts share one provenance. A pack's own `defaults` are not
    a text."""
    if isinstance(node, (Text, Labelled)):
        yield path, node
    for name in type(node).model_fields:
        if name == "defaults":
            continue
        value = getattr(node, name)
        key = "from" if name == "from_" else name
        here = f"{path}.{key}" if path else key
        if isinstance(value, BaseModel):
            yield from texts(value, here)
        elif isinstance(value, list):
            for index, entry in enumerate(value):
                if isinstance(entry, BaseModel):
                    yield from texts(entry, f"{here}[{index}]")
