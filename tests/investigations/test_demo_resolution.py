"""Demo communication and support: the closed harm event has a disclosure with an apology, a
follow-up, an answered question, a waived bill and peer support offered and accepted; the
demo has a support coordinator; loading twice adds nothing."""

import datetime as dt

from safetyhub.core.demo import load_demo_data
from safetyhub.core.models import Organization, Role
from safetyhub.investigations.demo import demo_closed_harm_event
from safetyhub.investigations.demo_resolution import SUPPORTED_STAFF
from safetyhub.investigations.models_resolution import (
    ResolutionContact,
    ResolutionRecord,
    SupportOffer,
)
from safetyhub.investigations.resolution_measures import program_measures


def test_demo_disclosure_and_support_on_the_closed_harm_event(db):
    load_demo_data()
    org = Organization.objects.get(slug="riverside-general")
    assert org.memberships.filter(role=Role.SUPPORT_COORDINATOR).exists()
    event = demo_closed_harm_event(org)
    record = ResolutionRecord.objects.get(report=event)
    kinds = [(c.kind, c.apology_given) for c in record.contacts.all()]
    assert kinds == [("disclosure", True), ("follow_up", False)]
    assert record.resolution_offered == "bill_waiver"
    assert record.questions.get().answer
    offer = SupportOffer.objects.get(report=event)
    assert offer.staff_name == SUPPORTED_STAFF and offer.response == "accepted"
    occurred = event.occurred_at.date()
    figures = program_measures(org, occurred, occurred + dt.timedelta(days=5)).total
    assert figures.disclosed >= 1 and figures.support_accepted == 1
    counts = (ResolutionContact.objects.count(), SupportOffer.objects.count())
    load_demo_data()
    assert (ResolutionContact.objects.count(), SupportOffer.objects.count()) == counts
