"""Every URL pattern, pages and API, visited by an outsider from another organization and by
an anonymous visitor, with data in place that could leak; then every organization and network
URL by the lead of a network the victim belongs to, who must get no organization page. New
URLs are covered on their own: the walk reads the URL resolver, and a URL may only be public
by being listed here."""

import datetime as dt
import re

import pytest
import yaml
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from safetyhub.core import services
from safetyhub.core.models import ApiToken, AuditEntry, BoardPack, Role, SearchEntry
from safetyhub.frameworks.services import upload_pack

from .conftest import client_for
from .factories import (
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    SiteFactory,
    submit_event,
)
from .frameworks.test_services import ORG_PACK

# URLs anyone may open; each says why. Everything else must refuse outsiders.
PUBLIC = {
    "": "start page: redirects to sign-in or to the visitor's own organization",
    "healthz": "load-balancer health check, no data",
    "favicon.ico": "redirect to the site's icon, no data",
    "accounts/login/": "sign-in",
    "accounts/logout/": "sign-out",
    "accounts/login/verify/": "second sign-in step; only for a session that passed the first",
    "accounts/password-reset/": "password reset request (same answer for any address)",
    "accounts/password-reset/sent/": "static confirmation",
    "accounts/reset/<uidb64>/<token>/": "reset link, checked against a signed token",
    "accounts/reset/done/": "static confirmation",
    "invitations/<str:token>/": "invitation link; the token is the secret",
    "api/v1/openapi.json": "API description, no data",
    "api/v1/docs": "API documentation page, no data",
    "report/<slug:org_slug>/": "public reporting page for patients and families, no account "
                               "(404 unless the organization turned it on); shows no data",
    "report/<slug:org_slug>/follow-up/": "follow-up page: a report's status only for the "
                                         "holder of its follow-up code",
}
# Signed-in pages about the visitor themself, not an organization.
OWN_ACCOUNT = {
    "account/", "account/tokens/<str:pk>/revoke/", "account/two-factor/", "api/v1/me",
    "api/v1/me/notification-kinds",
    "account/notifications/",
    "api/v1/orgs",
    # the networks the visitor leads or reaches through their own organizations
    "networks/", "api/v1/networks",
}

SECRET_MARKERS = ("Victim Memorial", "victim-secret@example.org", "Secret Cardiac Unit",
                  "Victim Secret Pack", "victim-secret-element", "victim-secret-board-ask",
                  "victim-secret-event", "victim-secret-disclosure",
                  "victim-secret-supported-staff", "victim-secret-network")
# What a network's lead may read of a member (its name: members are not secret within a
# network) is left out of the markers a lead of the victim's network must never see.
LEAD_MUST_NOT_SEE = tuple(m for m in SECRET_MARKERS
                          if m not in ("Victim Memorial", "victim-secret-network"))


def all_routes(resolver=None, prefix: str = "") -> list[str]:
    resolver = resolver or get_resolver()
    routes = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += all_routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            routes.append(route.lstrip("^").rstrip("$").replace("\\Z", ""))
    return routes


PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def fill(route: str, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: values[m.group("name")], route)


def tenant_ids(org) -> list[str]:
    """The ids of every tenant-owned row of `org`, across all apps (but the search index's:
    no URL takes an entry's id, and its many ids would only slow the walk down)."""
    ids = set()
    for model in apps.get_models():
        if model is SearchEntry:
            continue
        if any(f.name == "organization" for f in model._meta.get_fields()):
            ids.update(str(pk) for pk in model.objects.filter(organization=org).values_list(
                "pk", flat=True))
    return sorted(ids)


def network_row_ids(network) -> list[str]:
    """The ids of every row that belongs to `network` (invitations, leads, lessons, goals…),
    across all apps."""
    ids = set()
    for model in apps.get_models():
        if any(f.name == "network" and f.is_relation for f in model._meta.get_fields()):
            ids.update(str(pk) for pk in model.objects.filter(network=network).values_list(
                "pk", flat=True))
    return sorted(ids)


# Derived rows a page may store on reading (a cache of sums of the members' rollups): a
# visit refills them, and they hold nothing that was not already there.
DERIVED = {"network.NetworkFigures"}


def snapshot(org, network=None) -> dict:
    state = {}
    if network is not None:
        state["network"] = list(type(network).objects.filter(pk=network.pk).values())
        for model in apps.get_models():
            if model._meta.label in DERIVED:
                continue
            if any(f.name == "network" and f.is_relation for f in model._meta.get_fields()):
                state[f"network:{model._meta.label}"] = list(
                    model.objects.filter(network=network).values())
    for model in apps.get_models():
        if model is AuditEntry:
            continue
        if any(f.name == "organization" for f in model._meta.get_fields()):
            state[model._meta.label] = list(model.objects.filter(organization=org).values())
    state["audit_entries"] = AuditEntry.objects.filter(organization_id=org.pk).count()
    return state


@pytest.fixture
def victim(db):
    """An organization full of data the outsider must never see or touch."""
    org = OrganizationFactory(name="Victim Memorial", slug="victim")
    MembershipFactory(organization=org, role=Role.ORG_ADMIN,
                      user__email="victim-secret@example.org")
    admin = org.memberships.get().user
    services.invite_member(organization=org, email="victim-invitee@example.org",
                           role=Role.ASSESSOR, invited_by=admin)
    InvitationFactory(organization=org)
    SiteFactory(organization=org, name="Secret Cardiac Unit")
    ApiToken.objects.create(user=admin, name="victim token", prefix="shub_victim",
                            key_hash="f" * 64)
    pack = {**ORG_PACK, "id": "victim-pack",
            "title": {"text": "Victim Secret Pack", "provenance": "project"}}
    pack["sections"] = [{"id": "V", "title": "V", "items": [
        {"id": "V-1", "title": "victim-secret-element", "criteria": [{"id": "a", "text": "x"}]}]}]
    pack["links"] = []
    upload_pack(organization=org, file_name="victim.yaml", text=yaml.safe_dump(pack), by=admin)
    BoardPack.objects.create(organization=org, title="Victim board pack",
                             period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31),
                             summary="victim-secret-board-ask")
    event = submit_event(organization=org, reporter=admin, occurred_at=timezone.now(),
                         narrative="victim-secret-event: a fall in the secret unit").report
    _victim_investigation(org, event)
    _victim_resolution_and_support(org, event)
    _victim_lesson(org, event)
    _victim_plan(org, admin)
    return org


def _victim_plan(org, admin) -> None:
    """An initiative with a measure (and a file staged for import into it), an aim, a
    progress rating and a driver diagram (primary → secondary → change idea): the plan's and
    the measures' URLs have rows of the victim's to aim at."""
    from safetyhub.improvement import services as plan
    from safetyhub.improvement import services_aims, services_drivers, services_ratings
    from safetyhub.measures import services as measures
    from safetyhub.measures import staged_imports

    initiative = plan.create_initiative(organization=org, by=admin, title="Victim initiative",
                                        status="active")
    measure = measures.create_measure(
        organization=org, by=admin, name="victim-secret-measure", type="outcome",
        numerator="falls", direction="decrease", initiatives=[initiative])
    services_aims.set_aim(initiative=initiative, by=admin, what="Reduce falls",
                          who="victim-secret-element patients", target=2.0,
                          by_when=dt.date(2099, 6, 30), measure=measure)
    staged_imports.stage_import(measure=measure, user=admin, file_name="victim.csv",
                                content=b"period,numerator\n2025-01,3\n")
    services_ratings.rate_month(initiative=initiative, by=admin,
                                month=dt.date.today().replace(day=1), rating="2.0")
    node = None
    for kind in ("primary", "secondary", "change"):
        node = services_drivers.add_node(initiative=initiative, by=admin, kind=kind,
                                         parent=node, text=f"victim-secret-element {kind}")


def _victim_investigation(org, event) -> None:
    """A scored event and its RCA², with a team member, a timeline entry and a causal
    statement: every investigations URL has a row of the victim's to aim at. Placed with
    bulk_create: the services would add a dozen audit entries, and every id the victim owns
    is tried on every URL."""
    from safetyhub.investigations.models import (
        CausalStatement,
        Review,
        ReviewMember,
        SacScore,
        TimelineEntry,
    )

    SacScore.objects.bulk_create([SacScore(organization=org, report=event, score=3,
                                           severity="catastrophic", probability="remote",
                                           basis="actual")])
    (review,) = Review.objects.bulk_create([Review(
        organization=org, kind="rca2", title="victim-secret-event review", index_event=event,
        status="analysing", scope="victim-secret-event", chartered_at=timezone.now())])
    review.events.add(event)
    ReviewMember.objects.bulk_create([ReviewMember(organization=org, review=review,
                                                   name="Victim Leader", role="leader")])
    TimelineEntry.objects.bulk_create([TimelineEntry(
        organization=org, review=review, at=timezone.now(), what="victim-secret-event")])
    CausalStatement.objects.bulk_create([CausalStatement(
        organization=org, review=review, cause="victim-secret-event cause", effect="an effect",
        event="the fall", rules_confirmed=[1, 2, 3, 4, 5])])
    _victim_actions(org, review)


def _victim_actions(org, review) -> None:
    """An action of the victim's RCA² and an aggregate review with what it gathered: every
    action and aggregate-review URL has a row of the victim's to aim at (bulk_create, for
    the reason above)."""
    from safetyhub.investigations.models import AggregateScope, Review, ReviewAction

    ReviewAction.objects.bulk_create([ReviewAction(
        organization=org, review=review, description="victim-secret-event action",
        strength="stronger", due_on=timezone.localdate() + dt.timedelta(days=30))])
    (gathered,) = Review.objects.bulk_create([Review(
        organization=org, kind="aggregate", title="victim-secret-event aggregate",
        status="analysing")])
    gathered.events.add(review.index_event)
    AggregateScope.objects.bulk_create([AggregateScope(
        organization=org, review=gathered, category="fall",
        first_day=timezone.localdate() - dt.timedelta(days=30),
        last_day=timezone.localdate())])


def _victim_resolution_and_support(org, event) -> None:
    """A disclosure, a resolution offered, a question and an offer of peer support on the
    victim's event: every communication-and-resolution and support URL has a row to aim at.
    Placed with bulk_create, as above (no audit entries, so no extra ids to try)."""
    from safetyhub.investigations.models import (
        ResolutionContact,
        ResolutionQuestion,
        ResolutionRecord,
        SupportOffer,
    )

    (record,) = ResolutionRecord.objects.bulk_create([ResolutionRecord(
        organization=org, report=event, resolution_offered="bill_waiver",
        resolution_offered_on=timezone.localdate(), resolution_note="victim-secret-disclosure")])
    ResolutionContact.objects.bulk_create([ResolutionContact(
        organization=org, record=record, kind="disclosure", happened_at=timezone.now(),
        organization_people="victim-secret-disclosure", with_whom="family",
        what_was_shared="victim-secret-disclosure", apology_given=True)])
    ResolutionQuestion.objects.bulk_create([ResolutionQuestion(
        organization=org, record=record, asked_on=timezone.localdate(),
        question="victim-secret-disclosure question")])
    SupportOffer.objects.bulk_create([SupportOffer(
        organization=org, report=event, staff_name="victim-secret-supported-staff",
        offered_by="Peer", offered_at=timezone.now())])


def _victim_lesson(org, event) -> None:
    """A lesson draft from the victim's event, still holding its text: every lesson URL of
    the organization's side has a row of the victim's to aim at (bulk_create, as above)."""
    from safetyhub.network.models_lessons import LessonDraft

    LessonDraft.objects.bulk_create([LessonDraft(
        organization=org, source="event", source_event=event,
        title="victim-secret-event lesson", what_happened="victim-secret-event")])


@pytest.fixture
def victim_network(victim):
    """A network the victim belongs to, led by someone in no organization, with an open
    invitation: every network URL has a network and rows of the victim's to aim at."""
    from safetyhub.network import goals
    from safetyhub.network import services as network_services
    from safetyhub.network.models import NetworkLead
    from safetyhub.network.models_lessons import PublishedLesson

    from .factories import UserFactory, network_with

    network = network_with(victim, slug="victim-net", name="victim-secret-network",
                           description="victim-secret-network")
    lead = UserFactory(email="victim-network-lead@example.org")
    NetworkLead.objects.create(network=network, user=lead)
    network_services.create_invitation(network=network, note="victim-secret-network", by=lead)
    # A published lesson and a shared goal the victim takes part in, with a month's value:
    # every library and goal URL has a row of the victim network's to aim at.
    PublishedLesson.objects.create(network=network, owner=victim, title="victim-secret-network",
                                   what_happened="victim-secret-network")
    goal = goals.create_goal(network=network, by=lead, title="victim-secret-network",
                             numerator="Falls", direction="decrease",
                             start_month=dt.date(2025, 1, 1))
    goals.take_part(goal=goal, organization=victim, by=lead)
    return network


@pytest.fixture
def outsider_network(other_org, outsider):
    """The outsider's own organization's network, which the outsider also leads: its pages
    may answer the outsider, never with the victim's network's rows."""
    from .factories import network_with

    return network_with(other_org, lead=outsider, slug="outsider-net",
                        name="Outsider's own network")


def route_variants(route: str, victim, outsider_org, victim_network=None,
                   outsider_network=None) -> list[tuple[str, bool]]:
    """(url, aims at the victim) for each way of filling the route's parameters: the
    victim's slug (and the victim's network) with the victim's row ids, and the outsider's
    own slug (and own network) with the victim's row ids (ids the outsider's own rows also
    use are left out of that second kind)."""
    names = {m.group("name") for m in PARAM.finditer(route)}
    slug_names = names & {"org_slug", "slug"}
    id_names = {n for n in names if n in ("pk", "id") or n.endswith(("_id", "_pk"))} - {
        "pack_id"}
    victim_ids = [*tenant_ids(victim), "0", "not-a-number", "9" * 30]
    own_ids = set(tenant_ids(outsider_org))
    # rows of a network are aimed at through its pages only (each id tried costs a request
    # per method on every route)
    if victim_network is not None and "network_slug" in names:
        victim_ids[:0] = [pk for pk in network_row_ids(victim_network) if pk not in victim_ids]
    if outsider_network is not None and "network_slug" in names:
        own_ids |= set(network_row_ids(outsider_network))
    networks = [None]
    if "network_slug" in names:
        networks = [n.slug for n in (victim_network, outsider_network) if n is not None]
    own_network = outsider_network.slug if outsider_network is not None else None
    variants = []
    for slug in [victim.slug, outsider_org.slug] if slug_names else [None]:
        for network_slug in networks:
            own = ((slug or network_slug) is not None
                   and slug in (None, outsider_org.slug)
                   and network_slug in (None, own_network))
            ids = victim_ids if not own else [pk for pk in victim_ids if pk not in own_ids]
            for pk in ids if id_names else [None]:
                values = {name: "x" for name in names}
                values.update({"uidb64": "MQ", "token": "not-a-token",
                               "pack_id": "victim-pack", "version": "1", "key": "V-1"})
                values.update({name: slug for name in slug_names})
                if network_slug is not None:
                    values["network_slug"] = network_slug
                values.update({name: pk for name in id_names})
                aims_at_victim = not own or pk is not None
                variants.append(("/" + fill(route, values), aims_at_victim))
    return variants


def assert_refused(response, url: str, *, anonymous: bool) -> None:
    body = response.content.decode(errors="replace") if not response.streaming else ""
    for marker in SECRET_MARKERS:
        assert marker not in body, f"{url} leaked {marker!r}"
    # 422: the API checks a body's shape before the organization, so a malformed body gets
    # the same answer for every organization, existing or not (it names no data).
    allowed = {404, 405, 422}
    if anonymous:
        allowed |= {401, 302}
    assert response.status_code in allowed, f"{url}: {response.status_code}"
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/"), url


# Anonymous visitors are refused before any row is looked up; the victim's first few ids
# per route (real ones come first) show that without repeating every id.
ANONYMOUS_VARIANTS = 3


# The walk in two halves, each with its own time limit: pages, and the API.
PARTS = {"pages": lambda route: not route.startswith("api/"),
         "api": lambda route: route.startswith("api/")}


@pytest.mark.timeout(600)  # tens of thousands of requests: give a loaded CI machine room
@pytest.mark.parametrize("part", list(PARTS))
def test_every_url_refuses_outsiders_and_anonymous_visitors(part, victim, outsider, other_org,
                                                            victim_network, outsider_network):
    SiteFactory(organization=other_org, name="Outsider's own site")
    before = snapshot(victim, victim_network)
    visitors = {"outsider": client_for(outsider), "anonymous": Client()}
    checked = 0
    for route in filter(PARTS[part], all_routes()):
        if route in PUBLIC or route.startswith("django-admin/") or route.startswith("static/"):
            continue
        variants = route_variants(route, victim, other_org, victim_network, outsider_network)
        for k, (url, aims_at_victim) in enumerate(variants):
            for who, client in visitors.items():
                if who == "anonymous" and k >= ANONYMOUS_VARIANTS:
                    continue  # refused before any lookup: a few ids per route say as much
                if route in OWN_ACCOUNT and who == "outsider":
                    # Their own account: works, but shows nothing of the victim's.
                    body = client.get(url).content.decode()
                    assert all(m not in body for m in SECRET_MARKERS), url
                    continue
                for method in ("get", "post", "put", "patch", "delete"):
                    body_kwargs = {} if method in ("get", "delete") else {
                        "data": "{}", "content_type": "application/json"}
                    response = getattr(client, method)(url, **body_kwargs)
                    if who == "outsider" and not aims_at_victim:
                        # The outsider's own organization: may answer, never with victim data.
                        body = b"" if response.streaming else response.content
                        assert all(m.encode() not in body for m in SECRET_MARKERS), url
                        continue
                    assert_refused(response, f"{method.upper()} {url} as {who}",
                                   anonymous=who == "anonymous")
                    checked += 1
    assert checked > 100
    assert snapshot(victim, victim_network) == before, (
        "an outsider's request changed the victim's data")


@pytest.mark.timeout(600)
def test_a_network_lead_reaches_no_organization(victim, other_org, victim_network,
                                                outsider_network):
    walk_as_the_victim_networks_lead(victim, victim_network, other_org, outsider_network)


def walk_as_the_victim_networks_lead(victim, victim_network, other_org,
                                     outsider_network) -> None:
    """The victim's network's lead (in no organization) is refused every organization URL of
    the victim's (a lead is no member of a member organization), and every page of a network
    they do not lead; their own network's pages show no event, review or other row of the
    victim's. (Part of the walk above: the victim's data is costly to set up twice.)"""
    lead = victim_network.leads.get().user
    client = client_for(lead)
    before = snapshot(victim, victim_network)
    checked = 0
    for route in all_routes():
        if route in PUBLIC or route in OWN_ACCOUNT or route.startswith(
                ("django-admin/", "static/")):
            continue
        names = {m.group("name") for m in PARAM.finditer(route)}
        if not names & {"org_slug", "slug", "network_slug"}:
            continue
        tried: dict[tuple, int] = {}
        for url, _aims in route_variants(route, victim, other_org, victim_network,
                                         outsider_network):
            # the lead is refused at the organization's or the network's door, before any
            # row is looked up: one id for each choice of organization and network says so
            parts = url.split("/")
            key = ("victim" in parts, "victim-net" in parts, "outsider-net" in parts)
            if key in tried:
                continue
            tried[key] = 1
            own_network_page = ("victim-net" in url.split("/")
                                and not names & {"org_slug", "slug"})
            response = client.get(url)
            body = b"" if response.streaming else response.content
            if own_network_page:
                assert all(m.encode() not in body for m in LEAD_MUST_NOT_SEE), url
                continue
            assert_refused(response, f"GET {url} as the victim's network's lead",
                           anonymous=False)
            checked += 1
    assert checked > 100
    assert snapshot(victim, victim_network) == before


def test_public_urls_exist():
    """The allow-list names real routes only, so a renamed route cannot hide behind it."""
    routes = set(all_routes())
    assert set(PUBLIC) <= routes
    assert routes >= OWN_ACCOUNT


def test_django_admin_refuses_organization_admins(outsider):
    response = client_for(outsider).get("/django-admin/")
    assert response.status_code == 302
    assert "/django-admin/login/" in response["Location"]
