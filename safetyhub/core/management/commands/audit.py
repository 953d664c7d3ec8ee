from django.core.management.base import BaseCommand, CommandError

from ...audit import verify_chains


class Command(BaseCommand):
    help = "Audit trail tools. `audit verify` recomputes every hash chain and reports the " \
           "first broken link of each (exit status 1 if any)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--chain", action="append", help="only this chain (org:<id>, platform)")

    def handle(self, *args, action: str, chain=None, **options):
        reports = verify_chains(chain)
        broken = [r for r in reports if not r.ok]
        for report in reports:
            status = "ok" if report.ok else "BROKEN"
            self.stdout.write(f"{report.chain}: {report.entries} entries checked, {status}")
            for problem in report.problems:
                self.stdout.write(f"  {problem}")
        if broken:
            raise CommandError(f"audit trail broken in {len(broken)} chain(s); first link: "
                               f"{broken[0].problems[0]}")
        self.stdout.write(self.style.SUCCESS(f"audit trail intact ({len(reports)} chains)"))
