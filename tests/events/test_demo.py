"""Demo events: two years across Riverside General's units, the planted shift that the
signal watch finds, one serious event just reported; loading twice adds nothing."""

import datetime as dt

from django.utils import timezone

from safetyhub.core.demo import load_demo_data
from safetyhub.core.models import Organization
from safetyhub.events.models import EventReport, PatientDays
from safetyhub.events.signal_watch import watch
from safetyhub.events.taxonomy import active_taxonomy_pack, taxonomy_of


def test_demo_events_show_the_watch_at_work(db):
    load_demo_data()
    org = Organization.objects.get(slug="riverside-general")
    reports = EventReport.objects.filter(organization=org)
    count = reports.count()
    assert count > 24 * 20  # two years, some 40 reports a month
    oldest = reports.order_by("occurred_at").first().occurred_at
    assert oldest.date() < timezone.localdate() - dt.timedelta(days=700)
    assert PatientDays.objects.filter(organization=org).exists()
    serious = reports.filter(harm_level="severe",
                             occurred_at__gte=timezone.now() - dt.timedelta(days=2))
    assert serious.count() == 1 and serious.get().status == "new"
    result = watch(organization=org,
                   taxonomy=taxonomy_of(active_taxonomy_pack(organization=org)))
    found = {(s.unit, s.category): s for s in result.signals}
    assert ("Medical-Surgical Unit 4 West", "fall") in found
    assert found[("Medical-Surgical Unit 4 West", "fall")].chart == "u"
    assert found[("Medical-Surgical Unit 4 West", "fall")].signal.side == "above"
    load_demo_data()
    assert reports.count() == count
