"""The network dashboard's figures (aggregates.py) from the rollups (rollups.py): only members
that share a stream count, a member that leaves drops out, small cells are hidden with their
reason, a person sees their own organization's figures beside the network's, and a lead or an
outsider sees no organization's figures."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from safetyhub.core.models import Role
from safetyhub.events.demo import bulk_reports
from safetyhub.network import aggregates, rollups
from safetyhub.network.models import AreaScoreRollup, EventRollup, NetworkMember
from safetyhub.network.suppression import Reason

from ..conftest import client_for
from ..factories import (
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    joined_days_ago,
    network_with,
)

LAST = rollups.last_complete_month()
YEAR = str(LAST.year)


def reports(organization, category: str, n: int, *, harm: str = "none", month=LAST):
    joined_days_ago(organization, 1200)
    tz = timezone.get_current_timezone()
    bulk_reports(organization=organization, rows=[
        {"occurred_at": dt.datetime.combine(month + dt.timedelta(days=i % 27), dt.time(10),
                                            tzinfo=tz),
         "category": category, "harm_level": harm} for i in range(n)])


@pytest.fixture
def hospitals(org):
    """Six member hospitals sharing their event counts: falls 4 each (24, shown); devices 3
    each (18); medication in two only (hidden: too few organizations)."""
    others = [OrganizationFactory(name=f"Hidden Name Hospital {i}", slug=f"hidden-{i}")
              for i in range(5)]
    everyone = [org, *others]
    for organization in everyone:
        reports(organization, "fall", 4)
        reports(organization, "device", 3)
    reports(org, "medication", 7, harm="moderate")
    reports(others[0], "medication", 7, harm="severe")
    return everyone


@pytest.fixture
def network(hospitals):
    lead = UserFactory(email="lead@example.org")
    network = network_with(*hospitals, lead=lead, slug="valley", name="Valley Network")
    NetworkMember.objects.filter(network=network).update(shares_event_counts=True)
    rollups.refresh_all()
    return network


def figures(network, **kwargs):
    return aggregates.dashboard(network=network, **kwargs)


def test_cells_from_enough_organizations_and_events_are_shown_others_hidden(network):
    dash = figures(network)
    cells = dash.events.cells
    assert cells[("fall", YEAR)].value == 24
    assert cells[("medication", YEAR)].value is None
    assert cells[("medication", YEAR)].reason == Reason.ORGANIZATIONS
    # Hiding medication alone would let it be worked out from the year's total: the next
    # smallest cell of the year (devices, 18) is hidden too.
    assert cells[("device", YEAR)].reason == Reason.COMPLEMENTARY
    assert dash.events.column_totals[YEAR].value == 24 + 18 + 14
    assert dash.events.organizations == 6


def test_a_member_that_stops_sharing_is_not_counted(network, hospitals):
    NetworkMember.objects.filter(organization=hospitals[1]).update(shares_event_counts=False)
    dash = figures(network)
    assert dash.events.cells[("fall", YEAR)].value == 20
    assert dash.events.organizations == 5
    rollups.refresh_all()
    assert not EventRollup.objects.filter(organization=hospitals[1]).exists()
    assert EventRollup.objects.filter(organization=hospitals[2]).exists()


def test_a_member_that_leaves_drops_out_and_four_organizations_are_too_few(network, hospitals):
    NetworkMember.objects.filter(organization=hospitals[1]).update(left_at=timezone.now())
    assert figures(network).events.cells[("fall", YEAR)].value == 20  # five still: shown
    NetworkMember.objects.filter(organization=hospitals[2]).update(left_at=timezone.now())
    cell = figures(network).events.cells[("fall", YEAR)]
    assert cell.value is None and cell.reason == Reason.ORGANIZATIONS


def test_ten_events_are_hidden_and_eleven_shown(db):
    six = [OrganizationFactory(slug=f"small-{i}") for i in range(6)]
    network = network_with(*six, slug="small")
    NetworkMember.objects.filter(network=network).update(shares_event_counts=True)
    for organization in six[:5]:
        reports(organization, "vte", 2)  # ten from five hospitals
    rollups.refresh_all()
    cell = figures(network).events.cells[("vte", YEAR)]
    assert cell.value is None and cell.reason == Reason.EVENTS
    reports(six[5], "vte", 1)  # the eleventh, from a sixth hospital
    rollups.refresh_all()
    assert figures(network).events.cells[("vte", YEAR)].value == 11


def test_harm_rates_are_shown_only_where_both_counts_are(network, hospitals):
    for organization in hospitals:
        reports(organization, "fall", 2, harm="mild")
    rollups.refresh_all()
    dash = figures(network)
    by_label = {label: (cells, overall) for label, cells, overall in dash.harm_rates}
    falls_title = rollups.builtin_categories()["fall"]
    cells, overall = by_label[falls_title]
    assert overall.value == pytest.approx(round(100 * 12 / 36, 1))
    # This year's harmed falls stay shown beside medication's hidden count: devices, with no
    # harm (an empty cell, hidden too), already make two hidden in the year's column.
    year = [key for key, _label in dash.events.columns].index(YEAR)
    assert cells[year].value == pytest.approx(33.3)
    medication_title = rollups.builtin_categories()["medication"]
    assert by_label[medication_title][1].value is None


def test_by_quarter(network):
    dash = figures(network, period="quarter")
    quarter = f"{LAST.year} Q{(LAST.month - 1) // 3 + 1}"
    assert dash.events.cells[("fall", quarter)].value == 24
    with pytest.raises(ValueError):
        figures(network, period="week")


def test_own_figures_sit_beside_the_network_and_reveal_nothing_else(network, org, hospitals):
    dash = figures(network, own=org)
    medication = dash.events.cells[("medication", YEAR)]
    assert medication.own == 7  # its own: shown to it
    assert medication.value is None  # the network's: still hidden
    assert dash.events.cells[("fall", YEAR)].own == 4
    assert dash.events.total.own == 14


def test_a_new_sharing_choice_builds_the_members_rollups_at_once(
        network, hospitals, django_capture_on_commit_callbacks):
    newcomer = OrganizationFactory(name="Newcomer Hospital", slug="newcomer")
    reports(newcomer, "fall", 5)
    member = NetworkMember.objects.create(network=network, organization=newcomer)
    assert not EventRollup.objects.filter(organization=newcomer).exists()  # off by default
    with django_capture_on_commit_callbacks(execute=True):
        member.shares_event_counts = True
        member.save()
    assert EventRollup.objects.filter(organization=newcomer).exists()
    assert figures(network).events.cells[("fall", YEAR)].value == 29


def test_area_scores_need_five_organizations(network, hospitals):
    NetworkMember.objects.filter(network=network).update(shares_assessment_scores=True)
    for i, organization in enumerate(hospitals[:4]):
        AreaScoreRollup.objects.create(
            organization=organization, pack_id="pssm", pack_title="Self-assessment",
            area="culture", area_title="Culture", mean=1.0 + i * 0.5,
            finalized_on=LAST)
    (area,) = figures(network).areas
    assert area.organizations == 4 and area.quartiles is None
    assert area.reason_words == "fewer than 5 organizations"
    AreaScoreRollup.objects.create(
        organization=hospitals[4], pack_id="pssm", pack_title="Self-assessment",
        area="culture", area_title="Culture", mean=3.0, finalized_on=LAST)
    (area,) = figures(network).areas
    assert area.quartiles == (1.5, 2.0, 2.5)


# --- the page and the API ---------------------------------------------------------------------

def test_the_page_shows_figures_and_reasons_and_names_no_organization(network, owner, hospitals):
    response = client_for(owner).get("/n/valley/dashboard/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "fewer than 5 organizations" in body
    assert "hidden so another cell cannot be worked out" in body
    assert "yours: 4" in body
    for organization in hospitals[1:]:
        assert organization.name not in body


def test_a_lead_sees_the_network_figures_only(network, hospitals):
    lead = network.leads.get().user
    response = client_for(lead).get("/n/valley/dashboard/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "yours:" not in body
    assert ">24<" in body
    for organization in hospitals:
        assert organization.name not in body
    data = client_for(lead).get("/api/v1/networks/valley/dashboard").json()
    assert data["own_organization"] is None
    assert all(c["own"] is None for row in data["events"]["rows"] for c in row["cells"])


def test_a_member_without_access_to_event_figures_sees_no_own_figures(network, member):
    body = client_for(member).get("/n/valley/dashboard/").content.decode()
    assert "yours:" not in body


def test_outsiders_get_404_and_anonymous_visitors_the_sign_in(network, outsider):
    assert client_for(outsider).get("/n/valley/dashboard/").status_code == 404
    assert client_for(outsider).get("/api/v1/networks/valley/dashboard").status_code == 404
    assert client_for(outsider).get("/n/nowhere/dashboard/").status_code == 404
    response = Client().get("/n/valley/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Client().get("/api/v1/networks/valley/dashboard").status_code == 401


def test_people_of_a_member_that_left_get_404(network, owner, org):
    NetworkMember.objects.filter(organization=org).update(left_at=timezone.now())
    assert client_for(owner).get("/n/valley/dashboard/").status_code == 404


def test_api_hidden_cells_are_null_with_the_reason(network, owner):
    data = client_for(owner).get("/api/v1/networks/valley/dashboard").json()
    rows = {row["label"]: row for row in data["events"]["rows"]}
    titles = rollups.builtin_categories()
    year = data["events"]["columns"].index(YEAR)
    medication = rows[titles["medication"]]["cells"][year]
    assert medication == {"value": None, "hidden_because": "fewer than 5 organizations",
                          "own": 7}
    assert rows[titles["fall"]]["cells"][year]["value"] == 24
    assert data["own_organization"] == "riverside"


def test_api_bad_input_names_the_field(network, owner, other_org):
    client = client_for(owner)
    response = client.get("/api/v1/networks/valley/dashboard?period=week")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "period"
    # An organization of the person's that is not a member, and one that is not theirs:
    # the same refusal, naming the field.
    MembershipFactory(user=client_for(owner) and owner, organization=other_org,
                      role=Role.ORG_ADMIN)
    for slug in ("lakeshore", "hidden-1"):
        response = client.get(f"/api/v1/networks/valley/dashboard?organization={slug}")
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "organization"


def test_page_bad_period_is_refused_with_the_field_named(network, owner):
    response = client_for(owner).get("/n/valley/dashboard/?period=week")
    assert response.status_code == 422
    assert "week is not one of the available choices" in response.content.decode()
