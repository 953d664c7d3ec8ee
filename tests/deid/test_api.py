"""The public API others code against: shapes, replacements, reviewer-edited spans."""

from __future__ import annotations

import datetime
import itertools

import pytest

from safetyhub.deid import KINDS, Span, deidentify, find_identifiers, redact, replacement_for

NARRATIVE = (
    "Pt John Smith, 92 y/o, fell on 3/14/25 at 0300. Dr. Will Brown called daughter Rose at "
    "(555) 123-4567. MRN 1234567. BP 120/80, 5 mg IV q4h. Seen again 3/16 at 14:30 in rm 412."
)


def _texts(text: str, spans: list[Span]) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.kind) for s in spans]


def test_find_identifiers_returns_sorted_non_overlapping_spans_of_known_kinds():
    spans = find_identifiers(NARRATIVE)
    assert spans == sorted(spans)
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
    assert {s.kind for s in spans} <= set(KINDS)
    assert ("John Smith", "NAME") in _texts(NARRATIVE, spans)
    assert ("(555) 123-4567", "PHONE") in _texts(NARRATIVE, spans)


def test_deidentify_without_reference_date_counts_from_the_first_date():
    text, spans = deidentify(NARRATIVE)
    assert spans == find_identifiers(NARRATIVE)
    assert "fell on day 1 at 0300" in text
    assert "Seen again 2 days later at 14:30 in rm 412" in text
    assert "90 or older" in text
    assert "[NAME]" in text and "John" not in text and "Rose" not in text
    assert "BP 120/80, 5 mg IV q4h" in text


def test_deidentify_with_reference_date_counts_from_the_event():
    text, _ = deidentify(NARRATIVE, reference_date=datetime.date(2025, 3, 14))
    assert "fell on the day of the event at 0300" in text
    assert "2 days after the event" in text
    text, _ = deidentify("Found on 2025-03-12.", reference_date=datetime.date(2025, 3, 14))
    assert text == "Found on 2 days before the event."
    text, _ = deidentify("Found on 2025-03-15.", reference_date=datetime.date(2025, 3, 14))
    assert text == "Found on 1 day after the event."


def test_a_date_without_a_day_becomes_a_placeholder():
    text, spans = deidentify("Last admitted March 2024 for a fall.")
    assert _texts("Last admitted March 2024 for a fall.", spans) == [("March 2024", "DATE")]
    assert text == "Last admitted [DATE] for a fall."


def test_ages_up_to_89_are_kept_and_older_ones_become_90_or_older():
    assert find_identifiers("89 y/o female, age 45, 30 yo son") == []
    assert deidentify("a 104-year-old man")[0] == "a 90 or older man"


def test_redact_accepts_spans_the_reviewer_added_and_removed():
    text = "Bill from pharmacy called Tuesday; see MRN 77-1234."
    found = find_identifiers(text)
    kept = [s for s in found if s.kind != "MRN"]  # the reviewer removed the MRN
    added = Span(0, 4, "NAME")  # and added the name the detector did not see
    spans = sorted({*kept, added})
    result = redact(text, spans)
    assert result.startswith("[NAME] from pharmacy")
    assert "77-1234" in result


@pytest.mark.parametrize(
    ("spans", "message"),
    [
        ([Span(0, 4, "PERSON")], "unknown kind"),
        ([Span(0, 400, "NAME")], "outside the text"),
        ([Span(0, 4, "NAME"), Span(2, 6, "NAME")], "overlaps"),
        ([Span(3, 3, "NAME")], "outside the text"),
    ],
)
def test_redact_refuses_bad_spans_naming_the_reason(spans, message):
    with pytest.raises(ValueError, match=message):
        redact("Bill from pharmacy", spans)


def test_replacement_for_matches_what_deidentify_writes():
    spans = find_identifiers(NARRATIVE)
    pieces = [replacement_for(NARRATIVE, s) for s in spans]
    text, _ = deidentify(NARRATIVE)
    for piece in pieces:
        assert piece in text
    assert replacement_for(NARRATIVE, spans[0]) == "[NAME]"


def test_offsets_are_in_the_original_text_with_unicode_before_them():
    text = "Pt Zoë Ångström 🙂 (née Müller) called 555-867-5309 on 3/14/2025."
    spans = find_identifiers(text)
    assert ("555-867-5309", "PHONE") in _texts(text, spans)
    assert ("3/14/2025", "DATE") in _texts(text, spans)
