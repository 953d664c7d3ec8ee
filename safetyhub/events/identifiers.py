"""Does a narrative look like it holds identifiers? A few plain patterns, computed when a
report is submitted and shown to its reviewers so they can remove what should not be there.
Deliberately small and cautious (a flag, never a change to the text): full de-identification
for sharing is the learning network's (safetyhub/deid/). Pure: no Django."""

import re

# (flag, pattern): each flag names what was seen, never the matched text itself.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")),
    ("phone", re.compile(r"(?<!\w)(\+?1[\s.-]?)?(\(\d{3}\)|\d{3})[\s.-]\d{3}[\s.-]\d{4}(?!\w)")),
    ("medical_record_number", re.compile(
        r"\b(MRN|medical record( number| no\.?)?|record no\.?|chart( number| no\.?)?)"
        r"\s*[:#]?\s*[A-Z]{0,3}\d{4,}\b|\b\d{7,10}\b", re.IGNORECASE)),
    ("date_of_birth", re.compile(
        r"\b(DOB|D\.O\.B\.?|date of birth|born( on)?)\b\s*[:\-]?\s*"
        r"(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|[A-Z][a-z]+ \d{1,2},? \d{4})",
        re.IGNORECASE)),
    ("titled_name", re.compile(r"\b(Mr|Mrs|Ms|Miss|Mx|Dr)\.? [A-Z][a-z]+")),
)
LABELS = {
    "email": "an email address",
    "phone": "a phone number",
    "medical_record_number": "a medical record number",
    "date_of_birth": "a date of birth",
    "titled_name": "a name with a title (Mr., Mrs., Dr. …)",
}


def identifier_flags(*texts: str) -> list[str]:
    """The kinds of identifier the texts seem to hold, in a fixed order (no duplicates)."""
    joined = "\n".join(t for t in texts if t)
    return [flag for flag, pattern in PATTERNS if pattern.search(joined)]
