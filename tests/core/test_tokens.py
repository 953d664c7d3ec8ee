"""API tokens: they expire (API_TOKEN_DAYS), are revoked when the password changes (reset or
otherwise) and when the account is deactivated, and the account page lists them with when
they were made, last used and expire, and a way to revoke each; every change is an account
event."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from safetyhub.core import services
from safetyhub.core.models import ApiToken

from ..conftest import client_for
from .test_account_events import account_events


def bearer(secret: str) -> Client:
    return Client(headers={"authorization": f"Bearer {secret}"})


def make_token(user, name="script") -> tuple[ApiToken, str]:
    return services.create_api_token(user=user, name=name)


# --- expiry -------------------------------------------------------------------------------


def test_token_expires_after_the_configured_days(member, settings):
    settings.API_TOKEN_DAYS = 30
    before = timezone.now()
    token, _secret = make_token(member)
    assert before + dt.timedelta(days=30) <= token.expires_at
    assert token.expires_at <= timezone.now() + dt.timedelta(days=30)


def test_default_expiry_is_ninety_days(member):
    token, _secret = make_token(member)
    assert (token.expires_at - token.created_at).days in (89, 90)


def test_expired_token_is_refused_and_recorded_once(member):
    token, secret = make_token(member)
    assert bearer(secret).get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    client = Client(headers={"authorization": f"Bearer {secret}"}, REMOTE_ADDR="192.0.2.30")
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 401
    [expired] = account_events("api_token.expired")
    assert expired.object_id == str(member.pk)
    assert expired.changes["token"] == token.pk
    assert expired.changes["client_address"] == "192.0.2.30"
    assert secret not in str(expired.changes)
    token.refresh_from_db()
    assert token.end_reason == ApiToken.EndReason.EXPIRED


def test_last_use_is_noted_but_not_on_every_request(member):
    token, secret = make_token(member)
    client = bearer(secret)
    client.get("/api/v1/me")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at == first  # recently noted: no write
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=10))
    client.get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at > first


# --- revoked when the password changes or the account is deactivated -----------------------


def test_password_reset_revokes_every_token(member, owner, mailoutbox):
    _one, secret_one = make_token(member, "one")
    _two, secret_two = make_token(member, "two")
    _other, other_secret = make_token(owner, "someone else's")
    client = Client()
    client.post("/accounts/password-reset/", {"email": member.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    new = "a fresh and long passphrase"
    assert client.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    assert bearer(secret_one).get("/api/v1/me").status_code == 401
    assert bearer(secret_two).get("/api/v1/me").status_code == 401
    assert bearer(other_secret).get("/api/v1/me").status_code == 200
    reasons = set(ApiToken.objects.filter(user=member).values_list("end_reason", flat=True))
    assert reasons == {"password_changed"}
    revoked = account_events("api_token.revoked")
    assert sorted(e.changes["name"] for e in revoked) == ["one", "two"]
    assert all(e.changes["reason"] == "password_changed" for e in revoked)
    [changed] = account_events("password.changed")
    assert changed.changes["tokens_revoked"] == 2


def test_password_change_by_any_path_revokes_tokens(member):
    _token, secret = make_token(member)
    member.set_password("changed by an operator in the shell")
    member.save()
    assert bearer(secret).get("/api/v1/me").status_code == 401


def test_saving_the_account_without_a_new_password_keeps_tokens(member):
    _token, secret = make_token(member)
    member.full_name = "New Name"
    member.save()
    client_for(member)  # a sign-in writes last_login
    assert bearer(secret).get("/api/v1/me").status_code == 200


def test_deactivation_revokes_tokens_for_good(member):
    token, secret = make_token(member)
    member.is_active = False
    member.save()
    member.is_active = True  # reactivated later: the old token stays dead
    member.save()
    assert bearer(secret).get("/api/v1/me").status_code == 401
    token.refresh_from_db()
    assert token.end_reason == ApiToken.EndReason.DEACTIVATED
    [deactivated] = account_events("account.deactivated")
    assert deactivated.changes["tokens_revoked"] == 1


# --- the tokens on the account page -----------------------------------------------------------


def test_account_page_lists_tokens_with_dates_and_revoke(member):
    token, _secret = make_token(member, "reporting script")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    old, _ = make_token(member, "old laptop")
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    gone, _ = make_token(member, "revoked one")
    services.revoke_api_token(token=gone)
    page = client_for(member).get("/account/").content.decode()
    assert "reporting script" in page and "old laptop" in page
    assert "revoked one" not in page
    assert "<th scope=\"col\">Expires</th>" in page and "<th scope=\"col\">Last used</th>" in page
    assert token.expires_at.strftime("%-d %b %Y") in page
    assert "<strong>expired</strong>" in page
    assert f'action="/account/tokens/{token.pk}/revoke/"' in page
    assert "never" not in page.split("reporting script")[1].split("</tr>")[0]


def test_creating_and_revoking_on_the_page_are_recorded(member):
    client = client_for(member)
    client.post("/account/", {"name": "nightly export"})
    secret = client.get("/account/").context["new_token"]
    token = ApiToken.objects.get(user=member)
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response["Location"] == "/account/"
    assert bearer(secret).get("/api/v1/me").status_code == 401
    [created] = account_events("api_token.created")
    [revoked] = account_events("api_token.revoked")
    assert created.changes["name"] == revoked.changes["name"] == "nightly export"
    assert revoked.changes["reason"] == "revoked"
    for entry in (created, revoked):
        assert secret not in str(entry.changes) and token.key_hash not in str(entry.changes)


@pytest.mark.parametrize("pk", ["OTHER", "99999999999999999999", "abc", "-1"])
def test_revoking_someone_elses_or_a_made_up_token_is_404(member, owner, pk):
    other, secret = make_token(owner)
    pk = str(other.pk) if pk == "OTHER" else pk
    response = client_for(member).post(f"/account/tokens/{pk}/revoke/")
    assert response.status_code == 404
    assert bearer(secret).get("/api/v1/me").status_code == 200
