"""Signing in with a password, lockout after repeated failures, password reset by email, and
the production security settings. (The code step of signing in: test_two_factor.py.)"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.test import Client

from ..factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]
WRONG = "not the password at all"


def sign_in(client: Client, email: str, password: str, **extra):
    return client.post("/accounts/login/", {"username": email, "password": password}, **extra)


def page_without_tokens(response, email: str) -> str:
    """The page as a person sees it, minus per-request tokens (CSRF, CSP nonce) and the
    typed email."""
    body = response.content.decode()
    body = re.sub(r'nonce="[^"]+"', "", body)
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r'"(X-CSRFToken|inlineScriptNonce)": "[^"]+"', "", body)
    return body.replace(email, "EMAIL")


# --- signing in -----------------------------------------------------------------------------


def test_login_signs_in_with_the_right_password(member):
    client = Client()
    response = sign_in(client, member.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(member.pk)


def test_login_email_is_not_case_sensitive(member):
    client = Client()
    response = sign_in(client, "  Member@Example.ORG", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_login_keeps_a_safe_next_and_drops_an_offsite_one(member):
    client = Client()
    response = client.post("/accounts/login/", {"username": member.email, "password": PASSWORD,
                                                "next": "/o/riverside/"})
    assert response["Location"] == "/o/riverside/"
    client = Client()
    response = client.post("/accounts/login/", {"username": member.email, "password": PASSWORD,
                                                "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_login_wrong_password_shows_an_error_and_does_not_sign_in(member):
    client = Client()
    response = sign_in(client, member.email, WRONG)
    assert response.status_code == 422
    assert "Please enter a correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_unknown_or_inactive_email_looks_like_a_wrong_password(member):
    UserFactory(email="gone@example.org", is_active=False)
    wrong = sign_in(Client(), member.email, WRONG)
    unknown = sign_in(Client(), "nobody@example.org", WRONG)
    inactive = sign_in(Client(), "gone@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == inactive.status_code == 422
    assert wrong.context["form"].errors == unknown.context["form"].errors
    assert wrong.context["form"].errors == inactive.context["form"].errors
    expected = page_without_tokens(wrong, member.email)
    assert page_without_tokens(unknown, "nobody@example.org") == expected
    assert page_without_tokens(inactive, "gone@example.org") == expected


# --- lockout --------------------------------------------------------------------------------


def test_login_locks_out_after_five_failures_even_with_the_right_password(member):
    client = Client()
    for _ in range(4):
        assert sign_in(client, member.email, WRONG).status_code == 422
    fifth = sign_in(client, member.email, WRONG)
    assert fifth.status_code == 429
    response = sign_in(client, member.email, PASSWORD)
    assert response.status_code == 429
    assert "Sign-in paused" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_lockout_looks_the_same_for_an_unknown_email(member):
    for _ in range(5):
        sign_in(Client(), "nobody@example.org", WRONG, REMOTE_ADDR="10.0.0.7")
    unknown = sign_in(Client(), "nobody@example.org", WRONG, REMOTE_ADDR="10.0.0.7")
    for _ in range(5):
        sign_in(Client(), member.email, WRONG, REMOTE_ADDR="10.0.0.8")
    known = sign_in(Client(), member.email, PASSWORD, REMOTE_ADDR="10.0.0.8")
    assert unknown.status_code == known.status_code == 429
    assert page_without_tokens(unknown, "nobody@example.org") == page_without_tokens(
        known, member.email)


def test_login_lockout_leaves_other_people_elsewhere_alone(member, owner):
    for _ in range(5):
        sign_in(Client(), member.email, WRONG)
    client = Client()
    response = sign_in(client, owner.email, PASSWORD, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_login_success_resets_the_failure_count(member):
    client = Client()
    for _ in range(4):
        sign_in(client, member.email, WRONG)
    assert sign_in(client, member.email, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert sign_in(client, member.email, WRONG).status_code == 422
    response = sign_in(client, member.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


# --- password reset -------------------------------------------------------------------------


def reset_link(message) -> str:
    match = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_emails_a_link_to_an_active_user(member, mailoutbox):
    response = Client().post("/accounts/password-reset/", {"email": "Member@example.org"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["member@example.org"]
    assert mailoutbox[0].subject == "Reset your SafetyHub password"
    reset_link(mailoutbox[0])


def test_password_reset_sends_nothing_for_unknown_or_inactive_addresses(db, mailoutbox):
    UserFactory(email="gone@example.org", is_active=False)
    for email in ("nobody@example.org", "gone@example.org"):
        response = Client().post("/accounts/password-reset/", {"email": email})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password-reset/sent/"
    assert mailoutbox == []


def test_password_reset_link_insists_on_ten_characters(member, mailoutbox):
    client = Client()
    client.post("/accounts/password-reset/", {"email": member.email})
    form_url = client.get(reset_link(mailoutbox[0]))["Location"]
    response = client.post(form_url, {"new_password1": "Short-pw9", "new_password2": "Short-pw9"})
    assert response.status_code == 200
    assert "at least 10 characters" in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_password_reset_link_sets_the_new_password_once(member, mailoutbox):
    client = Client()
    client.post("/accounts/password-reset/", {"email": member.email})
    link = reset_link(mailoutbox[0])
    form_url = client.get(link)["Location"]
    new = "a fresh and long passphrase"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response["Location"] == "/accounts/reset/done/"
    member.refresh_from_db()
    assert member.check_password(new)
    assert "_auth_user_id" not in client.session  # reset does not sign in

    again = Client().get(link, follow=True)
    assert again.context["validlink"] is False
    assert "used already or has expired" in again.content.decode()
    assert sign_in(Client(), member.email, new).status_code == 302


# --- production settings --------------------------------------------------------------------


def production_env(tmp_path, **overrides) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "SAFETYHUB_", "DATABASE_", "EMAIL_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="safetyhub.settings",
        SAFETYHUB_HTTPS="true",
        SECRET_KEY=secrets.token_urlsafe(64),
        AUDIT_KEYS=f"2027:{secrets.token_urlsafe(48)}",
        ALLOWED_HOSTS="safetyhub.example.org",
        DEBUG="false",
        SAFETYHUB_DATA_DIR=str(tmp_path),
        # Production sends mail over SMTP; without it Django's deploy check (rightly) fails
        # on the development file backend. Nothing connects to this host.
        EMAIL_HOST="smtp.example.org",
    )
    env.update(overrides)
    return env


def test_deploy_check_passes_with_https(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path),
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_warns_when_the_audit_key_sits_beside_the_database(tmp_path):
    env = production_env(tmp_path)
    del env["AUDIT_KEYS"]
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 1
    assert "safetyhub.W001" in result.stdout + result.stderr


def test_https_setting_makes_cookies_secure_and_turns_on_hsts(tmp_path):
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=production_env(tmp_path),
        capture_output=True, text=True, timeout=120, check=True,
    )
    last_line = result.stdout.strip().splitlines()[-1]
    session_secure, csrf_secure, http_only, ssl_redirect, hsts = json.loads(last_line)
    assert session_secure and csrf_secure and http_only and ssl_redirect
    assert hsts >= 60 * 60 * 24 * 365
