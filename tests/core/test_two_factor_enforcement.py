"""The second factor everywhere: the Django admin signs in only through SafetyHub's two-step
sign-in and opens only in a verified session; a session that has not shown the second factor
its owner has cannot use pages or the API; and API tokens obey an organization's two-factor
rule as sessions do."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from safetyhub.core import services, two_factor
from safetyhub.core.models import ApiToken

from ..conftest import client_for
from ..factories import PASSWORD, UserFactory
from .test_two_factor import code_for, device_for, sign_in_password


def verified_client(user, device) -> Client:
    """A session that has passed the second factor with `device` (as the code step leaves it)."""
    client = client_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


# --- the Django admin -------------------------------------------------------------------------


def test_admin_login_form_no_longer_signs_in_with_a_password(db):
    root = UserFactory(is_staff=True, is_superuser=True)
    device_for(root)
    client = Client()
    response = client.post("/django-admin/login/?next=/django-admin/",
                           {"username": root.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fdjango-admin%2F"
    assert "_auth_user_id" not in client.session
    assert client.get("/django-admin/").status_code == 302


def test_admin_login_sends_to_safetyhub_sign_in_and_its_code_step(db):
    root = UserFactory(is_staff=True, is_superuser=True)
    device = device_for(root)
    client = Client()
    login_url = client.get("/django-admin/")["Location"]
    assert login_url.startswith("/django-admin/login/")
    response = client.get(login_url)
    assert response["Location"] == "/accounts/login/?next=%2Fdjango-admin%2F"
    response = sign_in_password(client, root, next="/django-admin/")
    assert response["Location"] == "/accounts/login/verify/?next=%2Fdjango-admin%2F"
    response = client.post(response["Location"], {"code": code_for(device)})
    assert response["Location"] == "/django-admin/"
    assert client.get("/django-admin/").status_code == 200


def test_admin_refuses_a_superuser_session_without_a_second_factor(db):
    root = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(root)  # signed in with a password, no authenticator at all
    response = client.get("/django-admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/account/two-factor/?next=%2Fdjango-admin%2F"
    assert "The Django administration opens only in a session verified" in (
        response.content.decode())
    assert client.get("/django-admin/core/user/").status_code == 302


def test_admin_opens_for_a_verified_superuser(db):
    root = UserFactory(is_staff=True, is_superuser=True)
    client = verified_client(root, device_for(root))
    assert client.get("/django-admin/").status_code == 200
    assert client.get("/django-admin/login/")["Location"] == "/django-admin/"


def test_admin_login_refuses_a_signed_in_non_superuser(member):
    device = device_for(member)
    response = verified_client(member, device).get("/django-admin/login/")
    assert response.status_code == 403


# --- sessions of people with two-factor on ----------------------------------------------------


def test_unverified_session_of_a_two_factor_user_cannot_use_pages(member, org):
    device_for(member)
    client = client_for(member)  # e.g. signed in before two-factor was turned on elsewhere
    for path in ("/", "/account/", "/o/riverside/", "/o/riverside/sites/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/account/two-factor/?next="), path
    assert client.get("/api/v1/me").status_code == 403
    assert client.get("/account/two-factor/").status_code == 200  # it can verify itself
    assert client.post("/accounts/logout/").status_code == 302  # or sign out


def test_unverified_session_is_let_in_once_a_code_is_entered(member, org):
    device = device_for(member)
    client = client_for(member)
    response = client.post("/account/two-factor/", {"action": "verify", "code": code_for(device),
                                                    "next": "/o/riverside/"})
    assert response["Location"] == "/o/riverside/"
    assert client.get("/o/riverside/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_session_of_a_person_without_two_factor_is_unaffected(member, org):
    client = client_for(member)
    assert client.get("/o/riverside/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


# --- API tokens in an organization that requires two-factor ------------------------------------


def bearer(secret: str) -> Client:
    return Client(headers={"authorization": f"Bearer {secret}"})


def require_two_factor(org) -> None:
    org.require_two_factor = True
    org.save()


def test_token_made_without_second_factor_cannot_read_a_two_factor_org(member, org):
    _token, secret = services.create_api_token(user=member, name="made before the rule")
    require_two_factor(org)
    client = bearer(secret)
    for path in ("/api/v1/orgs/riverside", "/api/v1/orgs/riverside/sites"):
        response = client.get(path)
        assert response.status_code == 403, path
        reason = response.json()["detail"][0]["reason"]
        assert "requires two-factor authentication" in reason
        assert "make a new token" in reason
    assert client.get("/api/v1/me").status_code == 200  # the token itself still signs in


def test_token_made_in_a_verified_session_reads_a_two_factor_org(member, org):
    device = device_for(member)
    require_two_factor(org)
    client = verified_client(member, device)
    response = client.post("/account/", {"name": "reporting script"})
    assert response.status_code == 302
    secret = client.get("/account/").context["new_token"]
    token = ApiToken.objects.get(user=member)
    assert token.second_factor is True
    assert bearer(secret).get("/api/v1/orgs/riverside/sites").status_code == 200


def test_member_of_a_two_factor_org_without_it_cannot_create_a_token(member, org):
    require_two_factor(org)
    with pytest.raises(ValidationError) as exc:
        services.create_api_token(user=member, name="script")
    assert "Riverside General requires two-factor" in exc.value.message_dict["second_factor"][0]
    assert not ApiToken.objects.exists()


def test_account_page_explains_why_a_token_is_refused(member, org):
    require_two_factor(org)
    client = client_for(member)
    response = client.post("/account/", {"name": "script"})
    assert response.status_code == 422
    assert "Riverside General requires two-factor authentication" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_of_someone_who_turned_two_factor_off_no_longer_counts_as_verified(member, org):
    device = device_for(member)
    token, secret = services.create_api_token(user=member, name="script", second_factor=True)
    two_factor.disable_totp(user=member, code=code_for(device))
    require_two_factor(org)
    token.refresh_from_db()
    assert token.second_factor is False
    assert bearer(secret).get("/api/v1/orgs/riverside").status_code == 403


def test_session_api_of_a_two_factor_org_needs_a_verified_session(member, org):
    require_two_factor(org)
    client = client_for(member)  # no authenticator: the middleware lets it through
    response = client.get("/api/v1/orgs/riverside")
    assert response.status_code == 403
    assert "enter a code" in response.json()["detail"][0]["reason"]
