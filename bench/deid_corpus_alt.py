"""A second, independent labelled corpus for the de-identification benchmark.

    .venv/bin/python bench/deid_corpus_alt.py [--count 2000] [--seed 7] [--out corpus.jsonl]

Written apart from bench/deid_corpus.py so the detector is not judged only on the voice it
was tuned on: short triage notes, patient and family portal complaints in plain words,
workforce injury reports, SBAR handoffs, free-typed lists, ALL CAPS lines and typing slips.
Gold spans ``(start, end, kind)``; the same seed gives the same corpus.

Sources: people, streets, towns, postcodes, phones, e-mails and URLs come from Faker locales
that round 1's generator does not use (en_NZ, en_PH, en_NG, en_KE, es_ES, pt_BR, de_AT,
fr_CA, sv_SE, cs_CZ, da_DK, fi_FI), through its gendered name providers and its
building-number + street-name provider; names that are also everyday words, the templates and
the slips are this file's own. The detector never reads Faker or this file.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import string

from faker import Faker

LOCALES = {
    "en_NZ": 3, "en_PH": 2, "en_NG": 1, "en_KE": 1, "es_ES": 1, "pt_BR": 1, "de_AT": 1,
    "fr_CA": 1, "sv_SE": 1, "cs_CZ": 1, "da_DK": 1, "fi_FI": 1,
}
# Names that are also everyday words: this generator's own, not round 1's.
WORD_GIVEN = [
    "Sky", "Hunter", "Miles", "Harmony", "Honey", "Sunny", "Storm", "Lily", "Poppy", "Rocky",
    "Sterling", "Forrest", "Jewel", "Lane", "Page", "Reed", "Rusty", "Melody", "Bliss",
    "Brook", "River", "Ginger", "Cherry", "Misty", "Buddy", "Hazel", "Olive", "Willow",
]
WORD_SURNAMES = [
    "Carpenter", "Fisher", "Porter", "Walker", "Mason", "Parks", "Woods", "Banks", "Lake",
    "Rivers", "Sharp", "Strong", "Wise", "Bright", "Church", "Best", "Gold", "Cross", "Ward",
    "Nurse", "Glass", "Steel", "Wolf", "Bird", "Lord", "Love", "Christmas", "Moon",
]
STAFF_ROLES = ["RN", "charge nurse", "Dr", "dr.", "NP", "unit clerk", "PT", "OT", "RT",
               "supervisor", "house sup", "security officer", "EVS", "transporter", "MA"]
FAMILY = ["my mother", "my dad", "my husband", "my wife", "my son", "my daughter",
          "my grandmother", "my partner", "my brother"]
VITALS = ["T 37.8", "P 104", "R 22", "BP 98/60", "sats 91% RA", "pain 8/10", "GCS 15",
          "BSL 3.2", "wt 82 kg", "FiO2 40%", "UO 20 mL/h", "Hb 71"]
COMPLAINTS = ["SOB", "CP", "abd pain", "fall", "syncope", "N/V", "fever", "confusion",
              "laceration L hand", "head strike", "dizzy"]


class Maker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed * 7919 + 3)
        self.fakers = {}
        for number, locale in enumerate(LOCALES):
            faker = Faker(locale)
            faker.seed_instance(seed * 1000 + 500 + number)
            self.fakers[locale] = faker

    def faker(self) -> Faker:
        locales = list(LOCALES)
        return self.fakers[self.rng.choices(locales, weights=[LOCALES[x] for x in locales])[0]]

    def given(self) -> str:
        if self.rng.random() < 0.15:
            return self.rng.choice(WORD_GIVEN)
        faker = self.faker()
        return faker.first_name_female() if self.rng.random() < 0.5 else faker.first_name_male()

    def surname(self) -> str:
        if self.rng.random() < 0.12:
            return self.rng.choice(WORD_SURNAMES)
        return self.faker().last_name()

    def name(self, *, single: bool = False) -> str:
        first, last = self.given(), self.surname()
        form = self.rng.random()
        if single or form < 0.3:
            text = self.rng.choice([first, last])
        elif form < 0.4:
            text = f"{first} {last[0]}."
        elif form < 0.5:
            text = f"{last} {first}"
        else:
            text = f"{first} {last}"
        if self.rng.random() < 0.15:
            text = text.lower()
        return text

    def date(self, event: datetime.date) -> str:
        day = event + datetime.timedelta(days=self.rng.randint(-20, 20))
        month = day.strftime("%B")
        forms = [
            f"{day.day}/{day.month}/{day.year}", f"{day.day}.{day.month}.{day.year}",
            f"{day.month}/{day.day}", f"{month[:3].upper()} {day.day} {day.year}",
            f"{day.day} {month[:3]}", f"{day.strftime('%a').lower()} {day.month}/{day.day}",
            f"{month} {day.day}", f"{day.year}/{day.month:02d}/{day.day:02d}",
            f"{month[:3]} {day.day}, {day.year}", f"the {day.day}{_th(day.day)} of {month}",
            f"{day.day}-{day.month}-{day.year % 100:02d}", f"{day.strftime('%d%b%y').upper()}",
        ]
        return self.rng.choice(forms)

    def phone(self) -> str:
        faker = self.faker()
        if not hasattr(faker, "phone_number"):  # en_PH's Faker writes mobile numbers only
            return faker.mobile_number()
        return faker.phone_number()

    def street(self) -> str:
        faker = self.faker()
        return f"{faker.building_number()} {faker.street_name()}"

    def town(self) -> str:
        return self.faker().city()

    def code(self, pattern: str) -> str:
        return self.fakers["en_NZ"].bothify(pattern, letters=string.ascii_uppercase)


def _th(day: int) -> str:
    return "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _slip(rng: random.Random, text: str) -> str:
    # typing slips in the words around identifiers (never inside a gold span)
    out = []
    for word in text.split(" "):
        if len(word) > 4 and word.isalpha() and rng.random() < 0.04:
            i = rng.randrange(1, len(word) - 1)
            word = rng.choice([word[:i] + word[i + 1:], word[:i] + word[i] + word[i:]])
        out.append(word)
    return " ".join(out)


class Note:
    def __init__(self, rng: random.Random, *, caps: bool = False) -> None:
        self.rng, self.caps, self.parts = rng, caps, []

    def say(self, text: str) -> None:
        text = _slip(self.rng, text)
        self.parts.append((text.upper() if self.caps else text, None))

    def mark(self, text: str, kind: str) -> None:
        self.parts.append((text.upper() if self.caps else text, kind))

    def build(self) -> tuple[str, list[tuple[int, int, str]]]:
        text, spans, position = [], [], 0
        for piece, kind in self.parts:
            if kind:
                spans.append((position, position + len(piece), kind))
            text.append(piece)
            position += len(piece)
        return "".join(text), spans


def _age(note: Note, rng: random.Random) -> None:
    age = rng.choice([rng.randint(20, 89), rng.randint(90, 103)])
    text = rng.choice([f"{age}yo", f"{age} yr old", f"aged {age}", f"{age}F", f"{age}M"])
    note.mark(text, "AGE") if age > 89 else note.say(text)


def triage(m: Maker, note: Note, event: datetime.date) -> None:
    r = m.rng
    note.say(f"Triage {r.randint(0, 23):02d}{r.choice(['00', '15', '40'])}: ")
    _age(note, r)
    note.say(f" BIBA from {r.choice(['home', 'RACF', 'GP clinic'])}, c/o "
             f"{r.choice(COMPLAINTS)}. {r.choice(VITALS)}, {r.choice(VITALS)}. GP ")
    note.mark(m.name(single=r.random() < 0.5), "NAME")
    note.say(". NOK ")
    note.mark(m.name(), "NAME")
    note.say(" ph ")
    note.mark(m.phone(), "PHONE")
    note.say(". Last seen well ")
    note.mark(m.date(event), "DATE")
    note.say(". ")


def portal(m: Maker, note: Note, event: datetime.date) -> None:
    r = m.rng
    note.say(f"I am writing about {r.choice(FAMILY)} ")
    note.mark(m.name(), "NAME")
    note.say(" who was in your hospital on ")
    note.mark(m.date(event), "DATE")
    note.say(". We waited hours and nobody told us anything. The nurse, ")
    note.mark(m.name(single=True), "NAME")
    note.say(", was kind but the doctor never came. ")
    if r.random() < 0.5:
        note.say("We drove in from ")
        note.mark(m.town(), "PLACE")
        note.say(" and paid for parking twice. ")
    note.say(r.choice(["You can reach me at ", "Please call me on ", "My number is "]))
    note.mark(m.phone(), "PHONE")
    note.say(" or write to ")
    note.mark(m.faker().free_email(), "EMAIL")
    note.say(". ")


def injury(m: Maker, note: Note, event: datetime.date) -> None:
    r = m.rng
    note.say("Staff injury. Employee ")
    note.mark(m.name(), "NAME")
    harm = r.choice(["strained back", "needlestick", "slipped on wet floor",
                     "was punched by a visitor"])
    note.say(f" ({r.choice(STAFF_ROLES)}) {harm} ")
    note.say("while helping with a transfer on ")
    note.mark(m.date(event), "DATE")
    note.say(". Witnessed by ")
    note.mark(m.name(), "NAME")
    note.say(". Reported to supervisor ")
    note.mark(m.name(), "NAME")
    note.say(". ")
    if r.random() < 0.4:
        note.say("Went to the urgent care at ")
        note.mark(m.street(), "ADDRESS")
        note.say(", ")
        note.mark(m.town(), "PLACE")
        note.say(". ")
    if r.random() < 0.3:
        note.say("Own car reg ")
        note.mark(m.code(r.choice(["???###", "??##???", "###-???"])), "VEHICLE")
        note.say(" damaged in the staff lot. ")


def sbar(m: Maker, note: Note, event: datetime.date) -> None:
    r = m.rng
    note.say("S: ")
    note.mark(m.name(), "NAME")
    note.say(f", {r.choice(COMPLAINTS)}, {r.choice(VITALS)}. B: ")
    _age(note, r)
    note.say(", admitted ")
    note.mark(m.date(event), "DATE")
    note.say(", UR ")
    note.mark(m.code(r.choice(["#######", "??######", "#########"])), "MRN")
    note.say(". A: deteriorating. R: r/v by ")
    note.say(r.choice(["Dr ", "dr ", "reg ", "NP "]))
    note.mark(m.name(single=True), "NAME")
    note.say(" within 30 min. ")


def listing(m: Maker, note: Note, event: datetime.date) -> None:
    r = m.rng
    rows = [
        ("pt: ", lambda: note.mark(m.name(), "NAME")),
        ("dob ", lambda: note.mark(
            m.date(event - datetime.timedelta(days=r.randint(20000, 30000))), "DATE")),
        ("addr: ", lambda: (note.mark(m.street(), "ADDRESS"), note.say(", "),
                            note.mark(m.town(), "PLACE"))),
        ("mrn ", lambda: note.mark(m.code("########"), "MRN")),
        ("contact ", lambda: note.mark(m.phone(), "PHONE")),
        ("email ", lambda: note.mark(m.faker().email(), "EMAIL")),
        ("ins. acct ", lambda: note.mark(m.code("AC-########"), "ACCOUNT")),
        ("pump s/n ", lambda: note.mark(m.code("SN###-####"), "DEVICE")),
        ("seen by ", lambda: note.mark(m.name(), "NAME")),
        ("portal link ", lambda: note.mark(m.faker().url(), "URL")),
        ("terminal ", lambda: note.mark(m.faker().ipv4_private(), "IP")),
        ("ssn ", lambda: note.mark(m.fakers["en_NZ"].numerify("###-##-####"), "SSN")),
        ("lic ", lambda: note.mark(m.code("??-######"), "LICENCE")),
    ]
    for label, row in r.sample(rows, r.randint(3, 6)):
        note.say(f"- {label}")
        row()
        note.say("\n")


def narrative(m: Maker, event: datetime.date) -> Note:
    note = Note(m.rng, caps=m.rng.random() < 0.1)
    m.rng.choice([triage, portal, injury, sbar, listing])(m, note, event)
    if m.rng.random() < 0.3:
        note.say(m.rng.choice([
            "Sky was clear, no ice on the path. ", "Will follow up. ",
            "Miles of paperwork later the bed was ready. ", "Honey and lemon given for cough. ",
            "Carpenter fixed the rail. ", "Lily pads on the floor were slippery. ",
        ]))
    return note


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
