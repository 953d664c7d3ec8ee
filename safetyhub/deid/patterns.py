"""Identifiers with a shape: numbers, addresses, contacts, ages over 89.

Each detector yields ``(start, end, kind)``; :func:`safetyhub.deid.find_identifiers` merges
them with the dates and names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Found = tuple[int, int, str]

# Lengths are bounded (as RFC 5321 bounds them) so that a long run of dots and letters
# cannot make a search quadratic.
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,253}\.[A-Za-z]{2,24}\b")
_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]]"
    r"|\b[a-z0-9][a-z0-9\-]{0,62}(?:\.[a-z0-9\-]{1,63}){0,4}\.(?:com|org|net|edu|gov|io|info|biz|co\.uk|"
    r"uk|us|ca|au|de|fr)(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)\]])?(?![a-z0-9@])"
)
_IPV4 = re.compile(
    r"\b(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\b"
    r"(?!\.[0-9])"
)
_IPV6 = re.compile(
    r"(?i)\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:)+:[0-9a-f]{0,4}\b"
)
_SSN = re.compile(r"\b(?!000|666|9[0-9]{2})[0-9]{3}([- ])(?!00)[0-9]{2}\1(?!0000)[0-9]{4}\b")
_SSN_LABELLED = re.compile(
    r"(?i)\b(?:ssn|social security(?: number| no\.?| #)?)\s*[:#]?\s*"
    r"([0-9]{3}([- ]?)[0-9]{2}\2[0-9]{4})\b"
)
# Phone numbers: a labelled one in any shape, or a North American / international shape.
_PHONE = re.compile(
    r"""(?x)(?<![\w/.\-])(?:
      \+?1[\s.\-]?\(?[2-9][0-9]{2}\)?[\s.\-]?[0-9]{3}[\s.\-]?[0-9]{4}        # +1 555 555 0100
    | \(?[2-9][0-9]{2}\)[\s.\-]?[0-9]{3}[\s.\-]?[0-9]{4}                      # (555) 555-0100
    | [2-9][0-9]{2}[.\-][0-9]{3}[.\-][0-9]{4}                                  # 555-555-0100
    | \+[1-9][0-9]{0,3}(?:[\s.\-]?\(?[0-9]{1,5}\)?){2,6}                       # +44 20 7946 0958
    | 0[0-9]{2,5}[\s.\-]?[0-9]{3,4}[\s.\-]?[0-9]{3,4}                          # 020 7946 0958
    )(?:\s*(?:[xX]|ext\.?|EXT\.?|extension)\s*[0-9]{1,6})?(?![\w/])"""
)
_PHONE_LABELLED = re.compile(
    r"(?i)\b(?:ph(?:one)?|tel|telephone|cell|mobile|mob|fax|pager|callback|call ?back|"
    r"contact)\b\.?\s*(?:no\.?|number|#)?\s*[:#]?\s*(\+?\(?[0-9][0-9()\s./\-]{5,18}[0-9]"
    r"(?:\s*(?:[xX]|ext\.?)\s*[0-9]{1,6})?)"
)
# Any run of digit groups ("(0115)4960762", "+1-525-506-6559x55382", "391302180") is a
# phone number when a word before it says so ("called at", "fax sent to", "cell").
_NUMBER_RUN = re.compile(
    r"(?<![\w/.:\-])(?:\+[0-9]{1,3}[\s.\-]?)?(?:\(0?[0-9]{1,5}\)[\s.\-]?)?"
    r"[0-9]+(?:[\s.\-/][0-9]+)*(?:\s*(?:[xX]|ext\.?)\s*[0-9]{1,6})?(?![\w/:\-]|\.[0-9])"
)
_PHONE_CUE = re.compile(
    r"(?i)\b(?:call(?:ed|ing|s)?|phone[ds]?|ph|tel|telephone|cell|mobile|mob|fax(?:ed)?|"
    r"text(?:ed)?|reach(?:ed)?|contact|number|pager|paged?|callback|dial(?:l?ed)?|rang|"
    r"ring|voicemail|vm|whatsapp|line)\b[^.\n0-9]{0,20}$"
)
_EXTENSION = re.compile(r"(?i)\b(?:ext\.?|extension|x)\s*([0-9]{3,6})\b")

# Record numbers: a label, then a token with digits.
_LABELLED = [
    ("MRN", r"mrn|medical record(?: number| no\.?| #)?|mr#|mr\s*no\.?|hospital (?:number|no\.?)|"
            r"chart(?: number| no\.?| #)|patient id|pt id|nhs(?: number| no\.?)?|record #?|"
            r"urn|ur(?: number| no\.?| #)?|nhi(?: number| no\.?)?|hospital id"),
    ("ACCOUNT", r"acct|account(?: number| no\.?| #)?|a/c|billing (?:number|no\.?|#)|"
                r"encounter(?: number| no\.?| #)?|fin|csn|visit(?: number| no\.?| #)|"
                r"claim(?: number| no\.?| #)?|policy(?: number| no\.?| #)?|member id|"
                r"insurance id|health plan(?: number| id)?|beneficiary(?: number| id)?"),
    ("LICENCE", r"licen[cs]e(?: number| no\.?| #)?|lic\.?(?: no\.?| #)?|dea(?: number| no\.?| #)?|"
                r"npi|driver'?s licen[cs]e|dl|certificate(?: number| no\.?| #)?|"
                r"registration(?: number| no\.?| #)?|badge(?: number| no\.?| #)?|"
                r"employee(?: id| number| no\.?| #)|staff id|permit(?: number| no\.?| #)?"),
    ("VEHICLE", r"plate(?: number| no\.?| #)?|licen[cs]e plate|licen[cs]e tag|vin|"
                r"reg(?:istration)? plate|vehicle(?: id| number| no\.?| #)?|"
                r"(?:car|vehicle|van|truck) (?:rego|reg(?:istration)?|tag)"
                r"(?: number| no\.?| #)?|rego"),
    ("DEVICE", r"serial(?: number| no\.?| #)?|s/n|sn|device(?: id| number| no\.?| #)|"
               r"biomed(?: tag| number| no\.?| #)?|bme(?: tag| #)?|"
               r"asset(?: tag| number| no\.?| #)?|lot(?: number| no\.?| #)?|udi|"
               r"model/serial|equipment(?: id| number| no\.?| #)|pump(?: id| #)|imei|mac"),
]
_LABEL = re.compile(
    "|".join(
        rf"(?P<{kind}>\b(?:{words}))" for kind, words in _LABELLED
    ),
    re.IGNORECASE,
)
_VALUE = re.compile(
    r"\s*(?:(?:is|was|of|number|no\.?|num|#|:|=|-)\s*)*"
    r"(?P<v>(?:[A-Z]{1,4}[ \-](?=[A-Z0-9]*[0-9]))?"
    r"(?=[A-Za-z0-9\-/.:]{0,40}[0-9])[A-Za-z0-9](?:[A-Za-z0-9\-/.:]{0,40}[A-Za-z0-9])?"
    r"(?:[ \-][A-Z0-9]*[0-9][A-Z0-9]*)*)"
)
# Digit groups that read as a phone number in many countries: "(04) 5166 6964",
# "05 34 49 64 07", "+44 (0)20 7946 0958", "533 724 061".
_DIGIT_GROUPS = re.compile(
    r"(?<![\w/.:\-])(?:\+[0-9]{1,3}[\s.\-]?)?(?:\(0?[0-9]{1,5}\)[\s.\-]?)?"
    r"[0-9]{2,5}(?:[\s.\-][0-9]{2,5}){1,4}(?![\w/:\-]|\.[0-9])"
)
_VIN = re.compile(
    r"\b(?=[A-HJ-NPR-Z0-9]{0,16}[0-9])(?=[A-HJ-NPR-Z0-9]{0,16}[A-Z])[A-HJ-NPR-Z0-9]{17}\b"
)
# A long run of digits with nothing to say what it is: an identifier of some kind.
_LONG_NUMBER = re.compile(r"(?<![\w.\-/])[0-9]{7,}(?![\w.\-/])")
_ID_LIKE = re.compile(
    r"\b(?=[A-Z0-9\-]{0,30}[0-9])(?=[A-Z0-9\-]{0,30}[A-Z])[A-Z]{1,4}-?[0-9]{5,20}[A-Z0-9\-]{0,20}\b"
)

_AGE = re.compile(
    r"""(?ix)\b(?:
      (?P<a>[0-9]{2,3})\s*(?:-\s*|\s)?(?:y/?o\b|yrs?[\s\-]+old|years?[\s\-]+old|yo\b|y\.o\.?
         |years?\s+of\s+age|yrs?\s+of\s+age)
    | (?P<b>[0-9]{2,3})(?:\s*-\s*|\s)year(?:s)?(?:\s*-\s*|\s)old
    | (?:aged?|age:)\s*(?P<c>[0-9]{2,3})\b
    | (?P<d>[0-9]{2,3})\s?(?:(?-i:[MF])|yo[mf])\b(?=[\s,;.)]|$)
    )"""
)

# Street suffixes (USPS Publication 28's common ones, and British, Irish, Indian and
# Australian ones) and words that name a street before or after its number elsewhere.
_STREET_TYPES = (
    r"street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|"
    r"terrace|ter|way|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|crescent|"
    r"close|grove|groves|gardens|row|mews|walk|walks|hill|hills|park|view|views|rise|green|"
    r"alley|loop|path|pike|plaza|point|points|ridge|run|crossing|heights|manor|estate|"
    r"estates|causeway|expressway|freeway|burg|burgs|bypass|camp|canyon|cape|center|"
    r"centre|cliff|cliffs|club|common|commons|corner|corners|course|cove|coves|creek|crest|"
    r"curve|dale|dam|divide|end|extension|falls|ferry|field|fields|flat|flats|ford|fords|"
    r"forest|forge|forges|fork|forks|fort|gateway|glen|glens|harbor|harbors|harbour|haven|"
    r"hollow|inlet|island|islands|isle|junction|junctions|key|keys|knoll|knolls|lake|lakes|"
    r"landing|light|lights|line|lock|locks|lodge|mall|meadow|meadows|mill|mills|mission|"
    r"motorway|mount|mountain|mountains|neck|orchard|oval|overpass|pass|passage|pine|pines|"
    r"plain|plains|port|ports|prairie|radial|ramp|ranch|rapid|rapids|rest|ridges|river|"
    r"route|shoal|shoals|shore|shores|skyway|spring|springs|spur|spurs|station|stravenue|"
    r"stream|streets|summit|throughway|trace|track|trafficway|tunnel|turnpike|underpass|"
    r"union|unions|valley|valleys|viaduct|villages?|ville|vista|well|wells|wynd|nagar|marg|ganj|"
    r"chowk|bagh|colony|quay|parade|promenade|esplanade|circus|broadway|brook|brooks|"
    r"bridge|bridges|branch|bluff|bluffs|bottom|bend|beach|bayou|arcade|anex|annex"
)
_UNIT = (
    r"(?:\s?,?\s*(?:apt|apartment|unit|suite|ste|flat|fl|floor|room|bldg|building|interior|"
    r"int|depto|edif|no|\#)\.?\s*[0-9][0-9A-Za-z\-/]*)*"
)
_CAPWORD = r"[^\W\d_][\w'’\-]*\.?"
_ADDRESS = re.compile(
    rf"(?i)(?:\b(?:flat|studio|unit|apt|suite|h\.\s?no\.?|house)\s*[0-9]+[a-z]?,?\s+"
    rf"(?:[0-9]{{1,6}}[a-z]?(?:[/\-][0-9]{{1,4}})?,?\s+)?"
    rf"|\b[0-9]{{1,6}}[a-z]?(?:[/\-][0-9]{{1,4}})?,?\s+)"
    rf"(?:(?-i:[A-Z]){_CAPWORD}\s+){{1,3}}(?:{_STREET_TYPES})\b\.?{_UNIT}"
)
_ADDRESS_WORDS = (
    r"rue|avenue|boulevard|chemin|impasse|allée|quai|via|viale|piazza|corso|contrada|"
    r"vicolo|largo|strada|borgo|ulica|ul\.|aleja|al\.|plac|pl\.|osiedle|os\.|calle|avenida|"
    r"callejón|camino|calzada|carretera|cerrada|circuito|continuación|corredor|diagonal|"
    r"pasaje|periférico|privada|prolongación|retorno|viaducto|andador|"
    r"số|đường|phố|ngõ|hẻm"
)
# "rue Victor Hugo 12", "ulica Polna 5/7", "Hauptstraße 5", "Keizersgracht 12"
_ADDRESS_AFTER = re.compile(
    rf"(?i)\b(?:(?:{_ADDRESS_WORDS})\s+(?:[^\s,.;0-9]+,?\s+){{0,4}}?[0-9]+[a-z]?(?:/[0-9]+)?"
    rf"|\b(?:[^\W\d_]{{1,30}}-){{0,3}}[^\W\d_]{{0,30}}(?:straße|strasse|str\.|weg|allee|gasse|platz|ring|damm|"
    rf"laan|straat|steeg|dreef|gracht|kade|plein|singel|hof|pad|park|baan)\s+[0-9]+[a-z]?)"
    rf"{_UNIT}"
)
# "lives at ...", "address: ..." up to the next comma (or two, when the first part is only
# a number: "Flat 9, Mary Course"), the end of the sentence, or "and".
_ADDRESS_CONTEXT = re.compile(
    r"(?i)\b(?:(?:lives|living|resides|residing|staying|located)\s+(?:at|on)"
    r"|(?:home\s+)?address(?:\s+(?:is|was))?|addr\.?)\s*:?\s+"
    r"(?=[0-9]|(?:flat|studio|unit|apt|h\.?\s?no)\b|[^\W\d_][^,.;\n]{0,30}[0-9]"
    # or words with a capital up to a comma and a capitalised town (no number at all)
    r"|(?!(?:home|the|a|an|his|her|their|my|our|work|school|church)\b)"
    r"[^\W\d_][^,.;\n]{0,40}?(?-i:[A-ZÀ-Þ])[^,.;\n]{0,40},\s*[^\W_])"
)
_ADDRESS_TAIL = re.compile(r"[^,;\n]*?(?=,|;|\n|\.\s|\.$|\s+and\s|\s+but\s|$)")
_PO_BOX = re.compile(r"(?i)\b(?:p\.?\s?o\.?\s*box|post office box)\s*[0-9]+\b")
_ZIP = re.compile(
    r"(?i)\b(?:zip code|zipcode|zip|postcode|post code|postal code|eircode)\s*[:#]?\s*"
    r"((?=[0-9A-Z \-]*[0-9])[0-9A-Z]{2,5}(?:[ \-]?[0-9A-Z]{2,4})?)\b"
)
_POSTCODE = re.compile(
    r"\b(?:[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}"      # UK
    r"|[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]"                    # Canada
    r"|[AC-FHKNPRTV-Y][0-9]{2} ?[AC-FHKNPRTV-Y0-9]{4})\b"   # Ireland
)
_STATE = (
    r"AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|"
    r"NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)
_CITY_STATE_ZIP = re.compile(
    rf"\b((?:[A-Z][a-z]+[ \-]){{0,2}}[A-Z][a-z]+),\s*(?:{_STATE})\b"
)
_STATE_ZIP = re.compile(rf"\b(?:{_STATE})\s+([0-9]{{5}}(?:-[0-9]{{4}})?)\b")


# A time and a person are not an address ("0200 Pt Richard Hill").
_NOT_IN_ADDRESS = re.compile(
    r"(?i)\b(?:pt|dr|mr|mrs|ms|rn|md|patient|resident|nurse|at|on|and)\b")


_NUMBER_ONLY = re.compile(
    r"(?i)\s*(?:flat|studio|unit|apt|suite|house|h\.?\s?no\.?|no\.?|\#)?\s*[0-9][0-9A-Za-z/\-]*"
)


# "at 33 Musholmgade, Dunntown", "to 27 Vereda de Azevedo, Whangatahi": after "at" or
# "to", a house number and capitalised words up to a comma and a capitalised town is an
# address whatever the street's type is called in its language.
_ADDRESS_BEFORE_TOWN = re.compile(
    r"\b(?i:at|to)\s+([0-9]{1,5}(?:-?[A-Za-z])?(?:/[0-9]{1,4})?\s+"
    r"(?:(?:[^\W\d_][\w'’.\-]*|[0-9]{1,3}(?i:st|nd|rd|th))\s+){0,4}"
    r"[^\W\d_][\w'’.\-]*)(?=,\s*[^\W\d_])"
)
_COMPASS = frozenset({"north", "south", "east", "west", "n", "s", "e", "w"})
# "at 12 Noon, pt", "to 20 Units, then": a time or a quantity, not a street
_NOT_STREET = frozenset({
    "noon", "midnight", "am", "pm", "am.", "pm.", "hrs", "hours", "hour", "min", "mins",
    "minutes", "days", "weeks", "units", "mg", "mcg", "ml", "tabs", "tab", "times",
    "percent", "degrees",
})


def _addresses(text: str) -> Iterator[Found]:
    for match in _ADDRESS_BEFORE_TOWN.finditer(text):
        words = match.group(1).split()[1:]
        if (any(word[0].isupper() for word in words)
                and not _NOT_IN_ADDRESS.search(match.group(1))
                and not any(word.lower() in _NOT_STREET for word in words)
                and not (len(words) == 1 and words[0].lower().strip(".") in _COMPASS)):
            yield match.start(1), match.end(1), "ADDRESS"  # not "to 4 West, then"
    for match in _ADDRESS.finditer(text):
        if not _NOT_IN_ADDRESS.search(match.group()):
            yield match.start(), match.end(), "ADDRESS"
    for match in _ADDRESS_AFTER.finditer(text):
        yield match.start(), match.end(), "ADDRESS"
    for match in _ADDRESS_CONTEXT.finditer(text):
        start = match.end()
        tail = _ADDRESS_TAIL.match(text, start)
        if tail is None or not tail.group().strip():
            continue
        end = tail.end()
        # "Flat 9, Mary Course": a first part that is only a number goes on to the next
        if _NUMBER_ONLY.fullmatch(tail.group()):
            more = _ADDRESS_TAIL.match(text, end + 1)
            if more and more.group().strip():
                end = more.end()
        yield start, end, "ADDRESS"


def find_patterns(text: str) -> Iterator[Found]:
    """Every shaped identifier in ``text`` (may overlap; the caller resolves)."""
    for match in _EMAIL.finditer(text):
        yield match.start(), match.end(), "EMAIL"
    for match in _URL.finditer(text):
        yield match.start(), match.end(), "URL"
    for match in _IPV4.finditer(text):
        yield match.start(), match.end(), "IP"
    for match in _IPV6.finditer(text):
        if any(c.isalpha() for c in match.group()) or match.group().count(":") >= 3:
            yield match.start(), match.end(), "IP"
    for match in _SSN.finditer(text):
        yield match.start(), match.end(), "SSN"
    for match in _SSN_LABELLED.finditer(text):
        yield match.start(1), match.end(1), "SSN!"
    for match in _PHONE.finditer(text):
        digits = sum(c.isdigit() for c in match.group())
        if 7 <= digits <= 15:
            yield match.start(), match.end(), "PHONE"
    for match in _PHONE_LABELLED.finditer(text):
        digits = sum(c.isdigit() for c in match.group(1))
        if 7 <= digits <= 15:
            yield match.start(1), match.end(1), "PHONE"
    for match in _NUMBER_RUN.finditer(text):
        digits = sum(c.isdigit() for c in match.group())
        if 7 <= digits <= 16 and _PHONE_CUE.search(text, max(0, match.start() - 30),
                                                      match.start()):
            yield match.start(), match.end(), "PHONE"
    for match in _EXTENSION.finditer(text):
        yield match.start(1), match.end(1), "PHONE"
    for match in _LABEL.finditer(text):
        kind = match.lastgroup
        value = _VALUE.match(text, match.end())
        if value is None or kind is None:
            continue
        yield value.start("v"), value.end("v"), kind + "!"  # a label outranks a shape
    for match in _VIN.finditer(text):
        yield match.start(), match.end(), "VEHICLE"
    for match in _AGE.finditer(text):
        number = next(g for g in match.groups() if g)
        if 89 < int(number) <= 125:  # "987F Mars Drive" is a house, not an age
            if match.group("c"):
                yield match.start("c"), match.end("c"), "AGE"
            else:
                yield match.start(), match.end(), "AGE"
    yield from _addresses(text)
    for match in _PO_BOX.finditer(text):
        yield match.start(), match.end(), "ADDRESS"
    for match in _CITY_STATE_ZIP.finditer(text):
        yield match.start(1), match.end(1), "PLACE"
    for match in _STATE_ZIP.finditer(text):
        yield match.start(1), match.end(1), "PLACE"
    for match in _POSTCODE.finditer(text):
        yield match.start(), match.end(), "PLACE"
    for match in _ZIP.finditer(text):
        yield match.start(1), match.end(1), "PLACE"
    # Unlabelled numbers: a weak guess ("~"), which any labelled find overrides.
    for match in _LONG_NUMBER.finditer(text):
        digits = match.group()
        if len(digits) == 10 and digits[0] in "23456789" and digits[3] in "23456789":
            yield match.start(), match.end(), "PHONE~"
        else:
            yield match.start(), match.end(), "MRN~"
    for match in _ID_LIKE.finditer(text):
        yield match.start(), match.end(), "MRN~"
    for match in _DIGIT_GROUPS.finditer(text):
        digits = sum(c.isdigit() for c in match.group())
        if 8 <= digits <= 13:
            yield match.start(), match.end(), "PHONE~"
