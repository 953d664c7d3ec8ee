"""Search (core/search.py) on whichever database the suite runs on: stemmed matching, the
index following every change, tenancy that fails closed (the outsider, a member off an
assessment's team, another organization's own framework), members' private answers never
indexed, highlights that escape the text, the page with its kind filter and bad input."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from safetyhub.assessments import services as assessments
from safetyhub.assessments.models import Assessment
from safetyhub.core import search
from safetyhub.core.models import Role, SearchEntry
from safetyhub.frameworks.models import Pack, PackItem
from safetyhub.improvement import services as improvement
from safetyhub.measures.models import Measure

from ..conftest import client_for
from ..factories import MembershipFactory, UserFactory
from ..queries import count_queries


def person(org, role=Role.ASSESSOR):
    return MembershipFactory(organization=org, role=role, user=UserFactory()).user


def initiative(org, by, title, **fields):
    return improvement.create_initiative(organization=org, by=by, title=title, **fields)


def titles(user, org, query, *, frameworks=False) -> list[str]:
    """Titles of the hits, unmarked; the shipped framework texts (which mention falls too)
    left out unless asked for."""
    results = search.search(user=user, organization=org, query=query)
    return [str(hit.title).replace("<mark>", "").replace("</mark>", "") for hit in results.hits
            if frameworks or hit.kind != "framework"]


def start_assessment(org, lead, team, title="Spring culture survey"):
    pack = Pack.objects.get(pack_id="safetyhub-sa", organization=None)
    return assessments.start_assessment(
        organization=org, pack=pack, title=title,
        mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, lead=lead, team=list(team), by=lead)


# --- matching ------------------------------------------------------------------------------


def test_search_matches_stemmed_words_not_parts_of_words(org, owner):
    initiative(org, owner, "Reduce falls on ward 4")
    initiative(org, owner, "Hourly rounding for fall risk")
    initiative(org, owner, "Cover staffing shortfalls")

    assert sorted(titles(owner, org, "falls")) == ["Hourly rounding for fall risk",
                                                   "Reduce falls on ward 4"]
    assert sorted(titles(owner, org, "fall")) == ["Hourly rounding for fall risk",
                                                  "Reduce falls on ward 4"]
    assert titles(owner, org, "shortfalls") == ["Cover staffing shortfalls"]


def test_search_needs_every_word_and_reads_operators_as_words(org, owner):
    initiative(org, owner, "Reduce falls on ward 4")
    initiative(org, owner, "Falls huddles")

    assert titles(owner, org, "falls ward") == ["Reduce falls on ward 4"]
    # FTS5 and tsquery syntax in the box is just more words, never an error
    assert titles(owner, org, 'falls OR "ward" NEAR* -x:') == []
    assert titles(owner, org, "   ") == []
    assert titles(owner, org, "!!!") == []


def test_search_finds_every_kind_of_record(org, owner):
    # (a word the shipped framework texts do not hold)
    plan = initiative(org, owner, "Quokka huddles", description="Daily quokka rounds")
    improvement.start_cycle(initiative=plan, by=owner, change="Huddle at 8:30 on ward 4",
                            prediction="Fewer missed quokka handovers")
    Measure.objects.create(organization=org, name="Handovers missed", type="outcome",
                           numerator="missed quokka handovers", direction="decrease")
    start_assessment(org, owner, [], title="Quokka culture check")

    results = search.search(user=owner, organization=org, query="quokkas")
    assert {hit.kind for hit in results.hits} == {"initiative", "pdsa", "measure", "assessment"}
    assert results.counts == {"initiative": 1, "pdsa": 1, "measure": 1, "assessment": 1}
    only = search.search(user=owner, organization=org, query="quokka", kinds=["measure"])
    assert [h.kind for h in only.hits] == ["measure"] and only.counts == results.counts
    assert only.hits[0].url == reverse("measures:measure", args=[
        org.slug, Measure.objects.get().pk])


def test_framework_texts_are_searched_in_every_organization(org, other_org, owner, outsider):
    hits = search.search(user=owner, organization=org, query="psychological safety").hits
    assert hits and all(h.kind == "framework" for h in hits)
    assert search.search(user=outsider, organization=other_org,
                         query="psychological safety").hits


# --- the index follows the records ---------------------------------------------------------


def test_index_follows_changes_and_deletes(org, owner):
    plan = initiative(org, owner, "Reduce falls on ward 4")
    plan = improvement.update_initiative(initiative=plan, by=owner,
                                         title="Reduce pressure injuries")

    assert titles(owner, org, "falls") == []
    assert titles(owner, org, "pressure") == ["Reduce pressure injuries"]
    plan.delete()
    assert titles(owner, org, "pressure") == []
    assert not SearchEntry.objects.filter(kind="initiative").exists()


def test_reindex_command_rebuilds_the_index(org, owner):
    initiative(org, owner, "Reduce falls on ward 4")
    SearchEntry.objects.all().delete()
    assert titles(owner, org, "falls") == []

    call_command("search_reindex")
    assert titles(owner, org, "falls") == ["Reduce falls on ward 4"]
    assert SearchEntry.objects.filter(kind="framework", organization=None).exists()
    with pytest.raises(CommandError, match="kind: unknown events"):
        call_command("search_reindex", "events")


# --- tenancy and privacy -------------------------------------------------------------------


def test_outsider_finds_nothing_of_another_organization(org, other_org, owner, outsider):
    plan = initiative(org, owner, "Reduce falls on ward 4")
    improvement.start_cycle(initiative=plan, by=owner, change="Falls huddle")
    Measure.objects.create(organization=org, name="Falls per 1,000 bed days", type="outcome",
                           numerator="falls", direction="decrease")
    start_assessment(org, owner, [], title="Falls culture check")
    assert len(titles(owner, org, "falls")) == 4

    # in their own organization, and asking for ours directly
    assert titles(outsider, other_org, "falls") == []
    assert search.search(user=outsider, organization=org, query="falls").hits == []


def test_another_organizations_own_framework_stays_theirs(org, other_org, owner, outsider):
    pack = Pack.objects.create(organization=other_org, pack_id="their-framework", version="1",
                               kind="framework", title="Their framework", content={},
                               sha256="0" * 64)
    PackItem.objects.create(pack=pack, key="X1", kind=PackItem.Kind.ITEM, position=1,
                            number="1", title="Zeppelin recommendation",
                            title_provenance="project", data={}, search_text="x")

    assert titles(outsider, other_org, "zeppelin", frameworks=True) == [
        "1 Zeppelin recommendation"]
    assert titles(owner, org, "zeppelin", frameworks=True) == []


def test_assessments_only_for_those_who_may_open_them(org, owner):
    lead = person(org, Role.SAFETY_LEAD)
    on_team, off_team = person(org), person(org)
    start_assessment(org, lead, [on_team], title="Falls culture check")

    assert titles(on_team, org, "falls") == ["Falls culture check"]
    assert titles(owner, org, "falls") == ["Falls culture check"]  # admins read all
    assert titles(off_team, org, "falls") == []


def test_members_own_answers_are_never_indexed_nor_found(org, owner):
    lead = person(org, Role.SAFETY_LEAD)
    member = person(org)
    assessment = start_assessment(org, lead, [member])
    item = PackItem.objects.filter(pack=assessment.pack, kind=PackItem.Kind.ITEM).first()
    assessments.save_answer(assessment=assessment, item=item, user=member,
                            value=assessments.scale_values(assessment.pack)[0],
                            note="Quixotic staffing worries on nights")
    call_command("search_reindex")

    assert not SearchEntry.objects.filter(body__icontains="quixotic").exists()
    assert not SearchEntry.objects.filter(title__icontains="quixotic").exists()
    for user in (member, lead, owner):
        assert search.search(user=user, organization=org, query="quixotic").hits == []


def test_highlights_escape_the_records_text(org, owner):
    initiative(org, owner, "<b>Falls</b> & injuries", description="Falls <script>x</script>")
    # (only initiatives: the framework texts hold a "Fall" category that may rank first)
    hit = search.search(user=owner, organization=org, query="falls",
                        kinds=["initiative"]).hits[0]
    assert "<mark>Falls</mark>" in hit.title
    assert "&lt;b&gt;" in hit.title and "&amp;" in hit.title and "<b>" not in hit.title
    # (PostgreSQL's headline drops what looks like a tag; SQLite's snippet escapes it)
    assert "<mark>Falls</mark>" in hit.snippet and "<script>" not in hit.snippet


# --- the page ------------------------------------------------------------------------------


def test_search_page_lists_hits_with_highlights_and_kind_filter(org, owner, member):
    plan = initiative(org, owner, "Reduce falls on ward 4")
    Measure.objects.create(organization=org, name="Falls per 1,000 bed days", type="outcome",
                           numerator="falls", direction="decrease")
    url = reverse("search", args=[org.slug])

    page = client_for(member).get(url, {"q": "falls"})
    assert page.status_code == 200
    text = page.content.decode()
    assert reverse("improvement:initiative", args=[org.slug, plan.pk]) in text
    assert "Reduce <mark>falls</mark> on ward 4" in text
    assert "Measures (1)" in text and "Initiatives (1)" in text

    only = client_for(member).get(url, {"q": "falls", "kind": "measure"}).content.decode()
    assert "per 1,000 bed days" in only and "Reduce <mark>falls</mark>" not in only


def test_search_page_queries_do_not_grow_with_the_hits(org, owner, member):
    def add_one_of_each(n):
        plan = initiative(org, owner, f"Quokka rounds {n}")
        improvement.start_cycle(initiative=plan, by=owner, change=f"Quokka huddle {n}")
        Measure.objects.create(organization=org, name=f"Quokka measure {n}", type="outcome",
                               numerator="quokkas", direction="decrease")
        start_assessment(org, owner, [member], title=f"Quokka check {n}")

    url = reverse("search", args=[org.slug]) + "?q=quokka"
    add_one_of_each(1)
    one = count_queries(client_for(member), url)
    add_one_of_each(2)
    add_one_of_each(3)
    client = client_for(member)
    assert client.get(url).content.decode().count("<mark>Quokka</mark>") >= 12
    assert count_queries(client, url) == one


def test_search_page_refuses_a_bad_kind_and_strangers(org, owner, outsider, client):
    url = reverse("search", args=[org.slug])
    bad = client_for(owner).get(url, {"q": "falls", "kind": "events"})
    assert bad.status_code == 400
    assert "“events” is not a kind of record that can be searched." in bad.content.decode()
    assert client_for(outsider).get(url, {"q": "falls"}).status_code == 404
    assert client.get(url, {"q": "falls"}).status_code == 302  # to sign in


def test_header_has_the_search_box(org, member):
    page = client_for(member).get(reverse("dashboard", args=[org.slug])).content.decode()
    assert f'action="{reverse("search", args=[org.slug])}"' in page


# --- the API -------------------------------------------------------------------------------


def test_api_search_answers_like_the_page(org, owner, outsider):
    plan = initiative(org, owner, "Reduce falls & injuries")
    url = f"/api/v1/orgs/{org.slug}/search/all"

    body = client_for(owner).get(url, {"q": "falls", "kind": "initiative"}).json()
    assert body["hits"] == [{
        "kind": "initiative", "label": "Initiatives", "title": "Reduce falls & injuries",
        "title_html": "Reduce <mark>falls</mark> &amp; injuries", "snippet_html": "",
        "url": reverse("improvement:initiative", args=[org.slug, plan.pk])}]
    assert body["counts"]["initiative"] == 1 and body["total"] >= 1

    bad = client_for(owner).get(url, {"q": "falls", "kind": "events"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "kind"
    empty = client_for(owner).get(url, {"q": ""})
    assert empty.status_code == 422 and "q" in str(empty.json())
    assert client_for(outsider).get(url, {"q": "falls"}).status_code == 404
