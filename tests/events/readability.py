"""How hard a page is to read: the Flesch-Kincaid grade level of its visible text.

    grade = 0.39 × (words / sentences) + 11.8 × (syllables / words) − 15.59

(Kincaid et al., 1975.) Syllables are counted by the usual rule of thumb (groups of vowels,
a silent final "e" dropped, at least one a word), which is what readability tools do for
words outside a pronouncing dictionary; it is checked against known counts in the tests.
A page's text is split into sentences at . ! ? and at every block element (a heading, a
label, a list item, a choice): each of those is read as a unit of its own.

Kept with the tests (a `textstat`-like package would fetch a pronouncing dictionary from the
internet on first use, and the tests need nothing outside the repository).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "legend", "label", "option", "summary", "button",
          "div", "section", "header", "footer", "main", "ul", "ol", "fieldset", "form", "td",
          "th", "title"}
HIDDEN = {"script", "style", "head", "template", "textarea"}
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+")
_VOWELS = re.compile(r"[aeiouy]+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = [""]
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self.hidden += 1
        if tag in BLOCKS:
            self.chunks.append("")
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            self.chunks.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        if tag in BLOCKS:
            self.chunks.append("")

    def handle_data(self, data):
        if not self.hidden:
            self.chunks[-1] += data


def visible_chunks(html: str) -> list[str]:
    """The page's visible text, one entry per block of text."""
    parser = _Text()
    parser.feed(html)
    return [" ".join(chunk.split()) for chunk in parser.chunks if chunk.strip()]


def syllables(word: str) -> int:
    word = word.lower().strip("'")
    if word.isdigit():
        return len(word)  # rough: "2026" is read as several syllables
    if len(word) <= 3:
        return 1
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")):
        word = word[:-1]
    if word.endswith(("es", "ed")) and not word.endswith(
            ("ted", "ded", "ses", "zes", "ches", "shes", "ges", "ces")):
        word = word[:-2]
    return max(1, len(_VOWELS.findall(word)))


def sentences_of(chunks: list[str]) -> list[list[str]]:
    found = []
    for chunk in chunks:
        for sentence in re.split(r"[.!?]+(?:\s|$)", chunk):
            words = _WORD.findall(sentence)
            if words:
                found.append(words)
    return found


def grade(text_or_chunks: str | list[str]) -> float:
    chunks = [text_or_chunks] if isinstance(text_or_chunks, str) else text_or_chunks
    sentences = sentences_of(chunks)
    words = [word for sentence in sentences for word in sentence]
    if not words:
        return 0.0
    total = sum(syllables(word) for word in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * total / len(words) - 15.59


def page_grade(html: str) -> float:
    return grade(visible_chunks(html))


def prose(html: str) -> list[str]:
    """Only the page's paragraphs and list items: the sentences the project wrote, without
    the short labels and choices that make a page look easier than its prose is."""
    found = re.findall(r"<(p|li)\b[^>]*>(.*?)</\1>", html, flags=re.S)
    text = [" ".join(re.sub(r"<[^>]+>", " ", body).split()) for _tag, body in found]
    return [chunk for chunk in text if chunk]
