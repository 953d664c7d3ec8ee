"""Reminders for assessment teams, run once a day (`safetyhub send_reminders`, or the task
`send_reminders_task`).

- On each configured day N of an open assessment's window (`Assessment.reminder_days`; day 1
  is `opens_on`), every active team member who has not said their own scoring is done
  (`TeamMember.finished_at` empty) is emailed a link to their answer sheet.
- On or after `closes_on`, the assessment's lead(s) are emailed once that the window has
  closed, with who has and has not finished (`Assessment.lead_notified_at`).

Each email is sent once only, however often (or however concurrently) this runs: the
`Reminder` row (unique per assessment, person and day) and the queued email are written in one
transaction, and the lead notification locks its assessment row. A day missed (the timer did
not run) is not caught up by itself; run `safetyhub send_reminders --date YYYY-MM-DD` for it.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from safetyhub.core import audit
from safetyhub.core.models import Membership
from safetyhub.core.tasks import send_email

from .models import Assessment, Reminder, TeamMember

log = logging.getLogger("safetyhub.assessments.reminders")

ACTOR = "task:send_reminders"


def window_day(assessment: Assessment, today: dt.date) -> int:
    """Which day of the window `today` is (day 1 = the day it opens)."""
    return (today - assessment.opens_on).days + 1


def _link(assessment: Assessment, name: str) -> str:
    path = reverse(f"assessments:{name}",
                   kwargs={"org_slug": assessment.organization.slug, "pk": assessment.pk})
    return settings.SITE_URL + path


def _subject(text: str) -> str:
    return " ".join(text.split())[:200]


def send_due_reminders(*, today: dt.date) -> int:
    """Queue today's reminder and window-closed emails; returns how many were queued."""
    with audit.acting_as(label=ACTOR):
        sent = 0
        candidates = (Assessment.objects.filter(status=Assessment.Status.OPEN,
                                                opens_on__lte=today)
                      .filter(Q(closes_on__gt=today) | Q(lead_notified_at=None))
                      .select_related("organization", "pack").order_by("pk"))
        for assessment in candidates:
            if today >= assessment.closes_on:
                if assessment.lead_notified_at is None:
                    sent += _notify_leads(assessment, today=today)
                continue
            day = window_day(assessment, today)
            if day in {int(d) for d in assessment.reminder_days or ()}:
                sent += _remind_members(assessment, day=day, today=today)
        if sent:
            log.info("reminders queued", extra={"count": sent, "date": today.isoformat()})
        return sent


def _active_team(assessment: Assessment):
    """Team members who may still take part: active accounts with an active membership."""
    active = Membership.objects.filter(organization_id=assessment.organization_id,
                                       is_active=True).values("user_id")
    return (TeamMember.objects.filter(assessment=assessment, user__is_active=True,
                                      user_id__in=active)
            .select_related("user").order_by("pk"))


def _remind_members(assessment: Assessment, *, day: int, today: dt.date) -> int:
    already = set(Reminder.objects.filter(assessment=assessment, day=day)
                  .values_list("user_id", flat=True))
    pending = [m for m in _active_team(assessment).filter(finished_at=None)
               if m.user_id not in already]
    if not pending:
        return 0
    url = _link(assessment, "answer")
    days_left = (assessment.closes_on - today).days
    sent = 0
    for member in pending:
        context = {"assessment": assessment, "member": member, "user": member.user,
                   "url": url, "day": day, "days_left": days_left,
                   "organization": assessment.organization}
        subject = _subject(render_to_string("assessments/email/reminder_subject.txt", context))
        body = render_to_string("assessments/email/reminder.txt", context)
        try:
            with transaction.atomic():
                Reminder.objects.create(assessment=assessment, user=member.user, day=day)
                send_email.enqueue(subject=subject, body=body, to=[member.user.email])
        except IntegrityError:
            continue  # another run sent this one a moment ago
        sent += 1
    return sent


def _notify_leads(assessment: Assessment, *, today: dt.date) -> int:
    with transaction.atomic():
        locked = (Assessment.objects.select_for_update()
                  .filter(pk=assessment.pk, status=Assessment.Status.OPEN,
                          lead_notified_at=None).first())
        if locked is None:
            return 0  # another run did it, or it was finalized meanwhile
        team = list(TeamMember.objects.filter(assessment=assessment).select_related("user")
                    .order_by("pk"))
        leads = [m.user for m in team
                 if m.role == TeamMember.Role.LEAD and m.user.is_active]
        locked.lead_notified_at = timezone.now()
        locked.save(update_fields=["lead_notified_at"])
        if not leads:
            log.warning("assessment has no active lead to notify",
                        extra={"assessment": assessment.pk})
            return 0
        context = {
            "assessment": assessment, "organization": assessment.organization,
            "finished": [m for m in team if m.finished_at is not None],
            "unfinished": [m for m in team if m.finished_at is None],
            "team_size": len(team), "url": _link(assessment, "detail"),
        }
        subject = _subject(render_to_string("assessments/email/window_closed_subject.txt",
                                            context))
        body = render_to_string("assessments/email/window_closed.txt", context)
        for lead in leads:
            send_email.enqueue(subject=subject, body=body, to=[lead.email])
        return len(leads)
