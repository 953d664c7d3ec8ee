from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...builtin import builtin_pack_files
from ...loader import PackInvalid, item_ids, load_packs, parse_pack, read_files


class Command(BaseCommand):
    help = "Content packs. `packs validate FILE…` checks pack files (against the shipped " \
           "packs they may link to); `packs list` lists the shipped packs; `packs sync` " \
           "loads the shipped packs into the database."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["validate", "list", "sync"])
        parser.add_argument("files", nargs="*", type=Path)

    def handle(self, *args, action: str, files: list[Path], **options):
        if action == "validate":
            self.validate(files)
        elif action == "list":
            self.list_packs()
        else:
            from ...services import sync_builtin_packs

            for line in sync_builtin_packs():
                self.stdout.write(line)

    def validate(self, files: list[Path]) -> None:
        if not files:
            raise CommandError("name one or more pack files")
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        sources = read_files(files)
        given = {f.resolve() for f in files}
        # The shipped packs these files may link to, read leniently: a shipped pack that is
        # itself broken is reported when it is validated, not here.
        known = {}
        for path in builtin_pack_files():
            if path.resolve() not in given:
                pack, _errors = parse_pack(path.read_text(encoding="utf-8"), file=str(path))
                if pack is not None:
                    known[pack.id] = item_ids(pack)
        try:
            loaded = load_packs(sources, known=known)
        except PackInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} problem(s) found") from None
        for lp in loaded:
            pack = lp.pack
            self.stdout.write(f"{lp.file}: {pack.id} {pack.version} ({pack.kind}) is valid")

    def list_packs(self) -> None:
        from ...builtin import builtin_packs

        for lp in builtin_packs():
            items = sum(len(s.items) for s in lp.pack.sections)
            self.stdout.write(
                f"{lp.pack.id:<22} {lp.pack.version:<6} {lp.pack.kind:<12} {items:>3} items  "
                f"{len(lp.pack.tactics):>3} tactics  {len(lp.pack.links):>3} links  "
                f"{lp.pack.title.text}"
            )
