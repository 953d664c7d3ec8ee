"""Properties: what is redacted never shows in the output, offsets stay true on any text,
and the benchmark's generated narratives leak (almost) nothing."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from safetyhub.deid import KINDS, Span, deidentify, find_identifiers, redact

# derandomized: the same examples every run, so a rare miss found once is not a flaky failure
# in someone else's run (a wider search: raise max_examples and drop derandomize locally)
settings.register_profile("deid", database=None, deadline=None, max_examples=60, derandomize=True)
PROFILE = settings.get_profile("deid")

LETTERS = "bcdfghjklmnprstvwz"
VOWELS = "aeiou"


@st.composite
def made_up_names(draw) -> str:
    """A name no word list knows (e.g. "Brovakine"), capitalised or in lower case."""
    syllables = draw(st.lists(
        st.tuples(st.sampled_from(LETTERS), st.sampled_from(VOWELS)), min_size=3, max_size=4
    ))
    name = "".join(c + v for c, v in syllables) + draw(st.sampled_from(["n", "k", "r", "z"]))
    return name.capitalize() if draw(st.booleans()) else name


@st.composite
def identifiers(draw) -> tuple[str, str, str]:
    """(before, identifier, after): an identifier of some kind in a sentence."""
    kind = draw(st.sampled_from(["NAME", "DATE", "PHONE", "EMAIL", "SSN", "MRN", "IP", "URL"]))
    digits = st.integers(0, 9).map(str)
    if kind == "NAME":
        role = draw(st.sampled_from(["Dr. ", "pt ", "RN ", "daughter ", "spoke with ", ""]))
        value = draw(made_up_names())
        return role, value, draw(st.sampled_from([" was notified. ", " fell. ", ", RN. "]))
    if kind == "DATE":
        day = draw(st.dates(datetime.date(1990, 1, 1), datetime.date(2035, 12, 31)))
        value = draw(st.sampled_from([
            f"{day.month}/{day.day}/{day.year}", day.isoformat(),
            f"{day.day}-{day:%b}-{day.year}", f"{day:%B} {day.day}, {day.year}",
            f"{day.month}/{day.day}/{day.year % 100:02d}",
        ]))
        return "On ", value, " at 0300 the pt fell. "
    if kind == "PHONE":
        area = draw(st.integers(201, 989))
        value = f"({area}) {draw(st.integers(200, 999))}-{draw(st.integers(0, 9999)):04d}"
        return "call back at ", value, ". "
    if kind == "EMAIL":
        user = draw(made_up_names()).lower()
        return "sent to ", f"{user}@{draw(made_up_names()).lower()}.org", " in error. "
    if kind == "SSN":
        value = f"{draw(st.integers(1, 665)):03d}-{draw(st.integers(1, 99)):02d}-" \
                f"{draw(st.integers(1, 9999)):04d}"
        return "SSN ", value, " on the board. "
    if kind == "MRN":
        value = "".join(draw(st.lists(digits, min_size=6, max_size=10)))
        return draw(st.sampled_from(["MRN ", "MR# ", "medical record number "])), value, ". "
    if kind == "IP":
        value = ".".join(str(draw(st.integers(1, 254))) for _ in range(4))
        return "login from ", value, " flagged. "
    host = draw(made_up_names()).lower()
    return "see ", f"https://www.{host}.com/{draw(made_up_names()).lower()}", " today. "


@settings(PROFILE)
@given(st.lists(identifiers(), min_size=1, max_size=6))
def test_no_identifier_survives_redaction(parts):
    text = "".join(before + value + after for before, value, after in parts)
    redacted, spans = deidentify(text, reference_date=datetime.date(2025, 3, 14))
    for _, value, _ in parts:
        assert value not in redacted, (value, text, redacted)
    assert spans == sorted(spans)


@settings(PROFILE)
@given(st.text(min_size=0, max_size=300))
def test_any_text_gives_valid_spans_that_redact_round_trips(text):
    spans = find_identifiers(text)
    previous_end = 0
    for span in spans:
        assert isinstance(span, Span) and span.kind in KINDS
        assert previous_end <= span.start < span.end <= len(text)
        previous_end = span.end
    # with no spans, redaction changes nothing; with all, it equals deidentify
    assert redact(text, []) == text
    assert redact(text, spans) == deidentify(text)[0]


@settings(PROFILE)
@given(st.text(alphabet=st.sampled_from("éÅßŻ中😀 \n"), max_size=20), made_up_names())
def test_offsets_point_into_the_original_text_after_any_unicode(prefix, name):
    text = f"{prefix} Dr. {name.capitalize()} called 617-555-0142 on 3/14/2025."
    pieces = {(text[s.start:s.end], s.kind) for s in find_identifiers(text)}
    assert ("617-555-0142", "PHONE") in pieces
    assert ("3/14/2025", "DATE") in pieces
    assert (name.capitalize(), "NAME") in pieces


def test_generated_narratives_leak_at_most_two_in_a_hundred_identifiers():
    # the benchmark's corpus (Faker names in 13 locales): the detector's measured recall
    # is about 0.99, so this bounds the leak rate rather than asserting none
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from deid_corpus import generate

    leaked = total = 0
    for item in generate(200, seed=101):
        text = item["text"]
        redacted, _ = deidentify(text)
        outside = text
        for start, end, _ in sorted(item["spans"], reverse=True):
            outside = outside[:start] + "\0" + outside[end:]
        for start, end, kind in item["spans"]:
            value = text[start:end]
            if kind == "AGE":
                continue
            total += 1
            if redacted.count(value) > outside.count(value):
                leaked += 1
    assert total > 600
    assert leaked / total <= 0.02, (leaked, total)


def test_long_repetitive_text_takes_linear_time():
    # each of these took 15-60 s before the patterns' lengths were bounded; now well
    # under half a second each on one core (the bound leaves room for a loaded machine)
    import time

    for text in ("a" * 20_000, "a." * 10_000, "a-" * 10_000, "1-" * 10_000, "A-" * 9_000,
                 "aA1-." * 4_000, "Dr. J. " * 3_000):
        began = time.process_time()
        deidentify(text)
        assert time.process_time() - began < 5, text[:10]
