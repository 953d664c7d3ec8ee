"""Jobs that run once a day, started by the worker itself (`safetyhub worker`): no cron or
systemd timer to set up.

Domain apps register their jobs from `apps.py` `ready()`:

    daily_jobs.register_daily_job("assessments.reminders", send_due_reminders)

A job is a function taking `today` (a date, keyword-only) and returning what it did (a
count, or None). `run_due_jobs(now=…)` runs each registered job at most once per day, from
settings.DAILY_JOBS_HOUR (local time) on: the first caller inserts the job's DailyJobRun row
for that day (unique key and day) in its own transaction, and only that caller runs it, so
several workers, or a worker restarted mid-day, never run a job twice. A job that fails is
logged and kept as failed for that day; it runs again the next day. The jobs themselves
are written to catch up: each day they look at the state of things (what is overdue, which
data is missing), not only at what happened that day.
"""

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import audit
from .models import DailyJobRun

log = logging.getLogger("safetyhub.core.daily_jobs")

Job = Callable[..., object]
_jobs: dict[str, Job] = {}


def register_daily_job(key: str, func: Job) -> None:
    """Run `func(today=…)` once a day (register once, from an app's `ready()`)."""
    if key in _jobs and _jobs[key] is not func:
        raise ValueError(f"daily job {key!r} is already registered")
    _jobs[key] = func


def registered_jobs() -> list[str]:
    return sorted(_jobs)


def _claim(key: str, day: dt.date, now: dt.datetime) -> DailyJobRun | None:
    try:
        with transaction.atomic():
            return DailyJobRun.objects.create(key=key, day=day, started_at=now)
    except IntegrityError:
        return None  # another worker has it


def run_due_jobs(*, now: dt.datetime | None = None) -> list[str]:
    """Run today's jobs not yet run (or being run) by anyone; returns the keys run here.
    `now` is the clock (tests pass their own)."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < settings.DAILY_JOBS_HOUR:
        return []
    today = local.date()
    taken = set(DailyJobRun.objects.filter(day=today).values_list("key", flat=True))
    ran = []
    for key in sorted(set(_jobs) - taken):
        run = _claim(key, today, now)
        if run is None:
            continue
        try:
            with audit.acting_as(label=f"task:{key}"):
                result = _jobs[key](today=today)
        except Exception as exc:  # one failing job must not stop the others
            log.exception("daily job failed", extra={"job": key, "day": today.isoformat()})
            run.failed = True
            run.outcome = f"{type(exc).__name__}: {exc}"[:500]
        else:
            run.outcome = "" if result is None else str(result)[:500]
        run.finished_at = timezone.now()
        run.save(update_fields=["failed", "outcome", "finished_at"])
        ran.append(key)
    return ran
