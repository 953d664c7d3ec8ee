"""Signed-in answers are never stored by a cache; a session ends after SESSION_IDLE_SECONDS
without use, and SESSION_COOKIE_AGE after sign-in whatever happens."""

import datetime as dt
import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from safetyhub.core.middleware import LAST_ACTIVITY_KEY
from safetyhub.core.services import create_api_token

from ..factories import PASSWORD

# --- Cache-Control --------------------------------------------------------------------------


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.mark.parametrize("path", ["/o/riverside/", "/account/", "/o/riverside/members/",
                                  "/o/riverside/frameworks/", "/no-such-page/"])
def test_every_answer_to_a_signed_in_person_is_private_and_not_stored(owner_client, path):
    response = owner_client.get(path)
    assert {"private", "no-store"} <= cache_control(response), (path, response.status_code)


def test_signing_in_is_answered_not_stored(member):
    response = Client().post("/accounts/login/", {"username": member.email,
                                                  "password": PASSWORD})
    assert response.status_code == 302
    assert {"private", "no-store"} <= cache_control(response)


def test_every_api_answer_is_private_and_not_stored(member, org):
    _, secret = create_api_token(user=member, name="script")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    for path in ("/api/v1/orgs", f"/api/v1/orgs/{org.slug}", "/api/v1/no-such-thing"):
        response = client.get(path)
        assert {"private", "no-store"} <= cache_control(response), (path, response.status_code)
    anonymous = Client().get("/api/v1/orgs")
    assert anonymous.status_code == 401
    assert {"private", "no-store"} <= cache_control(anonymous)


def test_static_files_and_public_pages_keep_their_caching(client, owner):
    client.force_login(owner)  # even for a signed-in person
    static = client.get("/static/js/autosave.js")
    static.close()
    assert static.status_code == 200
    assert "no-store" not in cache_control(static)
    page = Client().get("/accounts/password-reset/")
    assert page.status_code == 200
    assert "no-store" not in cache_control(page)


# --- idle timeout ---------------------------------------------------------------------------


def idle_for(client: Client, seconds: int) -> None:
    """Move the session's last activity back, as if its person had left it that long."""
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - seconds
    session.save()


def test_a_session_idle_longer_than_the_limit_is_signed_out(owner_client, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    assert owner_client.get("/o/riverside/").status_code == 200
    idle_for(owner_client, 31 * 60)
    response = owner_client.get("/o/riverside/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/o/riverside/"
    assert "signed out after 30 minutes without activity" in response.content.decode()
    assert "_auth_user_id" not in owner_client.session


def test_activity_keeps_a_session_alive_autosave_included(owner_client, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    owner_client.get("/o/riverside/")
    idle_for(owner_client, 29 * 60)
    owner_client.get("/o/riverside/members/", headers={"HX-Request": "true"})
    idle_for_more = owner_client.session[LAST_ACTIVITY_KEY]
    assert int(time.time()) - idle_for_more < 5  # the HTMX request counted as activity
    assert owner_client.get("/o/riverside/").status_code == 200


def test_an_htmx_request_after_the_timeout_is_refused_without_a_page_to_swap(owner_client,
                                                                            settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    owner_client.get("/o/riverside/")
    idle_for(owner_client, 31 * 60)
    response = owner_client.post("/o/riverside/sites/", {"name": "Main", "kind": "hospital"},
                                 headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert "signed out after 30 minutes" in response.content.decode()
    assert "_auth_user_id" not in owner_client.session


def test_the_session_is_written_at_most_once_a_minute(owner_client):
    owner_client.get("/o/riverside/")
    key = owner_client.session.session_key
    first = Session.objects.get(session_key=key).session_data
    for _ in range(3):
        owner_client.get("/o/riverside/members/")
    assert Session.objects.get(session_key=key).session_data == first


def test_activity_does_not_stretch_the_absolute_lifetime(owner_client, settings):
    settings.SESSION_COOKIE_AGE = 12 * 60 * 60
    owner_client.get("/o/riverside/")
    expires = owner_client.session.get_expiry_date()
    assert abs(expires - (timezone.now() + dt.timedelta(hours=12))) < dt.timedelta(minutes=1)
    idle_for(owner_client, 10 * 60)  # a write is due
    owner_client.get("/o/riverside/members/")
    assert owner_client.session.get_expiry_date() == expires
    assert Session.objects.get(
        session_key=owner_client.session.session_key).expire_date == expires
