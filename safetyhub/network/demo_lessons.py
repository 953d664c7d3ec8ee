"""Demo lessons (registered after the members part's demo): published lessons in the demo
network, drafted through the same services as the pages (so each went through the
de-identification review and an approval), one from the demo's closed fall, one from its
aggregate review when there is one, and two of Lakeshore's own. Loading twice adds nothing."""

from __future__ import annotations

from safetyhub.core.models import Organization, Role

from . import lessons
from .demo import demo_network
from .models_lessons import PublishedLesson

# The members part's demo network (network/demo.py on its branch), made here too if absent.
# SafetyHub's own demo text (fictional), written in the voice of a member's lesson.
LAKESHORE_LESSONS = [
    {"title": "Falls at night after sedatives on the birthing unit",
     "what_happened": "A mother was found on the floor of her room at 03:00 on 12 March, after "
                      "a sleeping tablet. Nurse Jenna Ortiz heard the fall; call 555-201-3344 "
                      "reached the rapid response team.",
     "contributing_factors": "- Sedatives given at night without a falls check\n"
                             "- Bed alarms switched off by default",
     "actions": [{"description": "Bed alarms stay on for everyone at high risk of falling",
                  "strength": "stronger"},
                 {"description": "Pharmacy reviews every sedative ordered at night",
                  "strength": "intermediate"}],
     "results": "Falls with injury on the unit went from four a quarter to one.",
     "category": "fall"},
    {"title": "Look-alike insulin pens stored side by side",
     "what_happened": "Two insulin pens with similar labels were kept in the same drawer; a "
                      "rapid-acting pen was given instead of a long-acting one.",
     "contributing_factors": "- Look-alike packaging\n- One drawer for both",
     "actions": [{"description": "Separate drawers with coloured dividers for rapid- and "
                                 "long-acting insulin", "strength": "intermediate"},
                 {"description": "Barcode scanning before every insulin dose",
                  "strength": "stronger"}],
     "results": "No insulin mix-up reported in the six months since.",
     "category": "medication"},
]


def register() -> None:
    from safetyhub.core import demo

    demo.register_demo_loader(load_lessons_demo)



def _lead(org: Organization):
    membership = (org.memberships.filter(role__in=[Role.SAFETY_LEAD, Role.ORG_ADMIN],
                                         is_active=True)
                  .order_by("role").select_related("user").first())
    return membership.user if membership else None


def _publish(draft, network, by) -> None:
    lessons.approve(draft=draft, by=by)
    lessons.publish_lesson(draft=draft, network=network, by=by)


def load_lessons_demo() -> None:
    from safetyhub.investigations.demo import demo_closed_harm_event
    from safetyhub.investigations.models import Review

    network = demo_network()
    riverside = Organization.objects.filter(slug="riverside-general").first()
    lakeshore = Organization.objects.filter(slug="lakeshore").first()
    if riverside and not PublishedLesson.objects.filter(network=network,
                                                        owner=riverside).exists():
        lead = _lead(riverside)
        event = demo_closed_harm_event(riverside)
        if lead and event:
            draft = lessons.create_draft(organization=riverside, by=lead, source="event",
                                         source_pk=event.pk)
            lessons.update_draft(draft=draft, by=lead,
                                 title="A fall at night after a sedative, with the bed alarm "
                                       "off")
            _publish(draft, network, lead)
        review = Review.objects.filter(organization=riverside, kind="aggregate").first()
        if lead and review:
            draft = lessons.create_draft(organization=riverside, by=lead, source="aggregate",
                                         source_pk=review.pk)
            _publish(draft, network, lead)
    if lakeshore and not PublishedLesson.objects.filter(network=network,
                                                        owner=lakeshore).exists():
        lead = _lead(lakeshore)
        for text in LAKESHORE_LESSONS if lead else []:
            draft = lessons.create_draft(organization=lakeshore, by=lead)
            lessons.update_draft(draft=draft, by=lead, **text)
            _publish(draft, network, lead)
