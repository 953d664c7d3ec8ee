"""Notifications (core/notifications.py): who is told, when email goes out, once-only keys,
the list page, marking read, the header count and the email choices on the account page."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from safetyhub.core import notifications, services
from safetyhub.core.models import Notification, NotificationPreference

from ..conftest import client_for
from ..factories import MembershipFactory, UserFactory
from ..queries import count_queries

KIND = "tests.example"


@pytest.fixture
def kind():
    notifications.register_kind(KIND, "Example happened", "Something a test made happen.")
    yield KIND
    notifications._kinds.pop(KIND)


@pytest.fixture
def quiet_kind():
    key = "tests.quiet"
    notifications.register_kind(key, "Quiet example", "Shown in the app only by default.",
                                default_email=False)
    yield key
    notifications._kinds.pop(key)


def tell(org, recipients, kind=KIND, **extra):
    return notifications.notify(recipients=recipients, kind=kind, organization=org,
                                title=extra.pop("title", "Example for you"),
                                link=extra.pop("link", f"/o/{org.slug}/"), **extra)


def test_notify_tells_members_in_app_and_by_email(org, owner, member, kind):
    made = tell(org, [owner, member])
    assert {n.recipient for n in made} == {owner, member}
    assert sorted(m.to[0] for m in mail.outbox) == ["member@example.org", "owner@example.org"]
    assert "Riverside General: Example for you" in mail.outbox[0].subject
    assert "http://" in mail.outbox[0].body and "/o/riverside/" in mail.outbox[0].body


def test_notify_never_reaches_outsiders_inactive_members_or_the_actor(
        org, owner, member, outsider, kind):
    gone = MembershipFactory(organization=org, is_active=False).user
    disabled = MembershipFactory(organization=org, user=UserFactory(is_active=False)).user
    made = tell(org, [owner, member, outsider, gone, disabled, None], actor=owner)
    assert [n.recipient for n in made] == [member]
    assert [m.to for m in mail.outbox] == [["member@example.org"]]


def test_email_follows_the_persons_choice_and_else_the_kinds_default(
        org, owner, member, kind, quiet_kind):
    notifications.set_email_choices(user=member, choices={KIND: False})
    notifications.set_email_choices(user=owner, choices={quiet_kind: True})
    tell(org, [owner, member])
    tell(org, [owner, member], kind=quiet_kind)
    assert Notification.objects.filter(organization=org).count() == 4  # in-app always
    assert [m.to for m in mail.outbox] == [["owner@example.org"], ["owner@example.org"]]


def test_a_dedupe_key_tells_each_person_once(org, owner, member, kind):
    assert len(tell(org, [member], dedupe_key="overdue:1:2026-03-01")) == 1
    assert tell(org, [member, owner], dedupe_key="overdue:1:2026-03-01") == [
        Notification.objects.get(recipient=owner)]
    assert Notification.objects.filter(recipient=member).count() == 1
    assert len(mail.outbox) == 2


def test_notify_refuses_unknown_kinds_and_links_off_the_site(org, member, kind):
    with pytest.raises(ValueError, match="unknown notification kind"):
        tell(org, [member], kind="nope")
    for link in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="link must be a path"):
            tell(org, [member], link=link)
    assert not Notification.objects.exists()


def test_list_shows_only_my_notifications_in_this_organization(
        org, other_org, owner, member, outsider, kind):
    tell(org, [member], title="Mine here")
    tell(org, [owner], title="The owner's own")
    MembershipFactory(organization=other_org, user=member)
    tell(other_org, [member], title="Mine elsewhere")
    page = client_for(member).get("/o/riverside/notifications/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Mine here" in body
    assert "The owner's own" not in body and "Mine elsewhere" not in body
    assert client_for(outsider).get("/o/riverside/notifications/").status_code == 404


def test_header_counts_unread_notifications(org, member, kind):
    tell(org, [member])
    tell(org, [member])
    body = client_for(member).get("/o/riverside/").content.decode()
    assert 'class="badge">2<span class="visually-hidden"> unread' in body


def test_mark_read_marks_my_own_and_never_another_persons(org, owner, member, kind):
    mine = tell(org, [member])[0]
    theirs = tell(org, [owner])[0]
    client = client_for(member)
    response = client.post(f"/o/riverside/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post(f"/o/riverside/notifications/{mine.pk}/read/")
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "badge" not in client.get("/o/riverside/notifications/").content.decode()


def test_mark_read_with_htmx_swaps_the_row(org, member, kind):
    mine = tell(org, [member], title="Swap me")[0]
    response = client_for(member).post(f"/o/riverside/notifications/{mine.pk}/read/",
                                       headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{mine.pk}"' in body and "Swap me" in body
    assert "Mark read" not in body and "<html" not in body


def test_mark_all_read_leaves_other_organizations_alone(org, other_org, member, kind):
    tell(org, [member])
    tell(org, [member])
    MembershipFactory(organization=other_org, user=member)
    elsewhere = tell(other_org, [member])[0]
    client_for(member).post("/o/riverside/notifications/read/")
    assert not Notification.objects.filter(organization=org, read_at=None).exists()
    elsewhere.refresh_from_db()
    assert elsewhere.read_at is None


def test_list_page_queries_do_not_grow_with_items(org, member, kind):
    client = client_for(member)
    tell(org, [member])
    with_one = count_queries(client, "/o/riverside/notifications/")
    tell(org, [member])
    tell(org, [member])
    assert count_queries(client, "/o/riverside/notifications/") == with_one


def test_account_page_saves_email_choices_per_kind(member, kind, quiet_kind):
    client = client_for(member)
    page = client.get("/account/").content.decode()
    assert "Example happened" in page and "Quiet example" in page
    response = client.post("/account/notifications/", {"email": [quiet_kind]})
    assert response.status_code == 302
    stored = dict(NotificationPreference.objects.filter(user=member)
                  .values_list("kind", "email"))
    assert stored.items() >= {KIND: False, quiet_kind: True}.items()
    assert notifications.email_choices(user=member)[KIND] is False
    assert notifications.email_choices(user=member)[quiet_kind] is True
    assert client.get("/account/notifications/").status_code == 405


# --- the API: the same list, marking read and email choices, for the caller only ------------

def api_for(user) -> Client:
    _token, secret = services.create_api_token(user=user, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


def test_api_lists_my_notifications_newest_first_and_filters_unread(
        org, other_org, owner, member, kind):
    tell(org, [member], title="First")
    tell(org, [member], title="Second")
    tell(org, [owner], title="Not for the member")
    MembershipFactory(organization=other_org, user=member)
    tell(other_org, [member], title="Elsewhere")
    Notification.objects.filter(title="First").update(read_at=timezone.now())
    api = api_for(member)

    everything = api.get(f"/api/v1/orgs/{org.slug}/notifications").json()
    assert [n["title"] for n in everything["items"]] == ["Second", "First"]
    assert everything["items"][0]["link"] == f"/o/{org.slug}/" and everything["count"] == 2
    unread = api.get(f"/api/v1/orgs/{org.slug}/notifications?unread=true").json()
    assert [n["title"] for n in unread["items"]] == ["Second"]


def test_api_marks_one_read_and_never_another_persons(org, owner, member, kind):
    tell(org, [member, owner], title="Team news")
    mine = Notification.objects.get(recipient=member)
    theirs = Notification.objects.get(recipient=owner)
    api = api_for(member)

    response = api.post(f"/api/v1/orgs/{org.slug}/notifications/{theirs.pk}/read")
    assert response.status_code == 404
    response = api.post(f"/api/v1/orgs/{org.slug}/notifications/{mine.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_marks_all_read_in_one_organization(org, other_org, member, kind):
    tell(org, [member], title="One")
    tell(org, [member], title="Two")
    MembershipFactory(organization=other_org, user=member)
    tell(other_org, [member], title="Elsewhere")

    response = api_for(member).post(f"/api/v1/orgs/{org.slug}/notifications/read")
    assert response.json() == {"marked": 2}
    assert Notification.objects.get(title="Elsewhere").read_at is None


def test_api_refuses_an_outsider(org, outsider, kind):
    response = api_for(outsider).get(f"/api/v1/orgs/{org.slug}/notifications")
    assert response.status_code == 404


def test_api_reads_and_sets_email_choices_per_kind(member, kind, quiet_kind):
    api = api_for(member)
    listed = {k["key"]: k["email"] for k in api.get("/api/v1/me/notification-kinds").json()}
    assert (listed[kind], listed[quiet_kind]) == (True, False)

    response = api.put("/api/v1/me/notification-kinds", {kind: False},
                       content_type="application/json")
    assert response.status_code == 200
    assert {k["key"]: k["email"] for k in response.json()}[kind] is False
    assert NotificationPreference.objects.get(user=member, kind=kind).email is False


def test_api_refuses_an_unknown_kind_and_changes_nothing(member, kind):
    response = api_for(member).put("/api/v1/me/notification-kinds",
                                   {kind: False, "made.up": True},
                                   content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "made.up", "reason": (
        "Not a kind of notification (see GET /me/notification-kinds).")}]
    assert not NotificationPreference.objects.filter(user=member).exists()
