"""A labelled synthetic corpus of incident narratives for the de-identification benchmark.

    .venv/bin/python bench/deid_corpus.py [--count 2000] [--seed 7] [--out corpus.jsonl]

Each narrative is a few sentences in the voice of incident reports (clinical abbreviations,
lower-case and common-word names, misspellings, dates in many formats, mixed identifiers)
with gold spans ``(start, end, kind)``. Seeded: the same seed gives the same corpus.

Sources (kept apart from the detector's, see docs/deidentification.md): people's names,
streets, cities, postcodes, phone numbers, e-mails, URLs, IPs, plates, VINs and SSNs come
from Faker (several locales); the names that are also common words, the templates, the
misspellings and the clinical filler are written here. The detector uses wordfreq, US
Census 1990 names and web2 word lists, and a clinical list of its own; it never sees
Faker or this file.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field

from faker import Faker

LOCALES = {
    "en_US": 8, "en_GB": 2, "en_IE": 1, "en_AU": 1, "en_CA": 1, "en_IN": 1, "es_MX": 1,
    "de_DE": 1, "fr_FR": 1, "it_IT": 1, "pl_PL": 1, "nl_NL": 1, "vi_VN": 1,
}
# Given names that are also everyday words (the generator's own list).
WORD_NAMES = [
    "Will", "Rose", "Hope", "Bill", "Mark", "Faith", "Grace", "Joy", "June", "Dawn",
    "Summer", "Ivy", "Holly", "Pearl", "Ruby", "Amber", "Jack", "Frank", "Guy", "Art",
    "Sandy", "Drew", "Chase", "Penny", "Sue", "Robin", "Jay", "Wade", "Dale", "Glen",
    "Clay", "Cliff", "Pat", "Heather", "Iris", "Daisy", "Gene", "Ray", "Rich", "Violet",
    "Angel", "Destiny", "Crystal", "Major", "Precious", "Charity", "Autumn", "Skip",
]
WORD_SURNAMES = [
    "Brown", "White", "Young", "Hill", "Green", "King", "Wood", "Stone", "Long", "Rice",
    "Black", "Bell", "Little", "Fox", "Hunt", "Field", "Marsh", "Cook", "Baker", "Price",
    "Rose", "Hall", "Moss", "Lamb", "Swift", "Snow", "Frost", "Day", "May", "Gay",
]
TITLES_STAFF = ["Dr.", "Dr", "dr", "RN", "rn", "Nurse", "LPN", "NP", "PA", "CNA", "pharmacist",
                "charge RN", "tech", "MD", "resident Dr."]
FAMILY = ["daughter", "son", "wife", "husband", "pt's daughter", "pt's son", "sister",
          "brother", "niece", "grandson", "POA", "caregiver", "neighbor", "friend"]
TIMES = ["0300", "at 14:30", "@ 2215", "around 0645", "at 7pm", "1930", "approx 0200",
         "at 11:15 am", "~0400", "at noon", "0815h"]
CLINICAL = [
    "BP 120/80", "HR 112", "SpO2 88% on 2L NC", "5 mg IV push", "0.5 mg PO q4h PRN",
    "NPO after midnight", "heparin 5000 units subq", "insulin lispro 4 units", "rm 412",
    "bed 2", "4 West", "ICU", "PACU", "BG 42", "temp 38.9", "K 6.1", "INR 4.2",
    "1/2 tab", "10 mL/hr", "Morse score 65", "GCS 14", "A&Ox3", "Braden 12", "RR 24",
]
FACILITIES = ["Nursing Home", "Care Center", "Assisted Living", "Rehab"]
MISSPELL = {"patient": "pateint", "received": "recieved", "medication": "medicaton",
            "immediately": "immediatly", "noticed": "noticd", "family": "famliy",
            "physician": "physican", "occurred": "occured", "because": "becuase",
            "bathroom": "bathrom", "assessment": "assesment", "notified": "notifed"}


@dataclass
class Narrative:
    parts: list[tuple[str, str | None]] = field(default_factory=list)

    def add(self, text: str, kind: str | None = None) -> None:
        self.parts.append((text, kind))

    def build(self) -> tuple[str, list[tuple[int, int, str]]]:
        text, spans, position = [], [], 0
        for piece, kind in self.parts:
            if kind:
                spans.append((position, position + len(piece), kind))
            text.append(piece)
            position += len(piece)
        return "".join(text), spans


class Maker:
    """Draws identifiers from Faker and writes narratives with them."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fakers = {}
        for number, locale in enumerate(LOCALES):
            faker = Faker(locale)
            faker.seed_instance(seed * 100 + number)
            self.fakers[locale] = faker
        self.us = self.fakers["en_US"]

    # identifiers ------------------------------------------------------------------------
    def faker(self) -> Faker:
        locales = list(LOCALES)
        return self.fakers[self.rng.choices(locales, weights=[LOCALES[x] for x in locales])[0]]

    def person(self) -> tuple[str, str]:
        r = self.rng.random()
        faker = self.faker()
        first = faker.first_name()
        last = faker.last_name()
        if r < 0.15:
            first = self.rng.choice(WORD_NAMES)
        elif r < 0.25:
            last = self.rng.choice(WORD_SURNAMES)
        return first, last

    def name(self, *, full: bool | None = None) -> str:
        first, last = self.person()
        form = self.rng.random()
        if full is False or form < 0.25:
            text = self.rng.choice([first, last])
        elif form < 0.35:
            text = f"{first[0]}. {last}"
        elif form < 0.42:
            text = f"{last}, {first}"
        elif form < 0.47:
            text = f"{last.upper()}, {first.upper()}"
        else:
            text = f"{first} {last}"
        if self.rng.random() < 0.18:
            text = text.lower()
        return text

    def date(self, event: datetime.date) -> str:
        day = event + datetime.timedelta(days=self.rng.randint(-10, 10))
        month = day.strftime("%B")
        forms: list[Callable[[], str]] = [
            lambda: f"{day.month}/{day.day}/{day.year % 100:02d}",
            lambda: f"{day.month}/{day.day}/{day.year}",
            lambda: f"{day.month:02d}/{day.day:02d}/{day.year}",
            lambda: f"{day.day:02d}-{month[:3]}-{day.year}",
            lambda: f"{day.day} {month} {day.year}",
            lambda: f"{month} {day.day}, {day.year}",
            lambda: f"{month[:3]}. {day.day}",
            lambda: f"{month} {day.day}{_th(day.day)}",
            lambda: day.isoformat(),
            lambda: f"{day.strftime('%A')} {day.month}/{day.day}",
            lambda: f"{day.strftime('%a')} {day.month}/{day.day}",
            lambda: f"{day.month}-{day.day}-{day.year}",
            lambda: f"{day.day}{_th(day.day)} of {month}",
            lambda: f"{month.lower()} {day.day}",
        ]
        return self.rng.choice(forms)()

    def phone(self) -> str:
        return self.faker().phone_number()

    def mrn(self) -> str:
        return self.rng.choice([
            lambda: str(self.rng.randint(1000000, 99999999)),
            lambda: f"{self.rng.randint(100, 999)}-{self.rng.randint(1000, 9999)}",
            lambda: self.us.bothify("??######").upper(),
            lambda: f"00{self.rng.randint(10000, 999999)}",
        ])()

    def number(self, pattern: str) -> str:
        return self.us.bothify(pattern, letters=string.ascii_uppercase)

    def address(self) -> str:
        return self.faker().street_address().replace("\n", ", ")

    def city(self) -> str:
        return self.faker().city()


def _th(day: int) -> str:
    return "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _maybe_misspell(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    out = []
    for word in words:
        key = word.lower().strip(".,")
        if key in MISSPELL and rng.random() < 0.3:
            word = word.replace(key, MISSPELL[key])
        elif len(word) > 6 and word.isalpha() and word.islower() and rng.random() < 0.02:
            i = rng.randrange(1, len(word) - 2)
            word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        out.append(word)
    return " ".join(out)


def narrative(maker: Maker, event: datetime.date) -> Narrative:
    rng = maker.rng
    n = Narrative()

    def say(text: str) -> None:
        n.add(_maybe_misspell(rng, text))

    def pt_ref() -> None:
        say(rng.choice(["Pt ", "pt ", "Patient ", "Resident ", "Mrs. ", "Mr. ", "pt. "]))
        n.add(maker.name(), "NAME")

    openers = [
        lambda: (pt_ref(), say(f" found on floor next to bed {rng.choice(TIMES)} on "),
                 n.add(maker.date(event), "DATE"), say(". ")),
        lambda: (say("On "), n.add(maker.date(event), "DATE"), say(f" {rng.choice(TIMES)} "),
                 pt_ref(), say(" was given the wrong dose of " +
                               rng.choice(["heparin", "insulin", "morphine", "vanc"]) + ". ")),
        lambda: (n.add(maker.date(event), "DATE"), say(": "), pt_ref(),
                 say(f", {rng.randint(40, 89)} y/o, c/o chest pain, {rng.choice(CLINICAL)}. ")),
        lambda: (say("Per report from "), say(rng.choice(TITLES_STAFF) + " "),
                 n.add(maker.name(), "NAME"), say(", "), pt_ref(),
                 say(" pulled out IV " + rng.choice(TIMES) + ". ")),
        lambda: (say("Writer was called to room by CNA "), n.add(maker.name(), "NAME"),
                 say(" because pt had slid out of chair, " + rng.choice(CLINICAL) + ". ")),
        lambda: (pt_ref(), say(", "), *_age(n, rng), say(", admitted "),
                 n.add(maker.date(event), "DATE"), say(" from "),
                 n.add(f"{maker.us.last_name()} {rng.choice(FACILITIES)}", "PLACE"), say(". ")),
    ]
    middles = [
        lambda: (say(f"{rng.choice(FAMILY)} "), n.add(maker.name(), "NAME"),
                 say(" called at "), n.add(maker.phone(), "PHONE"),
                 say(" upset about the delay. ")),
        lambda: (say("Paged Dr. "), n.add(maker.name(full=False), "NAME"),
                 say(f" {rng.choice(TIMES)}, no callback for 40 min. ")),
        lambda: (say("MRN "), n.add(maker.mrn(), "MRN"), say(" was on the wrong wristband. ")),
        lambda: (say("Wrong label printed with MR# "), n.add(maker.mrn(), "MRN"), say(". ")),
        lambda: (say("Billing acct # "), n.add(maker.number("########"), "ACCOUNT"),
                 say(" was merged with another pt's. ")),
        lambda: (say("Pump serial no. "), n.add(maker.number("??-#####-?"), "DEVICE"),
                 say(" alarmed occlusion x3, pump sequestered. ")),
        lambda: (say("Bed alarm (asset tag "), n.add(maker.number("######"), "DEVICE"),
                 say(") not on. ")),
        lambda: (say("Family member's car, plate "),
                 n.add(maker.faker().license_plate(), "VEHICLE"),
                 say(", blocked the ambulance bay. ")),
        lambda: (say("Vehicle VIN "), n.add(maker.us.vin(), "VEHICLE"),
                 say(" noted by security. ")),
        lambda: (say("Agency RN license # "), n.add(maker.number("RN######"), "LICENCE"),
                 say(" verified by staffing. ")),
        lambda: (say("DEA "), n.add(maker.number("??#######"), "LICENCE"),
                 say(" on the script did not match the prescriber. ")),
        lambda: (say("Pt gave SSN "), n.add(maker.us.ssn(), "SSN"),
                 say(" at registration instead of MRN. ")),
        lambda: (say("Pt lives at "), n.add(maker.address(), "ADDRESS"), say(", "),
                 n.add(maker.city(), "PLACE"), say(" and wants to go home. ")),
        lambda: (say("Discharged to home in "), n.add(maker.city(), "PLACE"),
                 say(" without the walker. ")),
        lambda: (say("Zip code "), n.add(maker.faker().postcode(), "PLACE"),
                 say(" was entered in the allergy field. ")),
        lambda: (say("Results e-mailed to "), n.add(maker.faker().email(), "EMAIL"),
                 say(" in error. ")),
        lambda: (say("Pt posted photos on "), n.add(maker.us.url(), "URL"), say(". ")),
        lambda: (say("Order entered from workstation "), n.add(maker.us.ipv4(), "IP"),
                 say(" under another user's login. ")),
        lambda: (say("Fax sent to "), n.add(maker.phone(), "PHONE"),
                 say(" which was not the pharmacy. ")),
        lambda: say(", ".join(rng.choice(CLINICAL) for _ in range(3)) + ". "),
        lambda: (say("Pt is a "), *_age(n, rng, hyphen=True), say(" with hx of falls, on "),
                 say(rng.choice(CLINICAL) + ". ")),
        lambda: (say(f"{rng.choice(TITLES_STAFF)} "), n.add(maker.name(), "NAME"),
                 say(" and " + rng.choice(["rn", "RN", "tech", "cna"]) + " "),
                 n.add(maker.name(), "NAME"), say(" assisted pt back to bed. ")),
        lambda: (say("Spoke with "), n.add(maker.name(), "NAME"),
                 say(" from the lab about the hemolyzed sample. ")),
        lambda: (n.add(maker.name(), "NAME"), say(" will follow up with the family on "),
                 n.add(maker.date(event), "DATE"), say(". ")),
        lambda: (say("Seen again on the "), n.add(f"{(d := rng.randint(1, 28))}{_th(d)}", "DATE"),
                 say(", no injury noted. ")),
    ]
    closers = [
        lambda: say("No harm. MD notified, orders received. "),
        lambda: (say("Event reviewed with unit manager "), n.add(maker.name(), "NAME"),
                 say(" on "), n.add(maker.date(event), "DATE"), say(".")),
        lambda: say(f"Will continue to monitor q{rng.choice([1, 2, 4])}h. "),
        lambda: (say("Hope this gets fixed; "), say("rose to the level of near miss.")),
        lambda: say("Will need to bill the insurer again; mark as high priority. "),
        lambda: say("Faith-based chaplain visit offered. Pt in good spirits, hope to discharge. "),
    ]
    rng.choice(openers)()
    for _ in range(rng.randint(1, 4)):
        rng.choice(middles)()
    rng.choice(closers)()
    return n


def _age(n: Narrative, rng: random.Random, *, hyphen: bool = False) -> tuple[()]:
    age = rng.choice([rng.randint(18, 89), rng.randint(90, 104)])
    text = f"{age}-year-old" if hyphen else rng.choice([f"{age} y/o", f"{age}yo", f"{age} yo"])
    n.add(text, "AGE" if age > 89 else None)
    return ()


def generate(count: int = 2000, seed: int = 7) -> list[dict]:
    """``count`` narratives: ``{"text", "spans", "event_date"}``, the same for one seed."""
    maker = Maker(seed)
    corpus = []
    for _ in range(count):
        event = datetime.date(2024, 1, 1) + datetime.timedelta(days=maker.rng.randint(0, 700))
        text, spans = narrative(maker, event).build()
        corpus.append({"text": text, "spans": spans, "event_date": event.isoformat()})
    return corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="-")
    args = parser.parse_args()
    lines = "\n".join(json.dumps(item) for item in generate(args.count, args.seed)) + "\n"
    if args.out == "-":
        print(lines, end="")
    else:
        with open(args.out, "w") as file:
            file.write(lines)


if __name__ == "__main__":
    main()
