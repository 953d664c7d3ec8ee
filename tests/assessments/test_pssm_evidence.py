"""Beside each PSSM statement, what SafetyHub's own records show (assessments/pssm_evidence.py
and its mapping pssm_evidence.yaml): the mapping names real statements and every figure the
apps give, the page and the API show the figures where they bear, and say that the
attestation is the hospital's judgement."""

import datetime as dt

from django.utils import timezone

from safetyhub.assessments import pssm_evidence
from safetyhub.assessments.platform_evidence import figures
from safetyhub.core import platform_evidence
from safetyhub.core.models import Role
from safetyhub.events import triage
from safetyhub.frameworks.models import Pack, PackItem
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory, submit_event

from .test_readiness import api, api_client, media, pssm_pack, readiness, statement_card, url
from .test_reports import CONSENSUS, build_cycle

__all__ = ["media", "pssm_pack", "readiness"]  # fixtures used here


def test_the_mapping_names_statements_of_the_pssm_pack(pssm_pack):
    statements = set(PackItem.objects.filter(pack=pssm_pack).values_list("key", flat=True))
    named = {s for keys in pssm_evidence.mapping().values() for s in keys}
    assert named and named <= statements


def test_every_figure_the_apps_give_is_placed_beside_a_statement(org, owner):
    executive = MembershipFactory(organization=org, role=Role.EXECUTIVE_VIEWER,
                                  user=UserFactory()).user
    report = submit_event(organization=org, harm_level="severe", anonymous=True).report
    triage.acknowledge_serious(report=report, by=executive)
    given = {f.key for f in platform_evidence.figures(organization=org,
                                                      today=timezone.localdate())}
    assert {"events.serious_acknowledged", "assessments.cycles_finalized"} <= given
    assert given <= set(pssm_evidence.mapping())


def test_the_page_shows_the_records_beside_the_statement_and_says_whose_judgement(
        org, owner, member, readiness):
    executive = MembershipFactory(organization=org, role=Role.EXECUTIVE_VIEWER,
                                  user=UserFactory()).user
    report = submit_event(organization=org, harm_level="severe", anonymous=True).report
    triage.acknowledge_serious(report=report, by=executive)
    html = client_for(member).get(url("readiness", readiness)).content.decode()
    assert "whether a statement is met is the hospital's judgement, not SafetyHub's" in html
    card = statement_card(html, "1E")
    assert "What SafetyHub's records show" in card
    assert "Serious safety events acknowledged by a leader within 3 business days" in card
    assert "1 of 1 (100%)" in card
    assert f'href="/o/{org.slug}/events/serious/"' in card
    # a figure sits only beside the statements it bears on
    assert "acknowledged by a leader" not in statement_card(html, "1A")
    assert "self-assessment cycles finalized" in statement_card(html, "1B")


def test_without_event_reports_the_event_statements_carry_no_figure(member, readiness):
    html = client_for(member).get(url("readiness", readiness)).content.decode()
    assert "What SafetyHub's records show" not in statement_card(html, "1E")
    assert "None finalized yet" in statement_card(html, "1B")


def test_the_api_gives_each_statement_its_figures(org, owner, readiness):
    submit_event(organization=org, harm_level="severe", anonymous=True)
    body = api_client(owner).get(api(readiness)).json()
    statement = next(s for d in body["domains"] for s in d["statements"] if s["key"] == "1E")
    (figure,) = statement["platform_figures"]
    assert figure["key"] == "events.serious_acknowledged"
    assert figure["value"] == "none yet"  # flagged now: its clock still runs
    assert "still within 3 business days" in figure["note"]
    assert figure["link"] == f"/o/{org.slug}/events/serious/"


def test_the_cycles_figure_counts_finalized_organization_wide_self_assessments(org, owner,
                                                                               member):
    build_cycle(org=org, lead=owner, member=member,
                pack=Pack.objects.get(organization=None, pack_id="safetyhub-sa"),
                consensus=CONSENSUS, opens_on=dt.date(2026, 3, 2), title="Spring")
    (figure,) = figures(organization=org, today=timezone.localdate())
    assert figure.value.startswith("1 in these 12 months (1 in all; the latest finalized ")
    assert figure.link == f"/o/{org.slug}/assessments/"
