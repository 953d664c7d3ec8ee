"""The four foundational areas of "Safer Together: A National Action Plan to Advance Patient
Safety" (NSC, 2020), used to lay out navigation. Titles are as published; the framework
registry holds the full content."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    slug: str
    title: str  # official title
    summary: str  # project's own wording


FOUNDATIONAL_AREAS = (
    Area("culture", "Culture, Leadership, and Governance",
         "Leaders make safety a core value and hold the organization accountable for it."),
    Area("patient-family-engagement", "Patient and Family Engagement",
         "Patients, families and care partners take part in care and in safety work."),
    Area("workforce-safety", "Workforce Safety",
         "The people who give care are kept physically and psychologically safe."),
    Area("learning-system", "Learning System",
         "The organization learns from events and data, and shares what it learns."),
)

AREAS_BY_SLUG = {area.slug: area for area in FOUNDATIONAL_AREAS}
