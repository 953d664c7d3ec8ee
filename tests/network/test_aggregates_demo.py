"""The demo's generated member hospitals: the dashboard shows some cells and hides others,
every generated name says it is generated, and loading twice adds nothing."""

from safetyhub.core.models import Organization
from safetyhub.network import aggregates
from safetyhub.network.demo import NETWORK_SLUG, load_network_demo
from safetyhub.network.demo_aggregates import GENERATED, load_aggregates_demo
from safetyhub.network.models import EventRollup, Network
from safetyhub.network.suppression import Reason


def test_the_demo_dashboard_shows_and_hides_cells(db):
    load_network_demo()  # the network the generated members join (its loader runs first)
    load_aggregates_demo()
    network = Network.objects.get(slug=NETWORK_SLUG)
    generated = Organization.objects.filter(slug__startswith="generated-member-")
    assert generated.count() == GENERATED
    assert all(o.name.startswith("Generated demo member") for o in generated)
    dash = aggregates.dashboard(network=network)
    cells = list(dash.events.cells.values())
    assert any(c.value for c in cells)
    reasons = {c.reason for c in cells if c.value is None}
    assert Reason.ORGANIZATIONS in reasons
    assert Reason.EVENTS in reasons or Reason.COMPLEMENTARY in reasons
    assert dash.actions.total.value
    rows = EventRollup.objects.count()
    load_aggregates_demo()
    assert EventRollup.objects.count() == rows
    assert generated.count() == GENERATED
