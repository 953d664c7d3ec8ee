"""The improvement dashboard: progress of the action plan by area and recommendation, and
each measure's latest chart and signal status, at a cost that does not grow with the number
of measures."""

import re

import pytest

from safetyhub.frameworks.models import Pack, PackItem
from safetyhub.improvement.models import Initiative, PdsaCycle
from safetyhub.measures import queries as measure_queries

from ..conftest import client_for
from ..queries import count_queries
from .test_measures import SHIFT, add_points, make_measure, month


def nap(key: str) -> PackItem:
    pack = Pack.objects.filter(organization=None, pack_id="nap-2020").latest("created_at")
    return pack.items.get(key=key)


def dashboard_url(org) -> str:
    return f"/o/{org.slug}/plan/dashboard/"


@pytest.fixture
def plan(org):
    """Two initiatives under R01 (one done), one under R10 (workforce), one unlinked."""
    r01, r10 = nap("R01"), nap("R10")
    Initiative.objects.create(organization=org, title="Board safety reviews", recommendation=r01,
                              status=Initiative.Status.DONE)
    Initiative.objects.create(organization=org, title="Leader rounds", recommendation=r01,
                              status=Initiative.Status.ACTIVE)
    Initiative.objects.create(organization=org, title="Violence prevention", recommendation=r10,
                              status=Initiative.Status.PROPOSED)
    Initiative.objects.create(organization=org, title="Something else",
                              status=Initiative.Status.ON_HOLD)
    return r01, r10


def test_progress_is_counted_per_status_by_area_and_recommendation(org, plan):
    r01, _r10 = plan
    progress = measure_queries.plan_progress(organization=org)
    assert [a.area.key if a.area else None for a in progress] == ["CLG", "WS", None]
    clg = progress[0]
    assert [row.recommendation for row in clg.rows] == [r01]
    assert clg.rows[0].counts == {"done": 1, "active": 1}
    assert (clg.total, clg.done) == (2, 1)
    assert progress[1].rows[0].cells == [1, 0, 0, 0, 0]  # proposed, active, on hold, done…
    assert progress[2].rows[0].recommendation is None and progress[2].total == 1


def test_the_page_shows_progress_and_each_measures_signal_status(org, owner, owner_client,
                                                                  plan, member):
    falls = make_measure(org, by=owner)
    add_points(falls, SHIFT, [1000] * len(SHIFT))  # a shift upwards: a concern for falls
    hygiene = make_measure(org, by=owner, name="Hand hygiene", chart="p", multiplier=100,
                           direction="increase", denominator="Opportunities")
    add_points(hygiene, SHIFT, [20] * len(SHIFT))  # the same shift: an improvement here
    steady = make_measure(org, by=owner, name="Steady measure", chart="run", denominator="",
                          multiplier=1)
    add_points(steady, [3, 4, 3, 5, 4, 3, 4, 5, 3, 4, 3, 5])
    make_measure(org, by=owner, name="Empty measure")
    broken = make_measure(org, by=owner, name="Broken measure")
    add_points(broken, [1, 2], [100, -1])

    response = client_for(member).get(dashboard_url(org))  # any member reads it
    assert response.status_code == 200
    body = response.content.decode()
    assert "1. Culture, Leadership, and Governance" in body or "Culture, Leadership" in body
    assert "1 of 2 done" in body
    assert "Not linked to a recommendation" in body
    for name, status in (("Falls per 1,000 patient days", "Special cause: deterioration"),
                         ("Hand hygiene", "Special cause: improvement"),
                         ("Steady measure", "Common-cause variation only"),
                         ("Empty measure", "No data yet"),
                         ("Broken measure", "Chart not drawn")):
        card = body[body.index(f">{name}</a>"):]
        card = card[:card.index("</li>")]
        assert status in card, name
    assert "point 2 (Feb 2025): the denominator is negative" in body
    thumbs = re.findall(r'<img class="chart-thumb" src="([^"]+)" alt="([^"]+)"', body)
    assert len(thumbs) == 3
    src, alt = thumbs[0]
    assert src.endswith("/chart.svg?compact=1")
    assert "points in a row" in alt
    svg = client_for(member).get(src.replace("&amp;", "&"))
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")


def test_the_dashboard_costs_the_same_queries_for_1_and_3_measures(org, owner, owner_client,
                                                                   plan):
    def count() -> int:
        return count_queries(owner_client, dashboard_url(org))

    def measure(name):
        m = make_measure(org, by=owner, name=name)
        add_points(m, SHIFT, [1000] * len(SHIFT))
        initiative = Initiative.objects.create(organization=org, title=name,
                                               recommendation=nap("R02"))
        m.initiatives.add(initiative)
        cycle = PdsaCycle.objects.create(initiative=initiative, organization=org, number=1,
                                         change=f"Change for {name}", started_on=month(4))
        cycle.measures.add(m)

    measure("Falls")
    one = count()
    measure("Pressure injuries")
    measure("CLABSI")
    assert count() == one


def test_empty_dashboard_says_what_to_do(org, owner_client):
    body = owner_client.get(dashboard_url(org)).content.decode()
    assert "No initiatives yet" in body and "No measures yet" in body


def test_outsiders_cannot_see_the_dashboard(org, outsider_client, plan):
    assert outsider_client.get(dashboard_url(org)).status_code == 404
