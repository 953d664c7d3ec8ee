"""`safetyhub spc FILE.csv --chart u …`: the SPC engine's command line as a management
command. Arguments are handed unparsed to :func:`safetyhub.spc.cli.main`, which owns the
options, the CSV output and the exit status (2 on bad input)."""

import argparse
import sys

from django.core.management.base import BaseCommand, CommandError

from safetyhub.spc.cli import main


class Command(BaseCommand):
    help = "Compute a run or control chart from a CSV file (see `safetyhub spc --help`)."

    def run_from_argv(self, argv):
        # argv is [program, "spc", …]: skip Django's option parsing and system checks.
        status = main(argv[2:])
        if status:
            sys.exit(status)

    def add_arguments(self, parser):
        parser.add_argument("args", nargs=argparse.REMAINDER)

    def handle(self, *args, **options):  # call_command("spc", "file.csv", "--chart", "u")
        status = main(list(args), stdout=self.stdout, stderr=self.stderr)
        if status:
            raise CommandError(f"spc failed with exit status {status}", returncode=status)
