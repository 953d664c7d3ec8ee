"""Names of people and small places, found word by word.

A word is a name when it is not known to be safe (philter's idea: what is not a known
English or clinical word is redacted), or when it is a known word that is also a name and
the context says it is one here: a title or role before it ("Dr. Hope", "pt Will"), a
capital in mid-sentence on a given name ("asked Rose"), or a name beside it ("will
smith", "SMITH, JOHN"). A name after "in" or "near", or before "Nursing Home", is a place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .vocabulary import (
    NOT_RANKED as _NOT_RANKED,
)
from .vocabulary import (
    clinical_terms,
    given_names,
    is_safe,
    person_names,
    rank,
    rarer_words,
)

Found = tuple[int, int, str]


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words; one with a digit ("q2h", "SpO2", "x3") is a token too, so that its letters are
# never read as an initial, but it is never a name.
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# After a title any word is a name ("dr. brown"); after a role a capitalised word is, and
# a rarer lower-case name ("pt Will", "son jane"); after a verb or a preposition that
# people follow, a capitalised word that is a name ("spoke with Burrows").
_TITLES = _set("dr doctor mr mrs ms miss mx prof professor rev sr fr")
_ROLES = _set("""
pt patient resident rn lpn lvn cna np pa md nurse tech technician pharmacist intern
attending surgeon therapist daughter son wife husband mother father mom dad sister brother
partner spouse friend caregiver visitor niece nephew grandson granddaughter aunt uncle
neighbor neighbour poa guardian manager supervisor director officer paramedic emt aide
student rep representative vendor engineer chaplain interpreter pcp hospitalist cousin
fiance fiancee boyfriend girlfriend roommate sitter transporter housekeeper dietitian
physician doctor provider crna resident fellow midwife name reporter witness
gp nok employee reg registrar consultant clerk colleague coworker co-worker carer
""")
_PEOPLE_AFTER = _set("""
named called per with by from to and or asked paged notified contacted informed told spoke
texted emailed messaged call page ask tell thanked relieved replaced saw
""")
# After these an adjective is as likely as a name ("pt short of breath", "pt young"), so
# only a rarer lower-case word is taken for a name.
_PATIENT = _set("pt patient resident")
# Words that stop a title's or role's reach ("Dr. was paged", "pt will go").
_NOT_AFTER = _set("""
was is were are has had have will would can could may might should did does do on at in
to of for and or but the a an with who which that this not no yes ok made called said
states stated reports reported fell found became went got refused denied declined
""")
# Verbs after a sentence's first word that make a surname there a person.
_SUBJECT_OF = _set("""
will was is has had called said states stated reported notified noted found fell arrived
came left walked took gave refused spoke paged saw assisted helped declined agreed
""")
_PARTICLES = _set("de van von der den da di du la le del della dos das ter ten")
_ABBREVIATIONS = _set("dr mr mrs ms st pt no approx vs prof rev sr fr jr mt ft")
_PLACE_BEFORE = _set("in near")
# A label opening a line ("S: Wolf, fever", "- pt: price") names whom the line is about.
_SLOT_LABELS = _set("s situation pt patient name resident client caller nok")
_BY_VERBS = _set("""
witnessed seen reported assessed examined reviewed checked signed cosigned co-signed
covered relieved assisted attended found observed evaluated interviewed escorted
accompanied transported visited called paged notified
""")
# "discharged to home in Jamestown", "lives in Stein", "moved to Guntur": where someone
# lives is a place even when the word is also an everyday one.
_HOME_IN = _set("home lives live lived living resides reside residing stays staying born raised")
_HOME_TO = _set("moved relocated home")
_MONTHS_AND_DAYS = _set("""
january february march april may june july august september october november december jan
feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
saturday sunday mon tue tues wed thu thur thurs fri sat sun
""")
# "drove in from X", "transferred from X", "moved here from X": "from" after a word of
# travel says a place follows; "a call from X" is a person.
_TRAVEL = _set("""
drove drive driven driving came come coming travelled traveled travel travelling traveling
flew moved transferred transported visiting in up down over here home back all way
""")
_FACILITY = (
    r"(?:nursing home|care home|care cent(?:er|re)|medical cent(?:er|re)|health cent(?:er|re)|"
    r"hospital|clinic|assisted living|senior living|rehab(?:ilitation)?(?: cent(?:er|re))?|"
    r"hospice|manor|lodge|residence|urgent care|surgery cent(?:er|re)|memorial hospital|"
    r"retirement (?:home|village|community)|group home|healthcare|health care|"
    r"skilled nursing(?: facility)?|long[- ]term care|general(?: hospital)?)"
)
_PLACE_AFTER = re.compile(rf"(?i)\s+{_FACILITY}\b")
# "Sunrise Assisted Living", "St. Jude's Hospital": capitalised words before a facility
_FACILITY_NAME = re.compile(
    rf"(?<![\w.])((?:(?:St\.?|Saint|[A-Z][\w'’\-]{{0,40}})\s+){{1,3}})(?i:{_FACILITY})\b"
)
_SENTENCE_END = re.compile(r"[.!?;:\n•]|\s-\s")
# Lower-case words with these endings are English or clinical, not names, when no list
# knows them ("hemolyzed", "ambulating", "nephrectomy").
_WORD_ENDINGS = (
    "ed", "ing", "ly", "tion", "sion", "ous", "ive", "ize", "ise", "ism", "ity", "ment",
    "ness", "able", "ible", "ical", "emia", "aemia", "itis", "osis", "ectomy", "otomy",
    "ostomy", "plasty", "scopy", "gram", "graphy", "pathy", "algia", "cyte", "lysis",
    "ase", "logy", "logist", "iatric", "uria", "penia", "philia", "ation", "ness", "ful",
    "al", "ic", "ant", "ent", "ary", "ory", "sor", "tor",
)
_VERB_ENDINGS = ("ed", "ing", "ly", "ize", "ise")  # "dr notified", "rn ambulating"
_COMMON_GIVEN = 800  # given names ranked above this are everyday words ("will", "hope")
_COMMON = 150


class _Token:
    __slots__ = ("base", "digits", "end", "kind", "lower", "rare", "start", "word")

    def __init__(self, match: re.Match[str]) -> None:
        self.start, self.end = match.span()
        self.word = match.group()
        self.lower = self.word.lower().replace("’", "'")
        self.base = self.lower[:-2] if self.lower.endswith("'s") else self.lower
        self.kind: str | None = None
        self.digits = any(c.isdigit() for c in self.word)
        self.rare = False  # a lower-case word only the rarer list knows


def _starts_sentence(text: str, tokens: list[_Token], i: int) -> bool:
    if i == 0:
        return True
    previous = tokens[i - 1]
    gap = text[previous.end:tokens[i].start]
    if not _SENTENCE_END.search(gap):
        return False
    return not (gap.strip() == "." and (previous.lower in _ABBREVIATIONS
                                        or len(previous.word) == 1))


def _opens_line(text: str, position: int) -> bool:
    line_start = text.rfind("\n", 0, position) + 1
    return not text[line_start:position].strip(" -*•\t")


def _joined(text: str, left: _Token, right: _Token) -> bool:
    """Whether two words sit together as parts of one name ("John Smith", "Smith, John",
    "J. Smith", "Mary-Jane")."""
    gap = text[left.end:right.start]
    if gap in (". ", "."):
        return len(left.word) == 1
    return gap in (" ", "-", ", ", ",")


def _unknown(token: _Token, *, starts: bool) -> bool:
    if is_safe(token.base):
        return False
    if token.base in person_names():
        return True
    if (token.word.islower() or starts) and token.base.endswith(_WORD_ENDINGS):
        return False  # "hemolyzed", and "Hyaluronidase given" opening a sentence
    if starts and token.base in rarer_words():
        token.rare = True  # "Benadryl 25 mg given." opening a sentence
        return False
    if token.word.islower():
        # a rarer word in lower case is safe unless a title, a role or a name beside it
        # says otherwise (see _first_pass and _extend)
        token.rare = token.base in rarer_words()
        return not token.rare
    return True


def _first_pass(text: str, tokens: list[_Token], typed_in_capitals: str) -> None:
    given = given_names()
    people = person_names()
    clinical = clinical_terms()
    for i, token in enumerate(tokens):
        word, base = token.word, token.base
        if ((base in clinical and (base not in people or not word.istitle()))
                or len(word) == 1 or token.digits):
            continue
        if word.isupper() and len(word) <= 4 and (
                base not in people or not (i and tokens[i - 1].base in _TITLES)):
            continue  # an abbreviation (ED, ABX, NKDA), not a name, unless a title precedes
        capital = word[0].isupper()
        # in a line typed in capitals (lowered by _uncapitalised) a word after a title,
        # a role or "by" may have been capitalised: "GP RUNE", "WITNESSED BY STELLA"
        cue_capital = capital or (typed_in_capitals[token.start] != text[token.start]
                                  and rank(base) > 3000 and base not in clinical)
        previous = tokens[i - 1] if i else None
        gap = text[previous.end:token.start] if previous else ""
        cue = previous.base if previous else ""
        after_title = cue in _TITLES and gap in (" ", ". ", ".") and base not in _NOT_AFTER
        after_role = (cue in _ROLES and gap in (" ", ": ", ", ", ". ")
                      and base not in _NOT_AFTER
                      and (base not in clinical or (capital and base in given)))
        after_verb = cue in _PEOPLE_AFTER and gap == " " and base not in _NOT_AFTER
        # "S: Wolf, fever …" (SBAR), "- pt: price": the value of a label opening a line
        if (cue in _SLOT_LABELS and gap in (": ", ":") and base not in clinical
                and base not in _NOT_AFTER and _opens_line(text, previous.start)
                and (base in people or token.rare
                     or (rank(base) > 20_000 and not base.endswith(_WORD_ENDINGS)))
                and not base.endswith(_VERB_ENDINGS)):
            token.kind = "NAME"
            continue
        # "witnessed by silva", "seen by Sky": after a verb of seeing or reporting and
        # "by", a word is a person as surely as after a title
        if (cue == "by" and i >= 2 and tokens[i - 2].base in _BY_VERBS and gap == " "
                and base not in _NOT_AFTER and base not in clinical):
            after_title = True
        next_word = tokens[i + 1].base if i + 1 < len(tokens) else ""
        starts = _starts_sentence(text, tokens, i)
        # a word only a spelling slip away from the vocabulary ("bararen", "barren"), or
        # a rare one, is a name after a title or a role
        uncommon = (  # after a title, a rare word; after a role, one no list holds
            (after_title and rank(base) > 20_000 and not base.endswith(_VERB_ENDINGS))
            or (after_role and rank(base) == _NOT_RANKED
                and not base.endswith(_WORD_ENDINGS))
        )
        if (
            _unknown(token, starts=starts)
            or uncommon
            or (after_title and (cue_capital or base in people))
            or (after_role and (cue_capital or token.rare
                                or (base in people and rank(base) > (
                                    1000 if cue in _PATIENT else 300))))
            or ((after_title or after_verb) and token.rare)
            or (after_verb and capital and (base in people or rank(base) > 5000))
            or (capital and base in given and not word.isupper() and not starts
                and base not in clinical)
            # "Perry will follow up", "miller was notified": a name opening a sentence
            or (starts and (base in people or token.rare) and rank(base) > 300
                and next_word in _SUBJECT_OF and base not in clinical)
        ):
            token.kind = "NAME"


def _extend(text: str, tokens: list[_Token]) -> None:
    """Known words that are names join a name beside them ("will smith", "Smith, John"),
    and so do initials ("J. Smith"); two lower-case names together are a name ("debra
    miller") unless the first is an everyday word ("will bill")."""
    people = person_names()
    given = given_names()
    clinical = clinical_terms()
    for i in range(len(tokens) - 1):
        left, right = tokens[i], tokens[i + 1]
        if (left.kind or right.kind or left.digits or right.digits
                or not _joined(text, left, right)):
            continue
        gap = text[left.end:right.start]
        two_names = (
            left.base in given and rank(left.base) > _COMMON_GIVEN
            and right.base in people and rank(right.base) > _COMMON
            and left.word[0].isupper() == right.word[0].isupper()
            and left.base not in clinical and right.base not in clinical and gap == " "
        )
        before = tokens[i - 1].base if i else ""
        initial = (
            len(left.word) == 1 and gap in (". ", ".")
            and (right.base in people or not is_safe(right.base))
            and right.base not in clinical
            and (left.word.isupper() or before in _TITLES or before in _ROLES
                 or before in _PEOPLE_AFTER  # "spoke with b. perrot"
                 # "j. wood will follow up": a lower-case initial before a subject's verb
                 or (i + 2 < len(tokens) and tokens[i + 2].base in _SUBJECT_OF))
        )
        caps_surname_first = (  # "BÙI, JOHN", "FRY, WILL": capitals, a given name second
            left.word.isupper() and right.word.isupper() and len(right.word) > 1
            and gap in (", ", ",") and right.base in given and left.base not in clinical
            and right.base not in clinical and (left.base in people or not is_safe(left.base))
        )
        surname_first = (  # "green, alan"
            left.base in people and rank(left.base) > _COMMON
            and right.base in given and rank(right.base) > _COMMON_GIVEN
            and gap in (", ", ",") and left.word[0].isupper() == right.word[0].isupper()
            and left.base not in clinical and right.base not in clinical
        )
        initial_after = (  # "Guy M.", "sven b.", "KAARINA N."
            len(right.word) == 1 and len(left.word) > 1 and gap == " "
            and text[right.end:right.end + 1] == "."
            and (left.base in people or not is_safe(left.base)
                 or (rank(left.base) > 15_000 and not left.base.endswith(_WORD_ENDINGS)))
            and left.base not in clinical
        )
        if two_names or initial or surname_first or initial_after or caps_surname_first:
            left.kind = right.kind = "NAME"
    changed = True
    order = list(range(len(tokens)))
    while changed:
        changed = False
        # forwards, then backwards: a name spreads along a run of words in one sweep
        order.reverse()
        for i in order:
            token = tokens[i]
            if token.kind or token.digits:
                continue
            for j in (i - 1, i + 1):
                if not 0 <= j < len(tokens) or tokens[j].kind != "NAME":
                    continue
                other = tokens[j]
                left, right = (token, other) if j > i else (other, token)
                if not _joined(text, left, right):
                    continue
                same_case = (token.word[0].isupper() == other.word[0].isupper()
                             or token.word.isupper())
                initial = len(token.word) == 1 and j > i
                particle = (  # "H. de Jager", "Ludwig van Beethoven"
                    token.base in _PARTICLES and j > i and i > 0 and tokens[i - 1].kind
                    and text[tokens[i - 1].end:token.start] in (" ", ". ")
                )
                if j > i and (token.base in _ROLES or token.base in _TITLES):
                    continue  # "Nurse Kelly Ramos": the role says who follows, is not them
                common = token.word.islower() and rank(token.base) <= _COMMON_GIVEN
                # "John Baxter": a capitalised surname after a capitalised given name, even
                # one the clinical list holds for a brand
                surname = (j < i and token.word.istitle() and other.word.istitle()
                           and other.base in given and token.base in people)
                if initial or particle or token.rare or surname or (
                        token.base in people and same_case and not common
                               and token.base not in clinical
                               and token.base not in _NOT_AFTER):
                    token.kind = "NAME"
                    changed = True
                    break


def find_names(text: str) -> Iterator[Found]:
    """Names (``NAME``) and places (``PLACE``) in ``text``; may overlap other finds."""
    typed = text
    text = _uncapitalised(text)
    tokens = [_Token(match) for match in _TOKEN.finditer(text)]
    _first_pass(text, tokens, typed)
    _extend(text, tokens)
    clinical = clinical_terms()
    for match in _FACILITY_NAME.finditer(text):
        if all(word.lower() in clinical for word in match.group(1).split()):
            continue  # "GP clinic", "ED urgent care": a kind of place, not its name
        yield match.start(), match.end(), "PLACE"
    yield from _spans(text, tokens)
    yield from _homes(text, tokens, clinical, typed)


def _homes(
    text: str, tokens: list[_Token], clinical: frozenset[str], typed: str
) -> Iterator[Found]:
    for i in range(1, len(tokens) - 1):
        preposition, before = tokens[i], tokens[i - 1]
        if not ((preposition.base == "in" and before.base in _HOME_IN)
                or (preposition.base == "to" and before.base in _HOME_TO)
                or (preposition.base == "from" and before.base in _TRAVEL)):
            continue
        first = tokens[i + 1]
        if (not typed[first.start].isupper() or first.digits or first.base in clinical
                or first.base in _MONTHS_AND_DAYS or first.base in _NOT_AFTER
                or (first.word.isupper() and len(first.word) <= 4)
                or text[preposition.end:first.start] != " "):
            continue
        last = i + 1
        while (last + 1 < len(tokens) and last - i < 4
               and text[tokens[last].end:tokens[last + 1].start] == " "
               and (typed[tokens[last + 1].start].isupper()
                    or tokens[last + 1].base in _PARTICLES)
               and tokens[last + 1].base not in _NOT_AFTER
               and not tokens[last + 1].digits):
            last += 1
        yield first.start, tokens[last].end, "PLACE"


_CAPS_LINE = re.compile(r"[^\n]+")


def _uncapitalised(text: str) -> str:
    """``text`` with lines typed in capitals lowered (same length, so offsets hold): in
    "WITNESSED BY VILMA WHILE" a capital says nothing, and a lower-case word is judged by
    the vocabulary alone ("vilma" is not safe, "while" is)."""
    if sum(c.isupper() for c in text) < 12:
        return text
    pieces = []
    for match in _CAPS_LINE.finditer(text):
        line = match.group()
        letters = [c for c in line if c.isalpha()]
        upper = sum(c.isupper() for c in letters)
        lowered = line.lower()
        if len(letters) >= 12 and upper >= 0.8 * len(letters) and len(lowered) == len(line):
            line = lowered
        pieces.append((match.start(), match.end(), line))
    out = list(text)
    for start, end, line in pieces:
        out[start:end] = line
    return "".join(out)


def _spans(text: str, tokens: list[_Token]) -> Iterator[Found]:
    i = 0
    while i < len(tokens):
        if tokens[i].kind != "NAME":
            i += 1
            continue
        j = i
        while (j + 1 < len(tokens) and tokens[j + 1].kind == "NAME"
               and _joined(text, tokens[j], tokens[j + 1])):
            j += 1
        start, end = tokens[i].start, tokens[j].end
        if text[end - 2:end].lower() in ("'s", "’s"):
            end -= 2
        kind = "NAME"
        # a place: "in [New] Jeffreymouth", "near Lake Jennifer", "X Nursing Home"
        first = i
        while (first > 0 and tokens[first - 1].word[0].isupper()
               and text[tokens[first - 1].end:tokens[first].start] in (" ", ". ")
               and tokens[first - 1].base not in _TITLES
               and tokens[first - 1].base not in _PLACE_BEFORE and first - i > -3):
            first -= 1
        before = tokens[first - 1] if first else None
        if _PLACE_AFTER.match(text, tokens[j].end):
            kind = "PLACE"
        elif before is not None and text[before.end:tokens[first].start] == " " and (
            (before.base in _PLACE_BEFORE and tokens[first].word[0].isupper())
            or (before.base == "from" and first >= 2 and tokens[first - 2].base in _TRAVEL)
        ):
            kind, start = "PLACE", tokens[first].start
        yield start, end, kind
        i = j + 1
