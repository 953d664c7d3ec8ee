import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safetyhub.assessments.reminders import send_due_reminders
from safetyhub.assessments.tasks import send_reminders_task


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date: {value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = ("Email today's assessment reminders and window-closed notices (run once a day; "
            "running it again sends nothing twice).")

    def add_arguments(self, parser):
        parser.add_argument("--date", type=iso_date, default=None,
                            help="act as if today were this date (YYYY-MM-DD), e.g. to catch "
                                 "up a day the timer missed")
        parser.add_argument("--enqueue", action="store_true",
                            help="queue the work for `safetyhub worker` instead of doing it "
                                 "now (today only)")

    def handle(self, *args, date: dt.date | None, enqueue: bool, **options):
        if enqueue:
            if date is not None:
                raise CommandError("--enqueue runs for today; leave out --date.")
            result = send_reminders_task.enqueue()
            self.stdout.write(f"Queued the reminders task ({result.id}).")
            return
        today = date or timezone.localdate()
        count = send_due_reminders(today=today)
        self.stdout.write(f"{today.isoformat()}: queued {count} email(s).")
