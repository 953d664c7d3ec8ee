"""Demo data: a regional learning network with the demo organizations as members and a lead
who belongs to no organization. Loading twice changes nothing. The other parts (lessons,
aggregates, goals) add their demo data to this network by its slug."""

from safetyhub.core.demo import DEMO_PASSWORD
from safetyhub.core.models import Organization, User

from .models import Network, NetworkLead, NetworkMember

NETWORK_SLUG = "valley-collaborative"
NETWORK_NAME = "Valley Patient Safety Collaborative"
LEAD_EMAIL = "lead@valley-network.example"
MEMBER_SLUGS = ("riverside-general", "riverside-childrens", "lakeshore")


def load_network_demo() -> list[tuple[str, str]]:
    lead = User.objects.filter(email=LEAD_EMAIL).first()
    if lead is None:
        lead = User.objects.create_user(LEAD_EMAIL, DEMO_PASSWORD, full_name="Val Network-Lead")
    network, _ = Network.objects.get_or_create(slug=NETWORK_SLUG, defaults={
        "name": NETWORK_NAME, "kind": Network.Kind.REGIONAL, "created_by": lead,
        "description": "A demo regional collaborative: its member hospitals share lessons "
                       "with names and dates taken out, figures that never single one out, "
                       "and shared goals. (Demo text written by the SafetyHub project.)"})
    NetworkLead.objects.get_or_create(network=network, user=lead, defaults={"added_by": lead})
    already = set(NetworkMember.objects.filter(network=network, left_at__isnull=True)
                  .values_list("organization__slug", flat=True))
    # Riverside General and Lakeshore share every stream; Children's has not chosen yet.
    NetworkMember.objects.bulk_create([
        NetworkMember(network=network, organization=org,
                      shares_assessment_scores=org.slug != "riverside-childrens",
                      shares_event_counts=org.slug != "riverside-childrens",
                      shares_action_strength=org.slug != "riverside-childrens")
        for org in Organization.objects.filter(slug__in=MEMBER_SLUGS).exclude(slug__in=already)
    ])
    return [(LEAD_EMAIL, f"Lead of {NETWORK_NAME} (a learning network), in no organization")]


def demo_network() -> Network:
    """The demo network (made by `load_network_demo`, which runs before the other parts')."""
    return Network.objects.get(slug=NETWORK_SLUG)
