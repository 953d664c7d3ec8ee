"""Reading provenance markers out of a page (safetyhub/frameworks/templatetags/packs.py): the
words a marker shows on hover and focus, and the page's numbered "Sources" list."""

import html
import re

MARK = re.compile(
    r'<a class="source-mark" href="#(?P<key>src-[0-9a-f]+)" aria-describedby="(?P=key)"'
    r' data-source="(?P=key)"><span class="visually-hidden">source </span>'
    r'<span class="source-number">(?P<number>\d+)</span>'
    r'<span class="source-tip" aria-hidden="true">(?P<words>[^<]*)</span></a>')
NOTE = re.compile(r'<li id="(?P<key>src-[0-9a-f]+)">(?P<words>.*?)</li>', re.S)
TAG = re.compile(r"<[^>]+>")


def marker_after(body: str, text: str) -> str:
    """The words of the marker that follows `text` at once ("" when none does)."""
    at = body.find(text)
    assert at >= 0, f"{text!r} is not on the page"
    found = MARK.match(body, at + len(text))
    return html.unescape(found["words"]) if found else ""


def markers(body: str) -> list[tuple[int, str, str]]:
    """(number, footnote id, words) of every marker, in page order."""
    return [(int(m["number"]), m["key"], html.unescape(m["words"]))
            for m in MARK.finditer(body)]


def source_notes(body: str) -> dict[str, str]:
    """The page's "Sources" list: footnote id → its words, in order."""
    start = body.find('class="source-notes"')
    if start < 0:
        return {}
    return {m["key"]: html.unescape(TAG.sub("", m["words"]))
            for m in NOTE.finditer(body, start)}
