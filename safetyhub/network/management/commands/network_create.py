"""`safetyhub network-create`: an operator starts a network and names its first lead (any
active account, e.g. a Patient Safety Organization's staff who belong to no hospital)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from safetyhub.core import audit
from safetyhub.core.models import User

from ...models import Network
from ...services import start_network


class Command(BaseCommand):
    help = "Start a learning network with a first lead (an existing account)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--lead", required=True, help="email of the first lead's account")
        parser.add_argument("--slug", default="")
        parser.add_argument("--kind", default=Network.Kind.REGIONAL,
                            choices=Network.Kind.values)
        parser.add_argument("--description", default="")

    def handle(self, *args, name: str, lead: str, slug: str, kind: str, description: str,
               **options):
        user = User.objects.filter(email__iexact=lead.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"--lead: no active account uses {lead}.")
        try:
            with audit.acting_as(label="network-create command"):
                network = start_network(name=name, slug=slug, kind=kind,
                                        description=description, lead=user)
        except ValidationError as exc:
            raise CommandError("; ".join(f"--{field}: {' '.join(errors)}"
                                         for field, errors in exc.message_dict.items())
                               ) from None
        self.stdout.write(f"Started {network.name} (/n/{network.slug}/), led by {user.email}.")
