"""What the self-assessments show for the PSSM readiness view (core/platform_evidence.py):
organization-wide self-assessment cycles finalized in the 12 months that end today. One
site's assessment is not a system-wide one, and the attestation itself is not counted."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from safetyhub.core.models import Organization
from safetyhub.core.platform_evidence import Figure, period_words, year_before

from .models import Assessment

CYCLES_KEY = "assessments.cycles_finalized"


def figures(*, organization: Organization, today: dt.date) -> list[Figure]:
    start = year_before(today)
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    done = (Assessment.objects.filter(organization=organization, site=None,
                                      status=Assessment.Status.FINALIZED)
            .exclude(pack__kind="attestation")
            .aggregate(total=Count("pk"), recent=Count("pk", filter=Q(finalized_at__gte=since)),
                       latest=Max("finalized_at")))
    if done["total"]:
        latest = timezone.localtime(done["latest"]).date()
        value = (f"{done['recent']} in these 12 months ({done['total']} in all; the latest "
                 f"finalized {latest:%-d %b %Y})")
    else:
        value = "None finalized yet"
    return [Figure(key=CYCLES_KEY,
                   label="Organization-wide self-assessment cycles finalized",
                   value=value, period=period_words(start, today),
                   link=reverse("assessments:list", args=[organization.slug]),
                   link_text="Self-assessments")]
