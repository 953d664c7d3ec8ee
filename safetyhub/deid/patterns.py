"""Identifiers with a shape: numbers, addresses, contacts, ages over 89.

Each detector yields ``(start, end, kind)``; :func:`safetyhub.deid.find_identifiers` merges
them with the dates and names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Found = tuple[int, int, str]

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")
_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]]"
    r"|\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:com|org|net|edu|gov|io|info|biz|co\.uk|"
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
    r"(?i)\b(?:ssn|social security(?: number| no\.?| #)?)\s*[:#]?\s*([0-9]{9})\b"
)
# Phone numbers: a labelled one in any shape, or a North American / international shape.
_PHONE = re.compile(
    r"""(?x)(?<![\w/.\-])(?:
      \+?1[\s.\-]?\(?[2-9][0-9]{2}\)?[\s.\-]?[0-9]{3}[\s.\-]?[0-9]{4}        # +1 555 555 0100
    | \(?[2-9][0-9]{2}\)[\s.\-]?[0-9]{3}[\s.\-]?[0-9]{4}                      # (555) 555-0100
    | [2-9][0-9]{2}[.\-][0-9]{3}[.\-][0-9]{4}                                  # 555-555-0100
    | \+[1-9][0-9]{0,3}(?:[\s.\-]?\(?[0-9]{1,5}\)?){2,6}                       # +44 20 7946 0958
    | 0[0-9]{2,5}[\s.\-]?[0-9]{3,4}[\s.\-]?[0-9]{3,4}                          # 020 7946 0958
    )(?:\s*(?:x|ext\.?|extension)\s*[0-9]{1,6})?(?![\w/])"""
)
_PHONE_LABELLED = re.compile(
    r"(?i)\b(?:ph(?:one)?|tel|telephone|cell|mobile|mob|fax|pager|callback|call ?back|"
    r"contact)\b\.?\s*(?:no\.?|number|#)?\s*[:#]?\s*(\+?[0-9][0-9()\s.\-]{5,18}[0-9])"
)
_EXTENSION = re.compile(r"(?i)\b(?:ext\.?|extension|x)\s*([0-9]{3,6})\b")

# Record numbers: a label, then a token with digits.
_LABELLED = [
    ("MRN", r"mrn|medical record(?: number| no\.?| #)?|mr#|mr\s*no\.?|hospital (?:number|no\.?)|"
            r"chart(?: number| no\.?| #)|patient id|pt id|nhs(?: number| no\.?)?|record #?"),
    ("ACCOUNT", r"acct|account(?: number| no\.?| #)?|a/c|billing (?:number|no\.?|#)|"
                r"encounter(?: number| no\.?| #)?|fin|csn|visit(?: number| no\.?| #)|"
                r"claim(?: number| no\.?| #)?|policy(?: number| no\.?| #)?|member id|"
                r"insurance id|health plan(?: number| id)?|beneficiary(?: number| id)?"),
    ("LICENCE", r"licen[cs]e(?: number| no\.?| #)?|lic\.?(?: no\.?| #)?|dea(?: number| no\.?| #)?|"
                r"npi|driver'?s licen[cs]e|dl|certificate(?: number| no\.?| #)?|"
                r"registration(?: number| no\.?| #)?|badge(?: number| no\.?| #)?|"
                r"employee(?: id| number| no\.?| #)|staff id|permit(?: number| no\.?| #)?"),
    ("VEHICLE", r"plate(?: number| no\.?| #)?|licen[cs]e plate|tag(?: number| no\.?| #)?|vin|"
                r"reg(?:istration)? plate|vehicle(?: id| number| no\.?| #)?"),
    ("DEVICE", r"serial(?: number| no\.?| #)?|s/n|sn|device(?: id| number| no\.?| #)|"
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
    r"(?P<v>(?=[A-Za-z0-9\-/.:]*[0-9])[A-Za-z0-9][A-Za-z0-9\-/.:]*[A-Za-z0-9]|[0-9])"
)
_VIN = re.compile(r"\b(?=[A-HJ-NPR-Z0-9]*[0-9])(?=[A-HJ-NPR-Z0-9]*[A-Z])[A-HJ-NPR-Z0-9]{17}\b")
# A long run of digits with nothing to say what it is: an identifier of some kind.
_LONG_NUMBER = re.compile(r"(?<![\w.\-/])[0-9]{7,}(?![\w.\-/])")
_ID_LIKE = re.compile(
    r"\b(?=[A-Z0-9\-]*[0-9])(?=[A-Z0-9\-]*[A-Z])[A-Z]{1,4}-?[0-9]{5,}[A-Z0-9\-]*\b"
)

_AGE = re.compile(
    r"""(?ix)\b(?:
      (?P<a>[0-9]{2,3})\s*(?:-\s*|\s)?(?:y/?o\b|yrs?\s+old|years?[\s\-]+old|year[\s\-]old|yo\b|y\.o\.)
    | (?P<b>[0-9]{2,3})(?:\s*-\s*|\s)year(?:s)?(?:\s*-\s*|\s)old
    | (?:aged?|age:)\s*(?P<c>[0-9]{2,3})\b
    | (?P<d>[0-9]{2,3})\s?(?:(?-i:[MF])|yo[mf])\b(?=\s)
    )"""
)

_STREET_TYPES = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|"
    r"terrace|ter|way|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|crescent|"
    r"close|grove|gardens|row|mews|walk|hill|park|view|rise|green|alley|loop|path|pike|"
    r"plaza|point|ridge|run|crossing|heights|manor|estate|wynd|causeway|expressway|freeway"
)
_ADDRESS = re.compile(
    rf"(?ix)\b[0-9]{{1,6}}[a-z]?(?:-[0-9]{{1,4}})?\s+(?:[NSEW]\.?\s+|north\s+|south\s+|east\s+|west\s+)?"
    rf"(?:[A-Za-z][A-Za-z'\-]+\.?\s+){{1,4}}(?:{_STREET_TYPES})\b\.?"
    rf"(?:,?\s*(?:apt|apartment|unit|suite|ste|flat|\#)\.?\s*[0-9A-Za-z\-]+)?"
)
_PO_BOX = re.compile(r"(?i)\b(?:p\.?\s?o\.?\s*box|post office box)\s*[0-9]+\b")
_ZIP = re.compile(
    r"(?i)\b(?:zip|zip code|postcode|postal code)\s*[:#]?\s*([0-9]{5}(?:-[0-9]{4})?)\b"
)
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b")
_STATE = (
    r"AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|"
    r"NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)
_CITY_STATE_ZIP = re.compile(
    rf"\b((?:[A-Z][a-z]+[ \-]){{0,2}}[A-Z][a-z]+),\s*(?:{_STATE})\b"
    r"(?:\s+[0-9]{5}(?:-[0-9]{4})?)?"
)


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
        yield match.start(1), match.end(1), "SSN"
    for match in _PHONE.finditer(text):
        digits = sum(c.isdigit() for c in match.group())
        if 7 <= digits <= 15:
            yield match.start(), match.end(), "PHONE"
    for match in _PHONE_LABELLED.finditer(text):
        digits = sum(c.isdigit() for c in match.group(1))
        if 7 <= digits <= 15:
            yield match.start(1), match.end(1), "PHONE"
    for match in _EXTENSION.finditer(text):
        yield match.start(1), match.end(1), "PHONE"
    for match in _LABEL.finditer(text):
        kind = match.lastgroup
        value = _VALUE.match(text, match.end())
        if value is None or kind is None:
            continue
        yield value.start("v"), value.end("v"), kind
    for match in _VIN.finditer(text):
        yield match.start(), match.end(), "VEHICLE"
    for match in _AGE.finditer(text):
        number = next(g for g in match.groups() if g)
        if int(number) > 89:
            if match.group("c"):
                yield match.start("c"), match.end("c"), "AGE"
            else:
                yield match.start(), match.end(), "AGE"
    for match in _ADDRESS.finditer(text):
        yield match.start(), match.end(), "ADDRESS"
    for match in _PO_BOX.finditer(text):
        yield match.start(), match.end(), "ADDRESS"
    for match in _CITY_STATE_ZIP.finditer(text):
        yield match.start(), match.end(), "PLACE"
    for match in _UK_POSTCODE.finditer(text):
        yield match.start(), match.end(), "PLACE"
    for match in _ZIP.finditer(text):
        yield match.start(1), match.end(1), "PLACE"
    for match in _LONG_NUMBER.finditer(text):
        yield match.start(), match.end(), "ACCOUNT"
    for match in _ID_LIKE.finditer(text):
        yield match.start(), match.end(), "ACCOUNT"
