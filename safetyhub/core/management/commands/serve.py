import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve SafetyHub with gunicorn (a production WSGI server)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int,
                            default=int(os.environ.get("WEB_CONCURRENCY", "3")))

    def handle(self, *args, bind: str, workers: int, **options):
        argv = [
            sys.executable, "-m", "gunicorn", "safetyhub.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--access-logfile", "-",
            "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        self.stdout.write(f"Serving SafetyHub on http://{bind}/ (Ctrl-C stops)")
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - fixed argv, no shell
