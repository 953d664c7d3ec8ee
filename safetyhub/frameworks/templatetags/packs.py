"""`{% text value %}`: a text with its provenance label, the one way pack text is shown."""

from django import template
from django.utils.html import format_html

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


@register.simple_tag
def text(value, pack=None, block=False):
    """Render {text, provenance, source} (or a PackItem's title) with its label."""
    own = pack is not None and getattr(pack, "organization_id", None) is not None
    if hasattr(value, "title_provenance"):
        own = value.pack.organization_id is not None
        value = {"text": value.title, "provenance": value.title_provenance,
                 "source": (value.data.get("title") or {}).get("source")
                 if isinstance(value.data.get("title"), dict) else None}
    if not value:
        return ""
    label = provenance_label(value.get("provenance", ""), source=value.get("source"), own=own)
    tag = "p" if block else "span"
    return format_html(
        '<{tag} class="pack-text">{text} <span class="provenance provenance-{p}">({label})</span>'
        "</{tag}>", tag=tag, text=value.get("text", ""), p=value.get("provenance", ""),
        label=label,
    )


@register.simple_tag
def label(provenance, pack=None):
    own = pack is not None and getattr(pack, "organization_id", None) is not None
    return provenance_label(provenance, own=own)


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
