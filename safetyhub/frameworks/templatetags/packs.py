"""`{% text value %}`: a text with its provenance marker, the one way pack text is shown.

Provenance is shown as a small numbered marker after the text, not as a parenthesis after
every sentence. The marker is a link to the page's "Sources" footnote list (rendered by
`{% source_notes %}` at the end of base.html and of the print layouts); its words appear
on hover and on keyboard focus (a CSS-only tooltip, no inline style or script: CSP), and
screen readers get them as the link's description (aria-describedby on the footnote).
Markers with the same words share one footnote, numbered in order of first appearance.
"""

import dataclasses
import hashlib

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

LABELS = {
    "official-title": "Official title",
    "official-text": "Official text",
    "paraphrase": "Paraphrase",
    "project": "SafetyHub's own",
}
# What each label means, said once in the footnote and the tooltip.
MEANINGS = {
    "official-title": "Official title",
    "official-text": "Official text",
    "paraphrase": "Paraphrase, not the official wording",
    "project": "SafetyHub's own: written by the SafetyHub project",
}
OWN = "Your organization's own: from its own framework pack"
# The render context key holding the page's footnotes (see `_notes`).
NOTES_KEY = "_source_notes"


def provenance_label(provenance: str, *, source: str | None = None, own: bool = False) -> str:
    """The short label ("Official title, source S2"), as the API and older callers name it."""
    if provenance == "project" and own:
        return "Your organization's own"
    label = LABELS.get(provenance, provenance)
    return f"{label}, source {source}" if source and provenance != "project" else label


def _own(pack) -> bool:
    return pack is not None and getattr(pack, "organization_id", None) is not None


@dataclasses.dataclass(frozen=True)
class Note:
    """One footnote: its words, the source's address if it has one, and its number."""

    key: str
    number: int
    words: str
    source_title: str = ""
    url: str = ""

    @property
    def full(self) -> str:
        return f"{self.words} — source: {self.source_title}" if self.source_title else \
            self.words


class SourceNotes:
    """The footnotes of one rendered page, in order of first appearance."""

    def __init__(self) -> None:
        self.notes: dict[str, Note] = {}

    def add(self, words: str, source_title: str = "", url: str = "") -> Note:
        # The id depends on the words alone, so a row re-rendered alone (an HTMX swap)
        # points at the same footnote as the page it lands in.
        key = "src-" + hashlib.sha256(
            f"{words}|{source_title}|{url}".encode()).hexdigest()[:10]
        if key not in self.notes:
            self.notes[key] = Note(key=key, number=len(self.notes) + 1, words=words,
                                   source_title=source_title, url=url)
        return self.notes[key]


def _notes(context) -> SourceNotes:
    """The page's footnotes, kept in the context's outermost layer so that every include
    and block of one render adds to the same list (a new render starts a new list)."""
    notes = context.get(NOTES_KEY)
    if notes is None:
        notes = SourceNotes()
        context.dicts[0][NOTES_KEY] = notes
    return notes


def source_of_pack(pack, source_id: str | None) -> dict | None:
    if pack is None or not source_id:
        return None
    for source in (getattr(pack, "content", None) or {}).get("sources", []):
        if source.get("id") == source_id:
            return source
    return None


def describe(provenance: str, *, source: str | None = None, pack=None,
             own: bool | None = None) -> tuple[str, str, str]:
    """(words, source title, source address) for a provenance: the words of the label, and
    the source named by its title from the pack's sources (or by its id when the pack
    does not list it)."""
    own = _own(pack) if own is None else own
    if provenance == "project":
        return (OWN if own else MEANINGS["project"]), "", ""
    words = MEANINGS.get(provenance, provenance)
    if not source:
        return words, "", ""
    entry = source_of_pack(pack, source)
    if entry:
        return words, entry.get("title", source), entry.get("url", "")
    return words, source, ""


def marker_html(note: Note):
    return format_html(
        '<a class="source-mark" href="#{key}" aria-describedby="{key}" data-source="{key}">'
        '<span class="visually-hidden">source </span><span class="source-number">{n}</span>'
        '<span class="source-tip" aria-hidden="true">{full}</span></a>',
        key=note.key, n=note.number, full=note.full)


def mark(context, provenance: str, *, source: str | None = None, pack=None,
         own: bool | None = None):
    words, title, url = describe(provenance, source=source, pack=pack, own=own)
    return marker_html(_notes(context).add(words, title, url))


def _as_text(value, pack):
    """A PackItem's title as a {text, provenance, source} dict, with the pack it is from."""
    if hasattr(value, "title_provenance"):
        title = value.data.get("title")
        return ({"text": value.title, "provenance": value.title_provenance,
                 "source": title.get("source") if isinstance(title, dict) else None},
                value.pack)
    return value, pack


@register.simple_tag(takes_context=True)
def text(context, value, pack=None, block=False, field="text", marker=True):
    """Render {text, provenance, source} (or a PackItem's title) with its marker. `field`
    names the text in objects whose texts share one provenance: `label` for a scale level,
    `text` for an alias. `marker=False` leaves the marker out, for a text inside a link
    (a link may not hold another): put `{% source_mark value %}` after the link."""
    value, pack = _as_text(value, pack)
    if not value:
        return ""
    tag = "p" if block else "span"
    if "provenance" not in value or not marker:
        # Stored before labels and aliases carried provenance (e.g. a pack's version 1):
        # claim nothing rather than a wrong origin.
        return format_html('<{tag} class="pack-text">{text}</{tag}>', tag=tag,
                           text=value.get(field, ""))
    return format_html(
        '<{tag} class="pack-text">{text}{mark}</{tag}>', tag=tag, text=value.get(field, ""),
        mark=mark(context, value["provenance"], source=value.get("source"), pack=pack))


@register.simple_tag(takes_context=True)
def source_mark(context, value, pack=None):
    """The marker alone, for a text shown without one (`{% text … marker=False %}`), or for
    a provenance given as a string (a criterion's, a crosswalk link's)."""
    if isinstance(value, str):
        return mark(context, value, pack=pack)
    value, pack = _as_text(value, pack)
    if not value or "provenance" not in value:
        return ""
    return mark(context, value["provenance"], source=value.get("source"), pack=pack)


@register.simple_tag(takes_context=True)
def words_mark(context, words: str):
    """A marker with words of its own, for what no pack labels (a suggested resource)."""
    return marker_html(_notes(context).add(words))


@register.simple_tag(takes_context=True)
def source_notes(context):
    """The page's numbered "Sources" list, for print, PDF and screen readers; nothing
    when the page showed no marker."""
    notes = context.get(NOTES_KEY)
    if not notes or not notes.notes:
        return ""
    items = format_html_join(
        "", '<li id="{}">{}{}</li>',
        ((n.key, n.words,
          (format_html(' — source: <a href="{}">{}</a>', n.url, n.source_title) if n.url
           else format_html(" — source: {}", n.source_title)) if n.source_title else "")
         for n in notes.notes.values()))
    return format_html(
        '<section class="source-notes" aria-labelledby="source-notes-heading">'
        '<h2 id="source-notes-heading">Where the framework texts come from</h2>'
        '<ol>{}</ol></section>', items)


@register.simple_tag
def scale_credit(pack) -> str:
    """One sentence naming the answer labels that are not the pack author's own, and where
    they come from ("" when all are): shown wherever the scale is answered or reported."""
    groups: dict[tuple[str, str], list[str]] = {}
    for level in pack.scale_levels:
        provenance = level.get("provenance", "project")
        if provenance != "project":
            groups.setdefault((provenance, level.get("source") or ""), []).append(level["label"])
    parts = []
    for (provenance, source_id), labels in groups.items():
        source = source_of(pack, source_id) if source_id else None
        where = f"{LABELS.get(provenance, provenance)}, from {source['title']}" if source else \
            provenance_label(provenance, source=source_id or None, own=_own(pack))
        parts.append(format_html("{} ({})", ", ".join(f"“{label}”" for label in labels), where))
    if not parts:
        return ""
    return format_html('<p class="scale-credit muted">Answer labels quoted from their source: '
                       "{}.</p>", format_html_join("; ", "{}", ((p,) for p in parts)))


@register.simple_tag
def label(provenance, pack=None):
    return provenance_label(provenance, own=_own(pack))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def source_of(pack, source_id):
    """The pack's source entry for an id, or None."""
    return source_of_pack(pack, source_id)
