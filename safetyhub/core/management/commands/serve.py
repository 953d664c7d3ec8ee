import os
import sys

from django.core.management.base import BaseCommand


def default_workers() -> int:
    """WEB_CONCURRENCY, else one sync worker per core plus one (a request waiting on the
    database leaves its core to another). Measured with bench/autosave.py on two cores: more
    workers than that only add contention (autosave p95 ~31 ms with 3, ~44 ms with 5)."""
    return int(os.environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) + 1)


class Command(BaseCommand):
    help = "Serve SafetyHub with gunicorn (a production WSGI server)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument("--worker-class", default="",
                            help="gunicorn worker class, e.g. gthread (default: sync)")
        parser.add_argument("--threads", type=int, default=0,
                            help="threads per worker, for gthread (default: gunicorn's)")

    def handle(self, *args, bind: str, workers: int, worker_class: str, threads: int,
               **options):
        argv = [
            sys.executable, "-m", "gunicorn", "safetyhub.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--access-logfile", "-",
            "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        if worker_class:
            argv += ["--worker-class", worker_class]
        if threads:
            argv += ["--threads", str(threads)]
        self.stdout.write(f"Serving SafetyHub on http://{bind}/ (Ctrl-C stops)")
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - fixed argv, no shell
