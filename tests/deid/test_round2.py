"""Round 2: the classes of miss a second, differently written corpus found (see
bench/deid_corpus_alt.py and docs/deidentification.md). Values here are written by hand,
not taken from either generator."""

from __future__ import annotations

import pytest

from safetyhub.deid import find_identifiers


def _found(text: str) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.kind) for s in find_identifiers(text)]


FOUND = [
    # a label outranks a shape: a record number that also reads as a phone number
    ("B: admitted today, UR 0412775309. A: stable.", "0412775309", "MRN"),
    ("URN 55102938 on the wristband", "55102938", "MRN"),
    # an SSN after its label, whatever its digits
    ("- ssn 912-44-1037\n", "912-44-1037", "SSN"),
    # plates after "car reg"
    ("Own car reg QXT 418 was scratched", "QXT 418", "VEHICLE"),
    ("van rego 7KLM22 parked in the bay", "7KLM22", "VEHICLE"),
    # ages written as age and sex, before a comma
    ("B: 93F, lives alone", "93F", "AGE"),
    ("S: 101M, fall", "101M", "AGE"),
    # year-first dates with slashes or dots
    ("last seen well 2024/11/03.", "2024/11/03", "DATE"),
    ("seen 2025.02.17 in clinic", "2025.02.17", "DATE"),
    ("last seen well 4/19.", "4/19", "DATE"),
    # phone numbers with a slash or a capital X extension
    ("ph 06221/4459312 after 5pm", "06221/4459312", "PHONE"),
    ("NOK PH (612)448-2093X441. LAST SEEN", "(612)448-2093X441", "PHONE"),
    ("My number is 0711/55340981 anytime", "0711/55340981", "PHONE"),
    # an address after "at" whatever its street type is called
    ("Went to the clinic at 17 Brambleholt, Ostervik.", "17 Brambleholt", "ADDRESS"),
    ("at 402 chemin Quintal, Belrive.", "402 chemin Quintal", "ADDRESS"),
    ("at 7731-C Harrow Street, Kelby.", "7731-C Harrow Street", "ADDRESS"),
    ("at 5120 31st Avenue, Drummore.", "5120 31st Avenue", "ADDRESS"),
    ("at 2207 Unit B Larch Road, Pell.", "2207 Unit B Larch Road", "ADDRESS"),
    ("at 41 Aatos Kiven polku, Saarela.", "41 Aatos Kiven polku", "ADDRESS"),
    ("addr: 412F Lyre Drive, Ormside", "412F Lyre Drive", "ADDRESS"),
    ("at 6 Quai Bastide, Anselme -sur-Loire.", "Anselme -sur-Loire", "PLACE"),
    ("at 18 Travessa Lemos, da Vila Nova.", "da Vila Nova", "PLACE"),
    ("at 17 Brambleholt, Ostervik.", "Ostervik", "PLACE"),
    # a town after a word of travel and "from"
    ("We drove in from Karrowmere and paid twice.", "Karrowmere", "PLACE"),
    ("transferred from Lindqvale yesterday", "Lindqvale", "PLACE"),
    # roles written in other countries' reports
    ("GP Thornquist notified", "Thornquist", "NAME"),
    ("NOK Ingeborg Vallis ph 555 0199", "Ingeborg Vallis", "NAME"),
    ("Employee Radomir Kettleby strained back", "Radomir Kettleby", "NAME"),
    # lines typed in capitals: unknown words are names, everyday words are not
    ("WITNESSED BY ZDENKA WHILE HELPING WITH A TRANSFER.", "ZDENKA", "NAME"),
    ("REPORTED TO SUPERVISOR MAGNHILD OSTBERG. NO HARM.", "MAGNHILD OSTBERG", "NAME"),
    ("WE DROVE IN FROM TRELLVIK AND PAID TWICE FOR PARKING.", "TRELLVIK", "PLACE"),
    # a given name and an initial
    ("Handover: Guy M., fall, GCS 15", "Guy M", "NAME"),
    ("pt sven b. refused obs", "sven b", "NAME"),
    # after "witnessed by", "seen by": lower case or an everyday word
    ("Witnessed by halvorsen at the desk.", "halvorsen", "NAME"),
    ("Witnessed by Sky. No injury.", "Sky", "NAME"),
    # a lower-case initial before a subject's verb or after "with"; capitals, surname first
    ("j. wood will follow up with the family", "j. wood", "NAME"),
    ("Spoke with b. hall from the lab", "b. hall", "NAME"),
    ("reviewed with unit manager BÙI, JOHN on Monday", "BÙI, JOHN", "NAME"),
    # the value of a label opening a line: SBAR's situation, a typed list
    ("S: Wolf, fever 38.9.\nB: COPD.", "Wolf", "NAME"),
    ("- pt: marwick\n- dob 3/4/1941", "marwick", "NAME"),
]


@pytest.mark.parametrize(("text", "piece", "kind"), FOUND)
def test_found(text: str, piece: str, kind: str) -> None:
    assert (piece, kind) in _found(text)


LEFT_ALONE = [
    "BIBA from GP clinic, c/o SOB.",
    "STAFF INJURY. EMPLOYEE WAS PUNCHED BY A VISITOR WHILE HELPING WITH A TRANSFER.",
    "THE NURSE WAS KIND BUT THE DOCTOR NEVER CAME. WE WAITED HOURS IN YOUR HOSPITAL.",
    "moved to 4 West, then to ICU",
    "reassessed at 12 Noon, pt comfortable",
    "house 412F: no, the pt is 41F",
    "gave 5 mg at 0300, BP 120/80",
    "r/v by reg within 30 min, BSL 3.2, obs stable",
    "a call from pharmacy about the dose",
    # short typing slips are words, not names
    "slipped whle helping, the doctr nver came, nobdy told us",
    "Group B. strep and vitamin D. daily, hepatitis B. vaccine",
    "HONEY AND LEMON GIVEN FOR COUGH. WILL FOLOW UP.",
    "S: Pt found on floor, no injury.\nB: falls risk.",
    "S: Hypoglycaemia, given juice.",
    "a. check the pump b. call pharmacy",
]


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_left_alone(text: str) -> None:
    assert _found(text) == []


# Found in integration (the lessons review): a role before a name is not part of it, and a
# surname the clinical list holds for a brand is still a surname after a given name.
@pytest.mark.parametrize(("text", "expected"), [
    ("Nurse Kelly Ramos found him.", [("Kelly Ramos", "NAME")]),
    ("Mr. John Baxter fell.", [("John Baxter", "NAME")]),
    ("Kelly Nurse came in.", [("Kelly Nurse", "NAME")]),
    ("The Baxter pump alarmed twice.", []),
])
def test_names_beside_roles_and_brands(text: str, expected: list[tuple[str, str]]) -> None:
    assert _found(text) == expected
