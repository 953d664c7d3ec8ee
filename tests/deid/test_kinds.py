"""Each kind of identifier: found in the shapes incident reports use, and clinical text
that looks like it is left alone."""

from __future__ import annotations

import pytest

from safetyhub.deid import find_identifiers


def _found(text: str) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.kind) for s in find_identifiers(text)]


FOUND = [
    # names: titles, roles, lower case, common words, initials, "last, first"
    ("Dr. Okonkwo was paged.", "Okonkwo", "NAME"),
    ("seen by dr. brown at 0900", "brown", "NAME"),
    ("pt Will was asleep", "Will", "NAME"),
    ("daughter Hope called", "Hope", "NAME"),
    ("asked Rose to sit down", "Rose", "NAME"),
    ("Mrs Faith Adeyemi refused meds", "Faith Adeyemi", "NAME"),
    ("RN Bill Carter gave the dose", "Bill Carter", "NAME"),
    ("spoke with Mark about the plan", "Mark", "NAME"),
    ("J. Smith, RN, filed the report", "J. Smith", "NAME"),
    ("label read smith, john", "smith, john", "NAME"),
    ("label read SMITH, JOHN instead", "SMITH, JOHN", "NAME"),
    ("pt harold beaumont fell", "harold beaumont", "NAME"),
    ("Zoë Ångström was transferred", "Zoë Ångström", "NAME"),
    ("Perry will follow up tomorrow.", "Perry", "NAME"),
    ("cna young assisted pt to chair", "young", "NAME"),
    ("Dr. bararen was notified.", "bararen", "NAME"),  # one letter from "barren"
    ("Dr. babasor was notified.", "babasor", "NAME"),
    ("BY CNA MARGARET O'BRIEN AT 0400", "O'BRIEN", "NAME"),
    ("Nakamura was paged at 0300.", "Nakamura", "NAME"),
    ("transfer from Mercy General today", "Mercy General", "PLACE"),
    ("Reporter: Gwen Tally", "Gwen Tally", "NAME"),
    # dates in many formats
    ("fell on 3/14/25 at 0300", "3/14/25", "DATE"),
    ("admitted 14-Mar-2025", "14-Mar-2025", "DATE"),
    ("seen March 14th by PT", "March 14th", "DATE"),
    ("dated 2025-03-14.", "2025-03-14", "DATE"),
    ("returned on the 14th", "14th", "DATE"),
    ("event Tuesday 3/4 at 1500", "Tuesday 3/4", "DATE"),
    ("last seen Dec. 2, 2024", "Dec. 2, 2024", "DATE"),
    ("fall on 2nd of June", "2nd of June", "DATE"),
    ("seen 14/03/2025 in clinic", "14/03/2025", "DATE"),
    ("came back on 14th", "14th", "DATE"),
    # ages over 89
    ("a 92 y/o female", "92 y/o", "AGE"),
    ("a 101-year-old man", "101-year-old", "AGE"),
    ("pt aged 95 fell", "95", "AGE"),
    ("a 92-yr-old man", "92-yr-old", "AGE"),
    ("pt, 95 years of age, fell", "95 years of age", "AGE"),
    # contacts and numbers
    ("call back at (617) 555-0142", "(617) 555-0142", "PHONE"),
    ("fax 617.555.0199 to pharmacy", "617.555.0199", "PHONE"),
    ("reached family on +44 20 7946 0018", "+44 20 7946 0018", "PHONE"),
    ("ext 2041 was busy", "2041", "PHONE"),
    ("sent to j.doe@mail.example.com", "j.doe@mail.example.com", "EMAIL"),
    ("see https://photos.example.net/u/q", "https://photos.example.net/u/q", "URL"),
    ("login from 10.0.4.17 flagged", "10.0.4.17", "IP"),
    ("SSN 078-05-1120 on whiteboard", "078-05-1120", "SSN"),
    ("MRN 4471920 on the band", "4471920", "MRN"),
    ("MR# 00-338-172 mismatched", "00-338-172", "MRN"),
    ("acct # 5521-009-3318 flagged", "5521-009-3318", "ACCOUNT"),
    ("licence no. RN-8841207 unverified", "RN-8841207", "LICENCE"),
    ("DEA AB1234563 on script", "AB1234563", "LICENCE"),
    ("car with plate 7GXK392 in bay", "7GXK392", "VEHICLE"),
    ("VIN 1HGCM82633A004352 noted", "1HGCM82633A004352", "VEHICLE"),
    ("pump serial SN 7734-AXQ-2291 alarmed", "SN 7734-AXQ-2291", "DEVICE"),
    ("lives at 48 Larkspur Lane, Fitchburg", "48 Larkspur Lane", "ADDRESS"),
    ("lives at 48 Larkspur Lane, Fitchburg", "Fitchburg", "PLACE"),
    ("from Brookhaven Assisted Living today", "Brookhaven Assisted Living", "PLACE"),
    ("went home to Worcester, MA 01609", "01609", "PLACE"),
    ("discharged home in Jeffreymouth", "Jeffreymouth", "PLACE"),
    ("seen in Dr. Okonkwo's office", "Okonkwo", "NAME"),
    ("discharged to home in TP. Đà Nẵng today", "Đà Nẵng", "PLACE"),
]


@pytest.mark.parametrize(("text", "piece", "kind"), FOUND)
def test_an_identifier_is_found_with_its_kind(text, piece, kind):
    found = _found(text)
    start = text.index(piece)
    spans = [(t, k) for t, k in found if k == kind]
    assert spans, found
    # the found span covers the identifier (it may take a word around it, not less)
    assert any(piece in t or t in piece for t, _ in spans), found
    assert any(text.find(t) <= start for t, _ in spans)


NOT_IDENTIFIERS = [
    "Pt found on floor at 0300, BP 120/80, HR 88, SpO2 94% on 2L NC.",
    "Morphine 2 mg IV q4h PRN, heparin 5000 units subq BID, NPO after midnight.",
    "Moved from 4 West to ICU bed 12, rm 412; RN and MD aware.",
    "Will continue to monitor q2h. Hope to discharge tomorrow.",
    "Pt will mark the site; rose from bed without help; bill sent.",
    "Pt is 45 y/o, age 89, and his son is 30 yo.",
    "Gave 1/2 tab at 14:30 and 10 mL/hr drip; INR 4.2, K 6.1, GCS 14.",
    "Code Blue called, Rapid Response Team arrived, Risk Management notified.",
    "A&Ox3, Morse score 65, Braden 12, fall precautions in place.",
    "Pharmacy and Security were called; the patient may have 2 tabs.",
    "In 2019 the pt had a fall; in March the unit changed the policy.",
    "pt short of breath and a little confused, pt young and otherwise well.",
    "Report from ED that the pt was sent to OR; dr notified and aware.",
    "Rash developed. Benadryl 25 mg IV given. Art line placed. Mom at bedside, says mom fell.",
    "Order entered from workstation 4 under another login.",
]


@pytest.mark.parametrize("text", NOT_IDENTIFIERS)
def test_clinical_text_is_not_taken_for_identifiers(text):
    found = _found(text)
    assert [piece for piece in found if piece[1] != "DATE"] == []
    # "March" alone is a month, not a date with a day; "2019" is a year, kept
    assert all(kind != "DATE" or "March" in piece for piece, kind in found)
