"""Background tasks of assessments, run by `safetyhub worker` (django.tasks, database queue)."""

from django.tasks import task
from django.utils import timezone

from .reminders import send_due_reminders


@task()
def send_reminders_task() -> int:
    """Queue today's assessment reminders (see `reminders.py`); safe to run more than once a
    day. Returns how many emails were queued."""
    return send_due_reminders(today=timezone.localdate())
