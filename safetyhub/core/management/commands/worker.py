"""`safetyhub worker`: the background worker. It runs queued tasks (django-tasks-db's
worker) and, between them, the daily jobs (core/daily_jobs.py), so nothing needs cron.

Each turn it runs any daily job due and not yet claimed by another worker (checked at most
once a minute), then drains the task queue, then waits `--interval` seconds. With `--batch`
it does one turn and exits (handy in tests and for a one-off catch-up)."""

import logging
import os
import random
import time

from django.core.management.base import CommandError
from django.db import close_old_connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from safetyhub.core.daily_jobs import run_due_jobs

log = logging.getLogger("safetyhub.core.worker")

DAILY_CHECK_SECONDS = 60


class _QuietBatches(logging.Filter):
    """The library's worker says "no more tasks, exiting" each time its queue is drained;
    this worker drains it every turn, so that line is noise here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("No more tasks to run", "Starting worker"))


class Worker(db_worker.Worker):
    def __init__(self, *, once: bool, **kwargs):
        # The library's loop runs in batch mode (drain the queue, return); this loop around
        # it adds the daily jobs and the waiting.
        super().__init__(batch=True, **kwargs)
        self.once = once

    def run_daily_jobs(self) -> None:
        self.running_task = True  # a stop signal waits for the jobs to finish
        try:
            close_old_connections()
            ran = run_due_jobs()
            if ran:
                log.info("daily jobs run", extra={"jobs": ran})
        except Exception:
            log.exception("daily jobs could not be checked")  # e.g. the database is away
        finally:
            self.running_task = False

    def run(self) -> None:
        log.info("worker started", extra={"worker_id": self.worker_id})
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spread workers started together
            self.startup_delay = False
        next_check = 0.0
        while self.running:
            if time.monotonic() >= next_check:
                self.run_daily_jobs()
                next_check = time.monotonic() + DAILY_CHECK_SECONDS
            super().run()
            done = self.max_tasks is not None and self._run_tasks >= self.max_tasks
            if self.once or done or not self.running:
                return
            time.sleep(self.interval)


class Command(db_worker.Command):
    help = "Run queued background tasks and the daily jobs (reminders, overdue checks)."

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        logging.getLogger("django_tasks_db").addFilter(_QuietBatches())

    def handle(self, *, verbosity: int, queue_name: str, interval: float, batch: bool,
               backend_name: str, startup_delay: bool, reload: bool, max_tasks: int | None,
               worker_id: str, exclude_queues: str, **options) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(once=batch, queue_names=queue_names, interval=interval,
                        backend_name=backend_name, startup_delay=startup_delay,
                        max_tasks=max_tasks, worker_id=worker_id,
                        excluded_queue_names=excluded)
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
