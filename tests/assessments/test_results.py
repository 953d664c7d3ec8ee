"""The results, where-to-start and progress pages, on the shipped packs: the numbers, the
PSSM blocking statements, the priorities and their crosswalk links, the comparison between
cycles, a fixed number of queries whatever the size of the team, and who may see them."""

import datetime as dt
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment
from safetyhub.core.models import Role
from safetyhub.frameworks.models import Pack, PackItem
from safetyhub.frameworks.queries import resources_by_key

from ..conftest import client_for
from ..factories import MembershipFactory, UserFactory
from ..markers import source_notes

INDEPENDENT = Assessment.Mode.INDEPENDENT_THEN_CONSENSUS


def instrument() -> Pack:
    return Pack.objects.get(organization=None, pack_id="safetyhub-sa")


def pssm() -> Pack:
    return Pack.objects.get(organization=None, pack_id="pssm")


def start(org, lead, team=(), *, pack=None, title="Baseline 2026", opens_on=dt.date(2026, 1, 5),
          mode=INDEPENDENT) -> Assessment:
    return services.start_assessment(
        organization=org, pack=pack or instrument(), title=title, mode=mode, lead=lead,
        team=list(team), by=lead, opens_on=opens_on)


def answer(assessment, user, answers: dict[str, str], *, consensus: bool):
    items = {i.key: i for i in assessment.pack.items.filter(kind=PackItem.Kind.ITEM)}
    for key, value in answers.items():
        services.save_answer(assessment=assessment, item=items[key], user=user,
                             consensus=consensus, value=value)


def answer_all(assessment, user, value: str, **overrides: str):
    keys = assessment.pack.items.filter(kind=PackItem.Kind.ITEM).values_list("key", flat=True)
    answer(assessment, user, {k: overrides.get(k.replace("-", "_"), value) for k in keys},
           consensus=True)


def url(assessment, page: str) -> str:
    return f"/o/{assessment.organization.slug}/assessments/{assessment.pk}/{page}/"


def person(org, role=Role.ASSESSOR, name="Pat Person"):
    return MembershipFactory(organization=org, role=role, user=UserFactory(full_name=name)).user


@pytest.fixture
def baseline(org, owner, member):
    """The shipped instrument: CLG answered with a spread, the rest left open."""
    assessment = start(org, owner, [member])
    answer(assessment, owner, {"CLG-1": "0", "CLG-2": "2", "CLG-3": "2"}, consensus=False)
    answer(assessment, member, {"CLG-1": "3", "CLG-2": "1", "CLG-3": "unsure"}, consensus=False)
    answer(assessment, owner, {"CLG-1": "3", "CLG-2": "0", "CLG-3": "unsure", "CLG-4": "na",
                               "CLG-5": "1", "PFE-1": "4"}, consensus=True)
    return assessment


# --- results ----------------------------------------------------------------------------

def test_results_show_means_counts_distribution_and_the_rules(owner_client, baseline):
    response = owner_client.get(url(baseline, "results"))
    assert response.status_code == 200
    body = response.content.decode()
    rows = {r["section"].key: r for r in response.context["section_rows"]}
    clg = rows["CLG"]
    # CLG: 3, 0, 1 numeric; one Unsure; one N/A; four unanswered.
    assert clg["score"].mean == pytest.approx(4 / 3)
    assert (clg["score"].numeric, clg["others"], clg["score"].unanswered) == (3, [1, 1], 4)
    assert clg["levels"] == [1, 1, 0, 1, 0]
    assert rows["PFE"]["score"].mean == 4
    assert rows["WS"]["score"].mean is None
    overall = response.context["overall"]
    assert overall["mean"] == 2.0  # (3 + 0 + 1 + 4) / 4
    assert overall["numeric"] == 4
    assert overall["unanswered"] == 33 - 6
    assert "1.33" in body and "4.00" in body and "2.00" in body
    # The rules in words and the caution.
    assert "never enter a mean" in body
    assert "2 or more levels apart" in body
    assert "not for comparing or ranking organizations" in body
    # pack text through {% text %}: a marker, and its words in the page's Sources list
    assert "Official title — source: IHI, Background on the National Action Plan" in \
        source_notes(body).values()


def test_results_show_each_members_answer_and_flag_disagreement_in_words(
        owner_client, baseline, owner, member):
    response = owner_client.get(url(baseline, "results"))
    body = response.content.decode()
    assert f'<th scope="col" class="member">{owner}' in body
    assert f'<th scope="col" class="member">{member}' in body
    rows = {r["result"].item.key: r for s in response.context["element_sections"]
            for r in s["rows"]}
    # CLG-1: 0 and 3 are three levels apart; CLG-2: 2 and 1 are not; CLG-3: 2 and Unsure.
    assert rows["CLG-1"]["result"].disagreement
    assert not rows["CLG-2"]["result"].disagreement
    assert rows["CLG-3"]["result"].disagreement
    assert rows["CLG-1"]["answer"] == "Significant Impact"
    assert rows["CLG-1"]["members"] == ["Not started", "Significant Impact"]
    assert body.count('<strong class="results-flag">Disagreement</strong>') == 2
    assert "2 questions marked <strong>Disagreement</strong>" in body


@pytest.fixture
def no_chart_module(monkeypatch):
    """As if safetyhub.core.charts were not installed."""
    import safetyhub.core

    monkeypatch.setitem(sys.modules, "safetyhub.core.charts", None)
    monkeypatch.delattr(safetyhub.core, "charts", raising=False)


@pytest.fixture
def fake_charts(monkeypatch):
    """The chart functions replaced by recorders that return a marked SVG."""
    from safetyhub.core import charts

    calls = {}

    def recorder(name):
        def draw(**kwargs):
            calls[name] = kwargs
            return f'<svg data-chart="{name}"></svg>'
        return draw

    monkeypatch.setattr(charts, "area_means_svg", recorder("area_means_svg"))
    monkeypatch.setattr(charts, "trend_svg", recorder("trend_svg"))
    return calls


def test_results_fall_back_to_the_tables_without_the_chart_module(owner_client, baseline,
                                                                  no_chart_module):
    response = owner_client.get(url(baseline, "results"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "The chart of area means is not available here" in body
    assert "1.33" in body  # the table is there


def test_results_draw_the_area_chart(owner_client, baseline, fake_charts):
    body = owner_client.get(url(baseline, "results")).content.decode()
    assert '<svg data-chart="area_means_svg"></svg>' in body
    kwargs = fake_charts["area_means_svg"]
    assert kwargs["max_value"] == 4
    assert kwargs["sections"][0] == ("Culture, Leadership, and Governance", pytest.approx(4 / 3))
    assert kwargs["sections"][2] == ("Workforce Safety", None)
    assert "not available here" not in body


def test_results_with_the_real_chart_module(owner_client, baseline):
    pytest.importorskip("safetyhub.core.charts")
    body = owner_client.get(url(baseline, "results")).content.decode()
    assert "<svg" in body


def test_consensus_only_results_have_no_member_columns(org, owner, member, owner_client):
    assessment = start(org, owner, [member], mode=Assessment.Mode.CONSENSUS_ONLY)
    answer(assessment, owner, {"WS-1": "2"}, consensus=True)
    response = owner_client.get(url(assessment, "results"))
    body = response.content.decode()
    assert response.context["element_columns"] == 4
    assert 'class="member"' not in body
    assert "levels apart" not in body
    assert "2.00" in body


def test_pssm_results_show_domains_score_and_exactly_the_blocking_statements(org, owner,
                                                                              owner_client):
    assessment = start(org, owner, pack=pssm(), title="PSSM readiness")
    answer(assessment, owner, {k: "yes" for k in ("1A", "1B", "1C", "1D", "1E")}
           | {"2A": "yes", "2B": "no", "2C": "yes", "2D": "yes", "2E": "yes"}
           | {"3A": "yes"}, consensus=True)
    response = owner_client.get(url(assessment, "results"))
    body = response.content.decode()
    domains = {d["section"].key: d for d in response.context["domains"]}
    assert domains["D1"]["score"].met and domains["D1"]["blocking"] == []
    assert [b["item"].key for b in domains["D2"]["blocking"]] == ["2B"]
    assert domains["D2"]["blocking"][0]["answer"] == "Not yet"
    assert [b["item"].key for b in domains["D3"]["blocking"]] == ["3B", "3C", "3D", "3E"]
    assert "<strong>1 of 5</strong> domains met" in body
    assert f'href="/o/{org.slug}/frameworks/packs/pssm/2/2B/"' in body
    assert "4 of 5" in body  # statements met in D2
    assert "no partial credit" in body
    assert "never enter a mean" not in body
    assert "not the CMS wording" in body  # the pack's notice


# --- where to start ---------------------------------------------------------------------

def test_priorities_rank_lowest_first_and_link_through_the_crosswalk(org, owner_client,
                                                                      baseline):
    response = owner_client.get(url(baseline, "priorities"))
    assert response.status_code == 200
    body = response.content.decode()
    ranked = [e["item"].key for e in response.context["ranked"]]
    assert ranked == ["CLG-2", "CLG-5", "CLG-1", "PFE-1"]
    discuss = {e["item"].key: e["view"].priority.needs_discussion
               for e in response.context["discuss"]}
    assert discuss["CLG-1"] == ["members disagreed"]
    assert discuss["CLG-3"] == ["members disagreed", "answered Unsure"]
    assert discuss["WS-1"] == ["not answered"]
    assert "CLG-4" not in discuss and "CLG-4" not in ranked  # not applicable
    # Order on the page, lowest first.
    assert body.index('id="p-CLG-2"') < body.index('id="p-CLG-5"') < body.index('id="p-CLG-1"')
    # CLG-2 → R01 and R04, their tactics and resources, and the PSSM statements they support.
    first = response.context["ranked"][0]
    assert [r.key for r in first["view"].recommendations] == ["R01", "R04"]
    assert f'href="/o/{org.slug}/frameworks/packs/nap-2020/2/R01/"' in body
    assert f'href="/o/{org.slug}/frameworks/packs/nap-2020/2/r01-leader-safety-rounds/"' in body
    nap = Pack.objects.get(organization=None, pack_id="nap-2020")
    cusp = resources_by_key(pack=nap, keys=["ahrq-cusp-toolkit"])[0]
    assert cusp.data["name"] in body
    tactic, resources = first["tactics"][0]
    assert [r.key for r in resources] == tactic.data["resources"]
    assert f'href="/o/{org.slug}/frameworks/packs/pssm/2/1A/"' in body
    assert "Add to action plan" in body
    assert "SafetyHub's own draft crosswalk" in body


def test_pssm_priorities_list_the_statements_that_block_a_domain(org, owner, owner_client):
    assessment = start(org, owner, pack=pssm(), title="PSSM readiness")
    answer(assessment, owner, {"1A": "yes", "1B": "no", "2A": "no", "2B": "yes"},
           consensus=True)
    response = owner_client.get(url(assessment, "priorities"))
    body = response.content.decode()
    assert [e["item"].key for e in response.context["ranked"]] == ["1B", "2A"]
    assert "1C" in [e["item"].key for e in response.context["discuss"]]
    assert f'href="/o/{org.slug}/frameworks/packs/nap-2020/2/R02/"' in body  # 1B → R02
    assert "Statements that block a domain" in body


def test_priorities_say_in_the_plan_once_an_initiative_exists(owner_client, baseline, owner):
    from safetyhub.improvement.services import initiative_from_priority

    item = baseline.pack.items.get(key="CLG-2")
    initiative = initiative_from_priority(assessment=baseline, item=item, by=owner)
    body = owner_client.get(url(baseline, "priorities")).content.decode()
    start_at = body.index('id="p-CLG-2"')
    entry = body[start_at:body.index("</li>", body.index("priority-plan", start_at))]
    assert f"#initiative-{initiative.pk}" in entry and "In the plan" in entry
    assert "Add to action plan" not in entry


# --- compare ----------------------------------------------------------------------------

@pytest.fixture
def two_cycles(org, owner):
    first = start(org, owner, title="Spring 2025", opens_on=dt.date(2025, 3, 1))
    answer_all(first, owner, "1", CLG_1="0", PFE_1="unsure")
    services.finalize(assessment=first, by=owner)
    second = start(org, owner, title="Spring 2026", opens_on=dt.date(2026, 3, 1))
    answer_all(second, owner, "2", CLG_1="4", LS_1="1", PFE_1="3")
    services.finalize(assessment=second, by=owner)
    return first, second


def test_compare_shows_change_per_area_and_element(owner_client, two_cycles, fake_charts):
    first, second = two_cycles
    response = owner_client.get(url(second, "compare") + f"?with={first.pk}")
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["earlier"] == first and response.context["later"] == second
    areas = {r["change"].key: r for r in response.context["area_rows"]}
    # CLG: (0 + 8 * 1)/9 → (4 + 8 * 2)/9; LS: 1 → (1 + 8 * 2)/9.
    assert areas["CLG"]["change"].earlier == pytest.approx(8 / 9)
    assert areas["CLG"]["change"].later == pytest.approx(20 / 9)
    assert (areas["CLG"]["text"], areas["CLG"]["direction"]) == ("+1.33", "Up")
    assert areas["LS"]["text"] == "+0.89"
    elements = {r["item"].key: r for s in response.context["element_sections"]
                for r in s["rows"]}
    assert (elements["CLG-1"]["text"], elements["CLG-1"]["direction"]) == ("+4", "Up")
    assert (elements["CLG-2"]["text"], elements["CLG-2"]["direction"]) == ("+1", "Up")
    assert elements["PFE-1"]["direction"] == "Not comparable"  # Unsure before
    assert elements["PFE-1"]["earlier_label"] == "Unsure"
    assert "+1.33" in body and "Up" in body and "Not started" in body
    # The trend covers both finalized cycles, oldest first.
    assert [r["cycle"] for r in response.context["trend"]["table"]] == [first, second]
    series = fake_charts["trend_svg"]
    assert series["max_value"] == 4
    assert series["series"]["Culture, Leadership, and Governance"] == [
        (dt.date(2025, 3, 1), pytest.approx(8 / 9)), (dt.date(2026, 3, 1), pytest.approx(20 / 9))]
    assert '<svg data-chart="trend_svg"></svg>' in body


def test_compare_goes_down_as_well_and_offers_open_cycles(org, owner, owner_client,
                                                          two_cycles):
    first, second = two_cycles
    current = start(org, owner, title="Autumn 2026", opens_on=dt.date(2026, 9, 1))
    answer(current, owner, {"CLG-1": "1"}, consensus=True)
    other_instrument = start(org, owner, pack=pssm(), title="PSSM readiness")
    response = owner_client.get(url(current, "compare") + f"?with={second.pk}")
    choices = response.context["choices"]
    assert {a.pk for a in choices} == {first.pk, second.pk}
    assert other_instrument not in choices
    elements = {r["item"].key: r for s in response.context["element_sections"]
                for r in s["rows"]}
    assert (elements["CLG-1"]["text"], elements["CLG-1"]["direction"]) == ("-3", "Down")
    assert "still open" in response.content.decode()


def test_compare_refuses_a_cycle_of_another_instrument_or_organization(
        org, owner, owner_client, two_cycles, other_org, outsider):
    _first, second = two_cycles
    attestation = start(org, owner, pack=pssm(), title="PSSM readiness")
    theirs = start(other_org, outsider, title="Theirs")
    for bad in (attestation.pk, theirs.pk, "abc", 999999):
        response = owner_client.get(url(second, "compare") + f"?with={bad}")
        assert response.status_code == 400
        assert "Choose another cycle of the same questions" in response.content.decode()
        assert "Theirs" not in response.content.decode()


def test_compare_without_a_choice_shows_the_trend_table(owner_client, two_cycles,
                                                        no_chart_module):
    _first, second = two_cycles
    body = owner_client.get(url(second, "compare")).content.decode()
    assert "Spring 2025" in body and "Spring 2026" in body
    assert "The trend chart is not available here" in body


def test_compare_pssm_cycles_by_score_and_domain(org, owner, owner_client):
    first = start(org, owner, pack=pssm(), title="PSSM 2025", opens_on=dt.date(2025, 1, 1))
    answer_all(first, owner, "no", **{"1A": "yes"})
    services.finalize(assessment=first, by=owner)
    second = start(org, owner, pack=pssm(), title="PSSM 2026", opens_on=dt.date(2026, 1, 1))
    answer_all(second, owner, "no", **{k: "yes" for k in ("1A", "1B", "1C", "1D", "1E")})
    services.finalize(assessment=second, by=owner)
    response = owner_client.get(url(second, "compare") + f"?with={first.pk}")
    assert response.status_code == 200
    context = response.context
    assert (context["score"]["earlier"].score, context["score"]["later"].score) == (0, 1)
    assert context["score"]["text"] == "+1"
    domains = {d["section"].key: d["change"] for d in context["domains"]}
    assert domains["D1"] == "Now met" and domains["D2"] == "No change"
    assert [r["cells"] for r in context["trend"]["table"]] == [[0], [1]]


# --- a fixed number of queries ----------------------------------------------------------

@pytest.mark.parametrize("page", ["results", "priorities"])
def test_pages_run_the_same_number_of_queries_for_1_and_12_members(org, owner, owner_client,
                                                                   page):
    def team_of(size: int, title: str) -> Assessment:
        people = [person(org, name=f"{title} member {i}") for i in range(size - 1)]
        assessment = start(org, owner, people, title=title)
        for user in [owner, *people]:
            answer(assessment, user, {"CLG-1": "1", "CLG-2": "3", "WS-1": "unsure"},
                   consensus=False)
        answer(assessment, owner, {"CLG-1": "1", "CLG-2": "2", "WS-1": "unsure"},
               consensus=True)
        return assessment

    small, large = team_of(1, "Small"), team_of(12, "Large")
    assert large.team.count() == 12
    owner_client.get(url(small, page))  # warm caches (content types, sessions)
    counts = []
    for assessment in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(url(assessment, page))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- who may see --------------------------------------------------------------------------

PAGES = ["results", "priorities", "compare"]


@pytest.mark.parametrize("page", PAGES)
def test_outsiders_get_404(outsider_client, baseline, page):
    response = outsider_client.get(url(baseline, page))
    assert response.status_code == 404
    assert "Baseline 2026" not in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_members_not_on_the_team_get_404(org, baseline, page):
    bystander = person(org, Role.ASSESSOR)
    response = client_for(bystander).get(url(baseline, page))
    assert response.status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, baseline, page):
    response = client.get(url(baseline, page))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("page", PAGES)
def test_team_members_and_executive_viewers_may_read(org, baseline, member_client, page):
    executive = client_for(person(org, Role.EXECUTIVE_VIEWER))
    for client in (member_client, executive):
        response = client.get(url(baseline, page))
        assert response.status_code == 200
        assert "Add to action plan" not in response.content.decode()


def test_pages_refuse_writes(owner_client, baseline):
    for page in PAGES:
        assert owner_client.post(url(baseline, page)).status_code == 405


def test_compare_and_trend_keep_to_cycles_of_the_same_scope(org, owner, owner_client,
                                                            two_cycles, fake_charts):
    from ..factories import SiteFactory

    first, second = two_cycles
    ward = SiteFactory(organization=org, name="Ward 4")
    unit = services.start_assessment(
        organization=org, pack=instrument(), title="Ward 4 2026", mode=INDEPENDENT,
        lead=owner, team=[], by=owner, opens_on=dt.date(2025, 9, 1), site=ward)
    answer_all(unit, owner, "4")
    services.finalize(assessment=unit, by=owner)
    response = owner_client.get(url(second, "compare"))
    assert unit not in response.context["choices"] and first in response.context["choices"]
    assert [r["cycle"] for r in response.context["trend"]["table"]] == [first, second]
    refused = owner_client.get(url(second, "compare") + f"?with={unit.pk}")
    assert refused.status_code == 400
    assert "same questions and scope" in refused.content.decode()
    # The unit compares with itself only: no other cycle of Ward 4.
    assert owner_client.get(url(unit, "compare")).context["choices"] == []
    assert "Ward 4 only" in owner_client.get(url(unit, "compare")).content.decode()


def test_trend_separates_cycles_opened_on_the_same_date(org, owner, owner_client,
                                                         two_cycles, fake_charts):
    _first, second = two_cycles
    again = start(org, owner, title="Spring 2026 review", opens_on=second.opens_on)
    answer_all(again, owner, "3")
    services.finalize(assessment=again, by=owner)
    owner_client.get(url(second, "compare"))
    points = fake_charts["trend_svg"]["series"]["Culture, Leadership, and Governance"]
    assert [p[0] for p in points] == ["Spring 2025 (1 Mar 2025)", "Spring 2026 (1 Mar 2026)",
                                      "Spring 2026 review (1 Mar 2026)"]
