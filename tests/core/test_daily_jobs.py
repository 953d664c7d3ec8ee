"""Daily jobs (core/daily_jobs.py) run by the worker itself: once a day from the configured
hour, once only however many workers ask, a failing job recorded without stopping the
others. The clock is passed in; nothing sleeps."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connections
from django.test import override_settings

from safetyhub.core import daily_jobs
from safetyhub.core.models import DailyJobRun, Notification
from safetyhub.improvement import services as plan

UTC = dt.UTC
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def at(day: int, hour: int = 7) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 5, tzinfo=UTC)


@pytest.fixture
def calls():
    """A job that counts its runs, and one that fails."""
    seen: list[dt.date] = []
    lock = threading.Lock()

    def count(*, today):
        with lock:
            seen.append(today)
        return len(seen)

    def explode(*, today):
        raise RuntimeError("mail server away")

    daily_jobs.register_daily_job("tests.count", count)
    daily_jobs.register_daily_job("tests.explode", explode)
    yield seen
    daily_jobs._jobs.pop("tests.count")
    daily_jobs._jobs.pop("tests.explode")


@override_settings(DAILY_JOBS_HOUR=6)
def test_jobs_run_once_a_day_from_the_configured_hour(db, calls):
    assert daily_jobs.run_due_jobs(now=at(2, hour=5)) == []
    ran = daily_jobs.run_due_jobs(now=at(2, hour=6))
    assert {"tests.count", "assessments.reminders", "improvement.overdue_initiatives",
            "improvement.measures_data_due"} <= set(ran)
    assert daily_jobs.run_due_jobs(now=at(2, hour=23)) == []
    daily_jobs.run_due_jobs(now=at(3))
    assert calls == [dt.date(2026, 3, 2), dt.date(2026, 3, 3)]
    run = DailyJobRun.objects.get(key="tests.count", day=dt.date(2026, 3, 2))
    assert (run.outcome, run.failed, run.finished_at is not None) == ("1", False, True)


def test_a_failing_job_is_recorded_and_the_others_still_run(db, calls):
    daily_jobs.run_due_jobs(now=at(2))
    failed = DailyJobRun.objects.get(key="tests.explode")
    assert failed.failed and "mail server away" in failed.outcome
    assert calls == [dt.date(2026, 3, 2)]
    daily_jobs.run_due_jobs(now=at(2, hour=8))  # not retried the same day
    assert DailyJobRun.objects.filter(key="tests.explode").count() == 1


def test_registering_another_function_under_a_taken_key_is_refused(calls):
    with pytest.raises(ValueError, match="already registered"):
        daily_jobs.register_daily_job("tests.count", lambda *, today: None)


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_moment_run_each_job_once(calls):
    barrier = threading.Barrier(2)
    ran: list[list[str]] = []

    def worker():
        try:
            barrier.wait()
            ran.append(daily_jobs.run_due_jobs(now=at(2)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [dt.date(2026, 3, 2)]
    everything = sorted(ran[0] + ran[1])
    assert everything == sorted(set(everything)), "a job ran in both workers"
    assert set(everything) == set(daily_jobs.registered_jobs())


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_daily_jobs_and_sends_their_email_without_cron(org, owner,
                                                                           member):
    initiative = plan.create_initiative(organization=org, by=owner, title="Falls bundle",
                                        owner=member, due_on=dt.date(2020, 1, 31))
    mail.outbox.clear()
    Notification.objects.all().delete()
    with override_settings(TASKS=DATABASE_QUEUE, DAILY_JOBS_HOUR=0):
        call_command("worker", batch=True, no_startup_delay=True, verbosity=0)
        call_command("worker", batch=True, no_startup_delay=True, verbosity=0)
    note = Notification.objects.get(kind="improvement.overdue")
    assert (note.recipient, note.link) == (member, f"/o/riverside/plan/{initiative.pk}/")
    assert [m.to for m in mail.outbox] == [["member@example.org"]]
    assert "overdue" in mail.outbox[0].subject


@pytest.mark.parametrize("hour", [24, -1])
def test_an_hour_that_is_not_one_fails_the_system_check(hour):
    from safetyhub.core.checks import daily_jobs_hour

    with override_settings(DAILY_JOBS_HOUR=hour):
        errors = daily_jobs_hour(None)
    assert [e.id for e in errors] == ["safetyhub.E002"]
    assert "DAILY_JOBS_HOUR" in errors[0].msg
    assert daily_jobs_hour(None) == []
