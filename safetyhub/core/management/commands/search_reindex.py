"""`safetyhub search_reindex [KIND …]`: rebuild the search index from the records (after
loading data without signals, e.g. `loaddata`, or to repair it). Safe to run at any time."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from safetyhub.core import search


class Command(BaseCommand):
    help = "Rebuild the search index (all kinds, or those named)."

    def add_arguments(self, parser):
        parser.add_argument("kinds", nargs="*", metavar="KIND",
                            help="kinds to rebuild: " + ", ".join(
                                s.key for s in search.sources()))

    def handle(self, *args, kinds: list[str], **options):
        known = {s.key for s in search.sources()}
        unknown = [k for k in kinds if k not in known]
        if unknown:
            raise CommandError(f"kind: unknown {', '.join(unknown)} "
                               f"(known: {', '.join(sorted(known))})")
        with transaction.atomic():  # searches see the old index until the new one is whole
            counts = search.reindex(keys=kinds or None)
        for key, count in counts.items():
            self.stdout.write(f"{key}: {count} indexed")
