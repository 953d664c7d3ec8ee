"""Demo investigations: the closed harm event the demo's disclosure, support and actions
belong to is made once, reviewed and closed with its message to the reporter."""

from safetyhub.core.demo import load_demo_data
from safetyhub.core.models import Organization
from safetyhub.events.models import EventReport
from safetyhub.investigations.demo import (
    CLOSING_MESSAGE,
    demo_closed_harm_event,
    demo_serious_event,
)


def test_demo_has_a_closed_harm_event_and_the_serious_event(db):
    load_demo_data()
    org = Organization.objects.get(slug="riverside-general")
    closed = demo_closed_harm_event(org)
    assert closed.status == EventReport.Status.CLOSED
    assert closed.harm_level == "moderate"
    assert closed.triage.closing_message == CLOSING_MESSAGE
    assert demo_serious_event(org).harm_level == "severe"
    count = EventReport.objects.filter(organization=org).count()
    load_demo_data()
    assert EventReport.objects.filter(organization=org).count() == count
    assert demo_closed_harm_event(org).pk == closed.pk
