from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError

from ... import checkpoints
from ...audit import verify_chains


class Command(BaseCommand):
    help = (
        "Audit trail tools. `audit verify` recomputes every keyed hash chain, checks the "
        "signed checkpoints, and reports the first broken link of each (exit status 1 if "
        "any). `audit checkpoint` appends the signed head of every chain to a file and/or "
        "mails it, to be kept outside the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "checkpoint"])
        parser.add_argument("--chain", action="append",
                            help="verify: only this chain (org:<id>, platform)")
        parser.add_argument(
            "--file", type=Path,
            help="checkpoint: append to this file; verify: check against it "
                 "(default: AUDIT_CHECKPOINT_FILE)")
        parser.add_argument("--mail", action="append", default=[], metavar="ADDRESS",
                            help="checkpoint: also mail the lines to this address")

    def handle(self, *args, action: str, chain=None, file=None, mail=(), **options):
        file = file or (Path(settings.AUDIT_CHECKPOINT_FILE)
                        if settings.AUDIT_CHECKPOINT_FILE else None)
        if action == "checkpoint":
            self.checkpoint(file, list(mail))
        else:
            self.verify(chain, file)

    def checkpoint(self, file: Path | None, mail: list[str]) -> None:
        if file is None and not mail:
            raise CommandError("say where the checkpoint goes: --file PATH (or set "
                               "AUDIT_CHECKPOINT_FILE) and/or --mail ADDRESS")
        try:
            lines = checkpoints.take_checkpoint()
        except checkpoints.ChainsBroken as exc:
            raise CommandError(f"not signing a broken trail: {exc}") from None
        text = "".join(f"{line}\n" for line in lines)
        if file is not None:
            with open(file, "a", encoding="utf-8") as out:
                out.write(text)
            self.stdout.write(f"{len(lines)} chain heads appended to {file}")
        if mail:
            # Sent now, not through the task queue: the queue lives in the database.
            send_mail(subject="SafetyHub audit checkpoint", message=text, from_email=None,
                      recipient_list=mail)
            self.stdout.write(f"{len(lines)} chain heads mailed to {', '.join(mail)}")

    def verify(self, chain: list[str] | None, file: Path | None) -> None:
        reports = verify_chains(chain)
        problems = [problem for report in reports for problem in report.problems]
        for report in reports:
            status = "ok" if report.ok else "BROKEN"
            self.stdout.write(f"{report.chain}: {report.entries} entries checked, {status}")
            for problem in report.problems:
                self.stdout.write(f"  {problem}")
        if file is not None:
            try:
                lines = file.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise CommandError(f"cannot read the checkpoint file {file}: "
                                   f"{exc.strerror}") from None
            checked, found = checkpoints.verify_against(lines, chains=chain)
            self.stdout.write(f"{file}: {checked} checkpoints checked, "
                              f"{'ok' if not found else 'BROKEN'}")
            for problem in found:
                self.stdout.write(f"  {problem}")
            problems += found
        else:
            self.stdout.write("no checkpoint file given: a removed tail of the newest "
                              "entries can only be caught against checkpoints")
        if problems:
            raise CommandError(f"audit trail broken ({len(problems)} problem(s)); first: "
                               f"{problems[0]}")
        self.stdout.write(self.style.SUCCESS(f"audit trail intact ({len(reports)} chains)"))
