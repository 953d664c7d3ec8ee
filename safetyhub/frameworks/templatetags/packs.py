"""`{% text value %}`: a text with its provenance label, the one way pack text is shown."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

LABELS = {
    "official-title": "Official title",
    "official-text": "Official text",
    "paraphrase": "Paraphrase",
    "project": "SafetyHub's own",
}


def provenance_label(provenance: str, *, source: str | None = None, own: bool = False) -> str:
    if provenance == "project" and own:
        return "Your organization's own"
    label = LABELS.get(provenance, provenance)
    return f"{label}, source {source}" if source and provenance != "project" else label


def _own(pack) -> bool:
    return pack is not None and getattr(pack, "organization_id", None) is not None


@register.simple_tag
def text(value, pack=None, block=False, field="text"):
    """Render {text, provenance, source} (or a PackItem's title) with its label. `field`
    names the text in objects whose texts share one provenance: `label` for a scale level,
    `text` for an alias."""
    own = _own(pack)
    if hasattr(value, "title_provenance"):
        own = value.pack.organization_id is not None
        value = {"text": value.title, "provenance": value.title_provenance,
                 "source": (value.data.get("title") or {}).get("source")
                 if isinstance(value.data.get("title"), dict) else None}
    if not value:
        return ""
    if "provenance" not in value:
        # Stored before labels and aliases carried provenance (e.g. a pack's version 1):
        # claim nothing rather than a wrong origin.
        return format_html('<span class="pack-text">{}</span>', value.get(field, ""))
    provenance = value["provenance"]
    label = provenance_label(provenance, source=value.get("source"), own=own)
    tag = "p" if block else "span"
    return format_html(
        '<{tag} class="pack-text">{text} <span class="provenance provenance-{p}">({label})</span>'
        "</{tag}>", tag=tag, text=value.get(field, ""), p=provenance, label=label,
    )


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
    for source in pack.content.get("sources", []):
        if source["id"] == source_id:
            return source
    return None
