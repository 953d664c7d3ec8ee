"""The event taxonomy as the reporting form and the services read it: the organization's
taxonomy pack (a content pack of kind `taxonomy`, frameworks/packs/event-taxonomy.yaml or the
organization's own upload) turned into plain lists of options and questions.

Which pack: the newest upload of the organization's own taxonomy pack if it has one (so an
organization changes its categories and questions without code), else the newest version of
the shipped `event-taxonomy`. A report keeps the pack version it was made with."""

from dataclasses import dataclass, field

from safetyhub.core.models import Organization
from safetyhub.frameworks.models import Pack
from safetyhub.frameworks.queries import version_key

BUILTIN_TAXONOMY = "event-taxonomy"
KINDS = {  # event kind → (its categories' section, its harm scale's section, the fallback)
    "patient_safety": ("categories", "harm-scale", "harm-scale"),
    "workforce": ("workforce-categories", "workforce-harm", "harm-scale"),
}
MEDICATION_SCALE = "ncc-merp"
# Lists load each report's taxonomy pack without its content (tens of kilobytes of JSON per
# row): taxonomy_of reads the content only for a pack version it has not parsed yet.
LIGHT = ("taxonomy__content",)  # a question offering this section's items is the NCC MERP index


@dataclass(frozen=True)
class Option:
    key: str
    title: str
    summary: str = ""
    provenance: str = "project"
    source: str = ""


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    type: str
    choices: tuple[Option, ...] = ()
    required: bool = False
    help: str = ""
    choices_from: str = ""

    @property
    def values(self) -> frozenset[str]:
        return frozenset(choice.key for choice in self.choices)


@dataclass(frozen=True)
class Taxonomy:
    pack_pk: int
    pack_label: str
    sections: dict[str, tuple[Option, ...]]
    questions: dict[str, tuple[Question, ...]] = field(default_factory=dict)

    def options(self, section: str) -> tuple[Option, ...]:
        return self.sections.get(section, ())

    def keys(self, section: str) -> frozenset[str]:
        return frozenset(option.key for option in self.options(section))

    def categories(self, kind: str) -> tuple[Option, ...]:
        return self.options(KINDS[kind][0])

    def harm_levels(self, kind: str) -> tuple[Option, ...]:
        _categories, own, fallback = KINDS[kind]
        return self.options(own) or self.options(fallback)

    def harm_section(self, kind: str) -> str:
        _categories, own, fallback = KINDS[kind]
        return own if self.options(own) else fallback

    def questions_for(self, category: str) -> tuple[Question, ...]:
        return self.questions.get(category, ())

    def title_of(self, section: str, key: str) -> str:
        for option in self.options(section):
            if option.key == key:
                return option.title
        return key

    def category_title(self, kind: str, key: str) -> str:
        return self.title_of(KINDS[kind][0], key) if kind in KINDS else key

    def harm_title(self, kind: str, key: str) -> str:
        return self.title_of(self.harm_section(kind), key) if kind in KINDS else key

    def kind_of(self, category: str) -> str | None:
        for kind, (section, _own, _fallback) in KINDS.items():
            if category in self.keys(section):
                return kind
        return None


def _text(value) -> tuple[str, str, str]:
    if isinstance(value, dict):
        return value.get("text", ""), value.get("provenance", "project"), \
            value.get("source") or ""
    return (value or ""), "project", ""


def _option(item: dict) -> Option:
    title, provenance, source = _text(item.get("title"))
    summary, _p, _s = _text(item.get("summary"))
    return Option(key=item["id"], title=title, summary=summary, provenance=provenance,
                  source=source)


def _parse(pack: Pack) -> Taxonomy:
    content = pack.content
    sections = {section["id"]: tuple(_option(item) for item in section.get("items", []))
                for section in content.get("sections", [])}
    questions: dict[str, tuple[Question, ...]] = {}
    for section in content.get("sections", []):
        for item in section.get("items", []):
            asked = []
            for q in item.get("questions") or []:
                if q.get("choices_from"):
                    choices = sections.get(q["choices_from"], ())
                else:
                    choices = tuple(Option(key=c["value"], title=c["label"])
                                    for c in q.get("choices", []))
                asked.append(Question(id=q["id"], text=q["text"], type=q.get("type", "choice"),
                                      choices=choices, required=bool(q.get("required")),
                                      help=q.get("help") or "",
                                      choices_from=q.get("choices_from") or ""))
            if asked:
                questions[item["id"]] = tuple(asked)
    return Taxonomy(pack_pk=pack.pk, pack_label=f"{pack.pack_id} {pack.version}",
                    sections=sections, questions=questions)


_parsed: dict[tuple[int, str], Taxonomy] = {}


def taxonomy_of(pack: Pack) -> Taxonomy:
    """The pack's taxonomy, parsed once per pack row and content (an unused version that is
    replaced keeps its row and gets a new SHA-256)."""
    key = (pack.pk, pack.sha256)
    if key not in _parsed:
        if len(_parsed) > 256:
            _parsed.clear()
        _parsed[key] = _parse(pack)
    return _parsed[key]


def active_taxonomy_pack(*, organization: Organization) -> Pack | None:
    """The taxonomy pack new reports of the organization use (see the module's note)."""
    # Without the content: taxonomy_of parses it once per pack and keeps the result, so
    # reading it again for every report would only cost time (it is loaded when needed).
    packs = Pack.objects.defer("content")
    own = list(packs.filter(organization=organization, kind="taxonomy")
               .order_by("-created_at", "-pk")[:1])
    if own:
        return own[0]
    shipped = packs.filter(organization=None, pack_id=BUILTIN_TAXONOMY)
    return max(shipped, key=lambda p: version_key(p.version), default=None)
