import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from ...demo import DEMO_PASSWORD, load_demo_data


class Command(BaseCommand):
    help = "Set up the local database with demo data and serve SafetyHub on 127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="set up only")
        parser.add_argument("--bind", default="127.0.0.1:8000")

    def handle(self, *args, no_serve: bool, bind: str, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        people = load_demo_data()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with any of these "
                                             f"(password for all: {DEMO_PASSWORD}):"))
        for email, description in people:
            self.stdout.write(f"  {email:<34} {description}")
        if not no_serve:
            # The task worker runs beside the web server; Ctrl-C stops both (one process
            # group).
            subprocess.Popen([sys.executable, "-m", "safetyhub.cli", "worker"])
            call_command("serve", bind=bind, workers=2)
