"""Initiatives in the action plan: the services and their bad input, who may do what, the
overdue rule, the list with its filters and counts, the board, the create/edit form and the
initiative's page. Data that could leak (another organization's initiative) is in place
before asserting it does not."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from safetyhub.core.models import AuditEntry, Membership, Role
from safetyhub.frameworks.models import Pack, PackItem
from safetyhub.improvement import services
from safetyhub.improvement.models import Initiative, ProgressNote
from safetyhub.measures.models import Measure

from ..conftest import client_for
from ..factories import MembershipFactory, SiteFactory, UserFactory
from ..markers import markers
from ..queries import count_queries

TODAY = dt.date.today()


# --- helpers (test_pdsa.py and test_api_plan.py use them too) ------------------------------


def person(org, role=Role.ASSESSOR, **user):
    return MembershipFactory(organization=org, role=role, user=UserFactory(**user)).user


def nap(key: str) -> PackItem:
    """An item of the shipped National Action Plan pack (a recommendation, area or tactic)."""
    return PackItem.objects.select_related("pack", "parent").get(
        pack__organization=None, pack__pack_id="nap-2020", key=key)


def tactic_of(key: str) -> PackItem:
    return nap(key).children.filter(kind=PackItem.Kind.TACTIC).select_related("pack").first()


def make_initiative(org, by, **fields) -> Initiative:
    fields.setdefault("title", "Leader safety rounds")
    return services.create_initiative(organization=org, by=by, **fields)


def make_measure(org, name="Falls per 1,000 bed days") -> Measure:
    return Measure.objects.create(organization=org, name=name, type=Measure.Type.OUTCOME,
                                  numerator="falls", direction=Measure.Direction.DECREASE)


def foreign_framework_item(other_org) -> PackItem:
    pack = Pack.objects.create(organization=other_org, pack_id="their-framework", version="1",
                               kind="framework", title="Their framework", content={},
                               sha256="0" * 64)
    return PackItem.objects.create(pack=pack, key="X1", kind=PackItem.Kind.ITEM, position=1,
                                   number="1", title="Their secret recommendation",
                                   title_provenance="project", data={}, search_text="x")


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


def plan_url(org, **query) -> str:
    from urllib.parse import urlencode
    return f"/o/{org.slug}/plan/" + (f"?{urlencode(query)}" if query else "")


def board_url(org, **query) -> str:
    from urllib.parse import urlencode
    return f"/o/{org.slug}/plan/board/" + (f"?{urlencode(query)}" if query else "")


def detail_url(initiative) -> str:
    return f"/o/{initiative.organization.slug}/plan/{initiative.pk}/"


# --- services ------------------------------------------------------------------------------


def test_create_initiative_saves_every_field_and_is_audited_to_its_author(org, owner, member):
    site = SiteFactory(organization=org, name="Main hospital")
    tactic = tactic_of("R01")
    initiative = make_initiative(
        org, owner, title="  Leader rounds  ", description="Weekly rounds on every ward.",
        recommendation=nap("R01"), tactic=tactic, site=site, owner=member, team=[owner, member],
        status=Initiative.Status.ACTIVE, start_on=dt.date(2026, 1, 1),
        due_on=dt.date(2026, 6, 30))
    initiative.refresh_from_db()
    assert initiative.title == "Leader rounds"
    assert initiative.organization == org and initiative.created_by == owner
    assert (initiative.recommendation.key, initiative.tactic, initiative.site) == (
        "R01", tactic, site)
    assert initiative.owner == member and set(initiative.team.all()) == {owner, member}
    assert initiative.status == "active" and initiative.due_on == dt.date(2026, 6, 30)
    entries = AuditEntry.objects.filter(object_type="improvement.Initiative",
                                        object_id=str(initiative.pk))
    assert {e.actor_id for e in entries} == {owner.pk}
    assert entries.filter(changes__has_key="team").exists()


def test_a_tactic_alone_links_its_recommendation(org, owner):
    initiative = make_initiative(org, owner, tactic=tactic_of("R07"))
    assert initiative.recommendation == nap("R07")


@pytest.mark.parametrize(("fields", "field", "reason"), [
    ({"title": "   "}, "title", "Give the initiative a title"),
    ({"title": "x" * 201}, "title", "At most 200 characters"),
    ({"start_on": dt.date(2026, 5, 1), "due_on": dt.date(2026, 4, 30)}, "due_on",
     "before the start date"),
    ({"status": "finished"}, "status", "Unknown status 'finished'"),
    ({"recommendation": "AREA"}, "recommendation", "Choose a recommendation"),
    ({"tactic": "R02"}, "tactic", "Choose a tactic"),
    ({"recommendation": "R01", "tactic": "TACTIC-R02"}, "tactic",
     "is a tactic for another recommendation"),
])
def test_create_initiative_refuses_bad_input_naming_the_field(org, owner, fields, field,
                                                              reason):
    resolved = {}
    for name, value in fields.items():
        if value == "AREA":
            value = nap("CLG")
        elif value == "TACTIC-R02":
            value = tactic_of("R02")
        elif name in ("recommendation", "tactic"):
            value = nap(value)
        resolved[name] = value
    with pytest.raises(ValidationError) as exc:
        make_initiative(org, owner, **resolved)
    assert reason in " ".join(errors_of(exc)[field])
    assert not Initiative.objects.exists()


def test_create_initiative_refuses_what_is_not_the_organizations(org, owner, other_org,
                                                                 outsider):
    their_site = SiteFactory(organization=other_org)
    closed = SiteFactory(organization=org, name="Old wing", is_active=False)
    former = person(org)
    Membership.objects.filter(user=former).update(is_active=False)
    cases = [
        ({"recommendation": foreign_framework_item(other_org)}, "recommendation"),
        ({"recommendation": PackItem.objects.get(pack__pack_id="safetyhub-sa", key="CLG-1")},
         "recommendation"),  # an instrument's element, not a framework's recommendation
        ({"site": their_site}, "site"),
        ({"site": closed}, "site"),
        ({"owner": outsider}, "owner"),
        ({"owner": former}, "owner"),
        ({"team": [owner, outsider]}, "team"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as exc:
            make_initiative(org, owner, **fields)
        assert field in errors_of(exc), fields
    assert "outsider@example.org" in errors_of(exc)["team"][0]
    assert not Initiative.objects.exists()


def test_update_initiative_changes_only_what_is_passed_and_audits_the_status_change(
        org, owner, member):
    initiative = make_initiative(org, owner, recommendation=nap("R03"), owner=member,
                                 due_on=dt.date(2026, 9, 1))
    lead = person(org, Role.SAFETY_LEAD)
    updated = services.update_initiative(initiative=initiative, by=lead, status="on_hold")
    assert updated.status == "on_hold"
    assert (updated.title, updated.recommendation.key, updated.owner) == (
        "Leader safety rounds", "R03", member)
    entry = AuditEntry.objects.filter(object_type="improvement.Initiative",
                                      object_id=str(initiative.pk), action="update").get()
    assert entry.actor_id == lead.pk
    assert entry.changes["status"] == {"from": "proposed", "to": "on_hold"}
    # Any status may follow any other.
    for status in ("done", "proposed", "stopped", "active"):
        services.update_initiative(initiative=initiative, by=lead, status=status)
    assert Initiative.objects.get().status == "active"


def test_update_initiative_records_team_changes_and_clears_with_none(org, owner, member):
    initiative = make_initiative(org, owner, team=[member], owner=member,
                                 tactic=tactic_of("R01"))
    other = person(org)
    services.update_initiative(initiative=initiative, by=owner, team=[other], owner=None,
                               tactic=None)
    initiative.refresh_from_db()
    assert list(initiative.team.all()) == [other] and initiative.owner is None
    assert initiative.tactic is None and initiative.recommendation.key == "R01"
    team_entries = AuditEntry.objects.filter(changes__has_key="team").order_by("seq")
    assert team_entries.last().changes["team"] == {"from": [member.email], "to": [other.email]}


def test_update_initiative_refuses_bad_input_and_changes_nothing(org, owner, outsider):
    initiative = make_initiative(org, owner, recommendation=nap("R01"),
                                 start_on=dt.date(2026, 3, 1))
    for fields, field in [({"title": ""}, "title"),
                          ({"due_on": dt.date(2026, 2, 1)}, "due_on"),
                          ({"tactic": tactic_of("R02")}, "tactic"),
                          ({"owner": outsider}, "owner"),
                          ({"status": "nope"}, "status")]:
        with pytest.raises(ValidationError) as exc:
            services.update_initiative(initiative=initiative, by=owner, **fields)
        assert field in errors_of(exc)
    initiative.refresh_from_db()
    assert (initiative.title, initiative.due_on, initiative.tactic, initiative.owner,
            initiative.status) == ("Leader safety rounds", None, None, None, "proposed")


def test_update_initiative_detects_a_change_made_in_between(org, owner):
    initiative = make_initiative(org, owner)
    loaded = initiative.updated_at
    services.update_initiative(initiative=initiative, by=owner, title="Theirs",
                               expected_updated_at=loaded)
    with pytest.raises(ValidationError) as exc:
        services.update_initiative(initiative=initiative, by=owner, title="Mine",
                                   expected_updated_at=loaded)
    assert "Someone else changed this initiative" in errors_of(exc)["updated_at"][0]
    assert Initiative.objects.get().title == "Theirs"


def test_people_who_left_stay_on_an_initiative_until_replaced(org, owner):
    leaver, stayer = person(org), person(org)
    initiative = make_initiative(org, owner, owner=leaver, team=[leaver, stayer])
    Membership.objects.filter(user=leaver).update(is_active=False)
    services.update_initiative(initiative=initiative, by=owner, status="active",
                               owner=leaver, team=[leaver, stayer])
    with pytest.raises(ValidationError):  # but nobody inactive is newly named
        services.update_initiative(initiative=make_initiative(org, owner), by=owner,
                                   owner=leaver)


def test_progress_notes(org, owner, member):
    initiative = make_initiative(org, owner)
    for text, reason in [("  ", "Write what has happened"), ("x" * 5001, "At most 5000")]:
        with pytest.raises(ValidationError) as exc:
            services.add_progress_note(initiative=initiative, by=member, text=text)
        assert reason in errors_of(exc)["text"][0]
    note = services.add_progress_note(initiative=initiative, by=member, text=" Rounds began ")
    assert (note.text, note.author, note.organization) == ("Rounds began", member, org)
    assert ProgressNote.objects.count() == 1


@pytest.mark.parametrize(("due", "status", "overdue"), [
    (None, "active", False),
    (TODAY, "active", False),
    (TODAY - dt.timedelta(days=1), "proposed", True),
    (TODAY - dt.timedelta(days=1), "active", True),
    (TODAY - dt.timedelta(days=1), "on_hold", True),
    (TODAY - dt.timedelta(days=1), "done", False),
    (TODAY - dt.timedelta(days=1), "stopped", False),
    (TODAY + dt.timedelta(days=1), "active", False),
])
def test_is_overdue(due, status, overdue):
    assert services.is_overdue(Initiative(due_on=due, status=status), TODAY) is overdue


# --- permissions ---------------------------------------------------------------------------


def test_who_may_change_an_initiative(org, owner, member):
    lead = person(org, Role.SAFETY_LEAD)
    executive = person(org, Role.EXECUTIVE_VIEWER)
    teammate, bystander = person(org), person(org, Role.STAFF_REPORTER)
    initiative = make_initiative(org, owner, owner=member, team=[teammate, executive])
    can = {u.email: u.has_perm("improvement.change_initiative", initiative)
           for u in (owner, lead, member, teammate, executive, bystander)}
    assert can == {owner.email: True, lead.email: True, member.email: True,
                   teammate.email: True, executive.email: False, bystander.email: False}
    assert [u.has_perm("improvement.add_initiative", org)
            for u in (owner, lead, member, executive)] == [True, True, False, False]
    assert all(u.has_perm("improvement.view_plan", org) for u in (executive, bystander))


def test_only_the_owner_leads_and_admins_may_change_owner_and_team(org, owner, member):
    lead = person(org, Role.SAFETY_LEAD)
    executive = person(org, Role.EXECUTIVE_VIEWER)
    teammate, bystander = person(org), person(org, Role.STAFF_REPORTER)
    initiative = make_initiative(org, owner, owner=member, team=[teammate, executive])
    can = {u.email: u.has_perm("improvement.assign_initiative", initiative)
           for u in (owner, lead, member, teammate, executive, bystander)}
    assert can == {owner.email: True, lead.email: True, member.email: True,
                   teammate.email: False, executive.email: False, bystander.email: False}
    # An executive named owner still only reads; an owner who left loses the right.
    led_by_executive = make_initiative(org, owner, owner=executive)
    assert not executive.has_perm("improvement.assign_initiative", led_by_executive)
    Membership.objects.filter(user=member).update(is_active=False)
    left = type(member).objects.get(pk=member.pk)  # roles are cached per user object
    assert not left.has_perm("improvement.assign_initiative", initiative)


def page_urls(initiative) -> dict[str, str]:
    base = detail_url(initiative)
    return {"edit": base + "edit/", "status": base + "status/", "note": base + "notes/",
            "cycle": base + "cycles/new/"}


def test_executives_and_members_off_the_initiative_get_403_on_writes(org, owner):
    executive = person(org, Role.EXECUTIVE_VIEWER)
    bystander = person(org)
    initiative = make_initiative(org, owner, team=[executive], owner=executive)
    for user in (executive, bystander):
        client = client_for(user)
        assert client.get(detail_url(initiative)).status_code == 200  # everyone reads
        assert client.get(plan_url(org)).status_code == 200
        assert client.get(board_url(org)).status_code == 200
        assert client.get(f"/o/{org.slug}/plan/new/").status_code == 403
        assert client.post(f"/o/{org.slug}/plan/new/", {"title": "x", "status": "proposed"}
                           ).status_code == 403
        urls = page_urls(initiative)
        assert client.get(urls["edit"]).status_code == 403
        assert client.post(urls["edit"], {"title": "x", "status": "done"}).status_code == 403
        assert client.post(urls["status"], {"status": "done"}).status_code == 403
        assert client.post(urls["note"], {"text": "hello"}).status_code == 403
        assert client.get(urls["cycle"]).status_code == 403
        assert client.post(urls["cycle"], {"change": "x", "started_on": "2026-01-01"}
                           ).status_code == 403
        body = client.get(detail_url(initiative)).content.decode()
        assert "Edit the initiative" not in body and "Add the note" not in body
    initiative.refresh_from_db()
    assert initiative.status == "proposed" and not initiative.notes.exists()
    assert Initiative.objects.count() == 1


def test_outsiders_get_404_everywhere_and_change_nothing(org, owner, outsider_client):
    initiative = make_initiative(org, owner, title="Victim's secret initiative")
    for url in [detail_url(initiative), plan_url(org), board_url(org),
                *page_urls(initiative).values()]:
        assert outsider_client.get(url).status_code in (404, 405)
        assert outsider_client.post(url, {"status": "done", "text": "x", "title": "x"}
                                    ).status_code in (404, 405)
    # Their own organization's address with our id: the same 404.
    assert outsider_client.get(f"/o/lakeshore/plan/{initiative.pk}/").status_code == 404
    assert outsider_client.post(f"/o/lakeshore/plan/{initiative.pk}/status/",
                                {"status": "done"}).status_code == 404
    initiative.refresh_from_db()
    assert initiative.status == "proposed" and not initiative.notes.exists()


def test_malformed_and_missing_ids_are_404(org, owner_client):
    assert owner_client.get(f"/o/{org.slug}/plan/0/").status_code == 404
    assert owner_client.get(f"/o/{org.slug}/plan/{'9' * 30}/").status_code == 404
    assert owner_client.get(f"/o/{org.slug}/plan/not-a-number/").status_code == 404


# --- the list: filters, overdue flag, counts -----------------------------------------------


@pytest.fixture
def plan_data(org, owner, member, other_org, outsider):
    hospital = SiteFactory(organization=org, name="Main hospital")
    ward = SiteFactory(organization=org, name="Ward 4", parent=hospital, kind="unit")
    clinic = SiteFactory(organization=org, name="North clinic")
    past = TODAY - dt.timedelta(days=10)
    data = {
        "rounds": make_initiative(org, owner, title="Leader rounds", recommendation=nap("R01"),
                                  owner=member, status="active", due_on=past, site=hospital),
        "board": make_initiative(org, owner, title="Board safety story",
                                 recommendation=nap("R04"), owner=owner, status="done",
                                 due_on=past, site=ward),
        "pfac": make_initiative(org, owner, title="Patient advisory council",
                                recommendation=nap("R07"), status="proposed", site=clinic,
                                due_on=TODAY + dt.timedelta(days=30)),
        "loose": make_initiative(org, owner, title="Huddles everywhere"),
    }
    # Data that could leak: another organization's initiative on the same recommendation.
    make_initiative(other_org, outsider, title="Lakeshore secret plan",
                    recommendation=nap("R01"), status="active", due_on=past)
    data.update(hospital=hospital, ward=ward, clinic=clinic)
    return data


def shown(body: str) -> set[str]:
    titles = {"Leader rounds", "Board safety story", "Patient advisory council",
              "Huddles everywhere", "Lakeshore secret plan"}
    return {t for t in titles if f">{t}</a>" in body}


@pytest.mark.parametrize(("query", "expected"), [
    ({}, {"Leader rounds", "Board safety story", "Patient advisory council",
          "Huddles everywhere"}),
    ({"area": "CLG"}, {"Leader rounds", "Board safety story"}),
    ({"area": "PFE"}, {"Patient advisory council"}),
    ({"recommendation": "R04"}, {"Board safety story"}),
    ({"status": "active"}, {"Leader rounds"}),
    ({"owner": "none"}, {"Patient advisory council", "Huddles everywhere"}),
    ({"site": "HOSPITAL"}, {"Leader rounds", "Board safety story"}),  # and its units
    ({"site": "WARD"}, {"Board safety story"}),
    ({"overdue": "on"}, {"Leader rounds"}),
    ({"area": "CLG", "status": "done"}, {"Board safety story"}),
    ({"area": "WS"}, set()),
])
def test_the_list_filters(org, member_client, plan_data, member, query, expected):
    query = {k: {"HOSPITAL": plan_data["hospital"].pk, "WARD": plan_data["ward"].pk}.get(v, v)
             for k, v in query.items()}
    for view in (plan_url, board_url):
        response = member_client.get(view(org, **query))
        assert response.status_code == 200
        assert shown(response.content.decode()) == expected, (view, query)


def test_the_owner_filter(org, member_client, plan_data, member):
    body = member_client.get(plan_url(org, owner=member.pk)).content.decode()
    assert shown(body) == {"Leader rounds"}


def test_bad_filters_are_named_and_show_everything(org, member_client, plan_data):
    response = member_client.get(plan_url(org, status="finished", area="NOPE"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Some filters were not understood" in body
    assert "Select a valid choice. finished is not one of the available choices." in body
    assert len(shown(body)) == 4


def test_the_filtered_empty_list_says_how_to_get_back(org, member_client, plan_data):
    body = member_client.get(plan_url(org, area="WS")).content.decode()
    assert "No initiatives match these filters" in body and "clear them" in body
    assert "Showing 0 of 4 initiatives" in body


def test_overdue_is_flagged_in_words_and_by_class(org, member_client, plan_data):
    body = member_client.get(plan_url(org)).content.decode()
    rows = dict(re.findall(r'<tr id="initiative-(\d+)"( class="is-overdue")?', body))
    assert rows[str(plan_data["rounds"].pk)] == ' class="is-overdue"'
    assert rows[str(plan_data["board"].pk)] == ""  # past due, but done
    assert rows[str(plan_data["pfac"].pk)] == ""
    row = body.split(f'id="initiative-{plan_data["rounds"].pk}"')[1].split("</tr>")[0]
    assert '<strong class="overdue-flag">Overdue</strong>' in row
    assert "4 initiatives" in body and '<strong class="overdue-flag">1 overdue</strong>' in body
    assert "Active: 1" in body and "Done: 1" in body and "Proposed: 2" in body


def test_the_list_links_each_initiative_and_offers_new_to_leads(org, owner_client,
                                                                member_client, plan_data):
    body = owner_client.get(plan_url(org)).content.decode()
    assert f'href="{detail_url(plan_data["rounds"])}"' in body
    assert f'href="/o/{org.slug}/plan/new/"' in body
    assert f'href="/o/{org.slug}/plan/new/"' not in member_client.get(
        plan_url(org)).content.decode()


@pytest.mark.parametrize("url", [plan_url, board_url])
def test_the_list_and_board_cost_the_same_queries_for_1_and_3_initiatives(org, owner,
                                                                          member, url):
    teammate = person(org)
    client = client_for(teammate)

    def add(n):
        site = SiteFactory(organization=org)
        make_initiative(org, owner, title=f"Initiative {n}", recommendation=nap("R02"),
                        tactic=tactic_of("R02"), owner=member, team=[teammate, owner],
                        site=site, due_on=TODAY - dt.timedelta(days=n))

    add(1)
    one = count_queries(client, url(org))
    add(2)
    add(3)
    three = count_queries(client, url(org))
    assert one == three
    filtered = url(org, area="CLG", status="proposed", overdue="on")
    assert count_queries(client, filtered) <= three + 1  # the unfiltered total


# --- the board -----------------------------------------------------------------------------


def test_the_board_has_a_column_per_status_with_cards(org, member_client, plan_data, member):
    body = member_client.get(board_url(org)).content.decode()
    for label in ("Proposed", "Active", "On hold", "Done", "Stopped"):
        assert re.search(rf'<h2 id="column-[a-z_]+">{label} <span class="column-count">', body)
    active = body.split('id="column-active"')[1].split("</section>")[0]
    assert ">Leader rounds</a>" in active and "Overdue" in active and str(member) in active
    assert "None on hold." in body
    assert "Lakeshore secret plan" not in body


def test_only_editors_see_the_move_form(org, owner, member, plan_data):
    # The assessor owns "Leader rounds" only.
    body = client_for(member).get(board_url(org)).content.decode()
    assert f'action="/o/{org.slug}/plan/{plan_data["rounds"].pk}/status/"' in body
    assert f'action="/o/{org.slug}/plan/{plan_data["pfac"].pk}/status/"' not in body
    assert f'<label for="move-{plan_data["rounds"].pk}">Status<span class="visually-hidden">' \
           ' of “Leader rounds”</span></label>' in body
    owner_body = client_for(owner).get(board_url(org)).content.decode()
    assert owner_body.count('class="move-form"') == 4


def test_moving_a_card_returns_to_the_board_with_its_filters(org, owner, owner_client,
                                                             plan_data):
    rounds = plan_data["rounds"]
    response = owner_client.post(f"/o/{org.slug}/plan/{rounds.pk}/status/",
                                 {"status": "on_hold", "filters": "area=CLG&evil=1"})
    assert response.status_code == 302
    assert response["Location"] == f"/o/{org.slug}/plan/board/?area=CLG#initiative-{rounds.pk}"
    rounds.refresh_from_db()
    assert rounds.status == "on_hold"
    body = owner_client.get(response["Location"]).content.decode()
    assert "Moved “Leader rounds” to On hold." in body
    entry = AuditEntry.objects.filter(object_id=str(rounds.pk), changes__has_key="status"
                                      ).latest("seq")
    assert entry.actor_id == owner.pk


def test_moving_a_card_with_htmx_answers_the_board_and_an_announcement(org, owner_client,
                                                                       plan_data):
    rounds = plan_data["rounds"]
    response = owner_client.post(f"/o/{org.slug}/plan/{rounds.pk}/status/",
                                 {"status": "done", "filters": "area=CLG"},
                                 headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="board"')
    assert '<p id="board-announcement" hx-swap-oob="innerHTML">Moved “Leader rounds” to Done.' \
           in body
    done = body.split('id="column-done"')[1].split("</section>")[0]
    assert ">Leader rounds</a>" in done and ">Board safety story</a>" in done
    assert "Patient advisory council" not in body  # the board's filter was kept


def test_a_bad_move_is_refused_with_a_message(org, owner_client, plan_data):
    rounds = plan_data["rounds"]
    response = owner_client.post(f"/o/{org.slug}/plan/{rounds.pk}/status/",
                                 {"status": "finished"}, follow=True)
    assert "“Leader rounds” was not moved: Select a valid choice." in response.content.decode()
    response = owner_client.post(f"/o/{org.slug}/plan/{rounds.pk}/status/",
                                 {"status": "finished"}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and response["HX-Refresh"] == "true"
    rounds.refresh_from_db()
    assert rounds.status == "active"


def test_the_board_says_what_to_do_when_empty(org, owner_client):
    body = owner_client.get(board_url(org)).content.decode()
    assert "Nothing in the action plan yet" in body and "New initiative" in body
    assert 'id="board"' not in body


# --- create, edit, detail ------------------------------------------------------------------


def form_data(**overrides) -> dict:
    data = {"title": "Safety huddles", "description": "", "recommendation": "", "tactic": "",
            "site": "", "owner": "", "status": "proposed", "start_on": "", "due_on": ""}
    data.update(overrides)
    return data


def test_a_lead_creates_an_initiative_through_the_form(org, owner_client, member):
    lead_client = client_for(person(org, Role.SAFETY_LEAD))
    page = lead_client.get(f"/o/{org.slug}/plan/new/").content.decode()
    assert '<label for="id_recommendation">Recommendation:</label>' in page
    assert "Ensure safety is a demonstrated core value" in page  # offered, grouped by area
    response = lead_client.post(f"/o/{org.slug}/plan/new/", form_data(
        recommendation=nap("R05").pk, tactic=tactic_of("R05").pk, owner=member.pk,
        team=[member.pk], start_on="2026-02-01", due_on="2026-03-01", status="active"))
    initiative = Initiative.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(initiative)
    assert (initiative.recommendation.key, initiative.owner, initiative.status) == (
        "R05", member, "active")


def test_the_form_keeps_what_was_typed_and_names_the_problem(org, owner_client, other_org):
    response = owner_client.post(f"/o/{org.slug}/plan/new/", form_data(
        title="Keep me", recommendation=nap("R01").pk, tactic=tactic_of("R02").pk,
        start_on="2026-05-01", due_on="2026-04-01"))
    assert response.status_code == 422
    body = response.content.decode()
    assert "The initiative was not added" in body
    assert "is a tactic for another recommendation" in body
    assert "is before the start date" in body
    assert 'value="Keep me"' in body
    # A forged id of another organization's framework item is not a choice.
    response = owner_client.post(f"/o/{org.slug}/plan/new/", form_data(
        recommendation=foreign_framework_item(other_org).pk))
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not Initiative.objects.exists()


def test_the_owner_edits_and_a_stale_form_is_refused(org, owner, member):
    initiative = make_initiative(org, owner, owner=member)
    client = client_for(member)
    page = client.get(detail_url(initiative) + "edit/").content.decode()
    stamp = re.search(r'name="updated_at" value="([^"]+)"', page).group(1)
    response = client.post(detail_url(initiative) + "edit/", form_data(
        title="Renamed", owner=member.pk, status="active", updated_at=stamp))
    assert response.status_code == 302
    response = client.post(detail_url(initiative) + "edit/", form_data(
        title="Stale", owner=member.pk, updated_at=stamp))
    assert response.status_code == 422
    assert "Someone else changed this initiative" in response.content.decode()
    initiative.refresh_from_db()
    assert (initiative.title, initiative.status) == ("Renamed", "active")


def test_a_team_member_edits_the_rest_but_not_the_owner_or_team(org, owner, member):
    teammate = person(org, email="teammate@example.org")
    initiative = make_initiative(org, owner, owner=member, team=[member, teammate])
    client = client_for(teammate)
    url = detail_url(initiative) + "edit/"
    page = client.get(url).content.decode()
    assert 'name="owner"' not in page and 'name="team"' not in page
    assert "Only the initiative&#x27;s owner, a patient-safety lead or an organization " \
           "admin can change its owner and team." in page
    assert f"<dt>Owner</dt><dd>{escape(str(member))}</dd>" in page  # shown, read only
    stamp = re.search(r'name="updated_at" value="([^"]+)"', page).group(1)
    # A forged post changing the owner or the team is refused whole: nothing changes.
    for forged in ({"owner": teammate.pk}, {"team": [teammate.pk]}, {"owner": ""}):
        response = client.post(url, form_data(title="Taken over", updated_at=stamp) | forged)
        assert response.status_code == 403, forged
    initiative.refresh_from_db()
    assert initiative.title == "Leader safety rounds" and initiative.owner == member
    assert set(initiative.team.all()) == {member, teammate}
    # What they could change before, they still can; owner and team stay as they were.
    data = form_data(title="Renamed", status="active", updated_at=stamp)
    del data["owner"]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    initiative.refresh_from_db()
    assert (initiative.title, initiative.status, initiative.owner) == ("Renamed", "active",
                                                                      member)
    assert set(initiative.team.all()) == {member, teammate}
    detail = client.get(detail_url(initiative)).content.decode()
    assert "Edit the initiative" in detail


@pytest.mark.parametrize("role", ["owner", Role.SAFETY_LEAD, Role.ORG_ADMIN])
def test_the_owner_a_lead_and_an_admin_change_owner_and_team(org, owner, member, role):
    teammate = person(org, email="teammate@example.org")
    initiative = make_initiative(org, owner, owner=member, team=[member])
    editor = member if role == "owner" else person(org, role)
    client = client_for(editor)
    url = detail_url(initiative) + "edit/"
    page = client.get(url).content.decode()
    assert 'name="owner"' in page and 'name="team"' in page
    response = client.post(url, form_data(title="Leader safety rounds", owner=teammate.pk,
                                          team=[member.pk, teammate.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    initiative.refresh_from_db()
    assert initiative.owner == teammate
    assert set(initiative.team.all()) == {member, teammate}


@pytest.mark.parametrize("role", Role.values)
def test_every_role_as_owner_team_member_or_neither_changing_the_team(org, owner, role):
    """The same-organization walk: who may edit the initiative, and who may change its
    owner and team, for each role in each place on the initiative."""
    newcomer = person(org, email="newcomer@example.org")
    plan_lead = role in (Role.ORG_ADMIN, Role.SAFETY_LEAD)
    for place in ("owner", "team", "neither"):
        user = person(org, role)
        initiative = make_initiative(org, owner, title=f"{role} {place}",
                                     owner=user if place == "owner" else None,
                                     team=[user] if place == "team" else [])
        team_before = set(initiative.team.all())
        may_edit = plan_lead or (place != "neither" and role != Role.EXECUTIVE_VIEWER)
        may_assign = plan_lead or (place == "owner" and role != Role.EXECUTIVE_VIEWER)
        url = detail_url(initiative) + "edit/"
        client = client_for(user)
        page = client.get(url)
        assert page.status_code == (200 if may_edit else 403), (role, place)
        assert ('name="team"' in page.content.decode()) == may_assign, (role, place)
        response = client.post(url, form_data(title=initiative.title,
                                              owner=user.pk if place == "owner" else "",
                                              team=[newcomer.pk]))
        assert response.status_code == (302 if may_assign else 403), (role, place)
        initiative.refresh_from_db()
        assert set(initiative.team.all()) == ({newcomer} if may_assign else team_before)


def test_the_initiative_page(org, owner, owner_client, member):
    from safetyhub.assessments import services as assessment_services
    from safetyhub.assessments.models import Assessment

    assessment = assessment_services.start_assessment(
        organization=org, pack=Pack.objects.get(organization=None, pack_id="safetyhub-sa"),
        title="Baseline 2026", mode=Assessment.Mode.CONSENSUS_ONLY, lead=owner, team=[],
        by=owner)
    element = assessment.pack.items.get(key="CLG-2")
    initiative = services.initiative_from_priority(assessment=assessment, item=element,
                                                   by=owner)
    services.update_initiative(initiative=initiative, by=owner, tactic=tactic_of("R01"),
                               owner=member, team=[member], due_on=TODAY - dt.timedelta(1))
    services.add_progress_note(initiative=initiative, by=member, text="First rounds held")
    measure = make_measure(org)
    measure.initiatives.add(initiative)
    body = owner_client.get(detail_url(initiative)).content.decode()
    assert f"<h1>{initiative.title}</h1>" in body
    assert 'href="/o/riverside/frameworks/packs/nap-2020/2/R01/"' in body
    assert f'href="/o/riverside/frameworks/packs/nap-2020/2/{tactic_of("R01").key}/"' in body
    assert 'href="/o/riverside/frameworks/packs/safetyhub-sa/2/CLG-2/"' in body
    # the recommendation's title is marked as official, the marker outside its link
    assert any(words.startswith("Official title") for _n, _key, words in markers(body))
    assert '<a class="plan-item-link"' in body and "</a><a class=\"source-mark\"" in body
    assert f'href="/o/riverside/assessments/{assessment.pk}/priorities/">Baseline 2026' in body
    assert "First rounds held" in body and '<strong class="overdue-flag">Overdue</strong>' in body
    assert "No PDSA cycles yet" in body and "Start a PDSA cycle" in body
    try:
        url = reverse("measures:measure", kwargs={"org_slug": org.slug, "pk": measure.pk})
    except NoReverseMatch:
        assert f"<li>{measure.name} <span" in body
    else:
        assert f'<a href="{url}">{measure.name}</a>' in body
    # A member who may not open the assessment sees its title without a link.
    bystander = client_for(person(org))
    body = bystander.get(detail_url(initiative)).content.decode()
    assert "Baseline 2026" in body and f"/assessments/{assessment.pk}/" not in body
    assert "Add the note" not in body


def test_the_initiative_page_says_what_to_do_when_empty(org, owner, owner_client):
    body = owner_client.get(detail_url(make_initiative(org, owner))).content.decode()
    assert "No progress notes yet" in body and "No PDSA cycles yet" in body
    assert "No measures are linked to this initiative yet" in body
    assert "Added directly, not from an assessment priority" in body


def test_notes_through_the_page(org, owner, member):
    initiative = make_initiative(org, owner, team=[member])
    client = client_for(member)
    response = client.post(detail_url(initiative) + "notes/", {"text": "  "})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    response = client.post(detail_url(initiative) + "notes/", {"text": "Huddle piloted"})
    assert response["Location"] == detail_url(initiative) + "#notes"
    assert initiative.notes.get().author == member
