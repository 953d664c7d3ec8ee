"""Lockout per account and address together; an address that fails often is slowed down,
never locked; both read the client address through core.net (trusted proxies only)."""

import time

from axes.models import AccessAttempt
from django.test import Client

from safetyhub.core import throttle

from ..factories import PASSWORD

WRONG = "not the password at all"


def sign_in(email: str, password: str, address: str, forwarded: str | None = None,
            client: Client | None = None):
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return (client or Client()).post(
        "/accounts/login/", {"username": email, "password": password}, **extra)


def test_failures_with_made_up_emails_do_not_lock_a_real_user_at_that_address(member):
    for number in range(5):
        sign_in(f"made-up-{number}@example.org", WRONG, "203.0.113.7")
    client = Client()
    response = sign_in(member.email, PASSWORD, "203.0.113.7", client=client)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_an_account_is_locked_at_the_address_that_failed_not_everywhere(member):
    for _ in range(5):
        sign_in(member.email, WRONG, "203.0.113.7")
    assert sign_in(member.email, PASSWORD, "203.0.113.7").status_code == 429
    assert sign_in(member.email, PASSWORD, "198.51.100.4").status_code == 302


def test_an_address_that_fails_often_is_slowed_down_not_locked(member, owner, settings,
                                                              monkeypatch):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    # Counts are kept per minute: start at the beginning of one, so the tries cannot
    # straddle two minutes on a slow machine.
    start = time.time() // 60 * 60 + 1
    monkeypatch.setattr(throttle.time, "time", lambda: start)
    for number in range(8):
        assert sign_in(f"guess-{number}@example.org", WRONG, "203.0.113.7").status_code == 422
    # The right password waits too: the pause must not tell a guesser they were right.
    paused = sign_in(member.email, PASSWORD, "203.0.113.7")
    assert paused.status_code == 429
    assert 1 <= int(paused["Retry-After"]) <= 60
    assert "Too many failed sign-ins came from your network" in paused.content.decode()
    # Other addresses are untouched.
    assert sign_in(owner.email, PASSWORD, "198.51.100.4").status_code == 302
    # A minute later the address may sign in again: slowed, not locked.
    monkeypatch.setattr(throttle.time, "time", lambda: start + 61)
    client = Client()
    assert sign_in(member.email, PASSWORD, "203.0.113.7", client=client).status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_a_spoofed_forwarded_for_is_ignored_without_a_trusted_proxy(member, settings):
    settings.TRUSTED_PROXIES = []
    for number in range(5):
        sign_in(member.email, WRONG, "203.0.113.7", forwarded=f"198.51.100.{number}")
    # Each failure counted against the real address, so the account is locked there…
    assert sign_in(member.email, PASSWORD, "203.0.113.7",
                   forwarded="198.51.100.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_forwarded_for_is_honoured_from_a_trusted_proxy(member, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    for _ in range(5):
        sign_in(member.email, WRONG, "10.0.0.1", forwarded="203.0.113.7")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    # Locked for the attacker's address, not for colleagues behind the same proxy.
    assert sign_in(member.email, PASSWORD, "10.0.0.1",
                   forwarded="203.0.113.7").status_code == 429
    assert sign_in(member.email, PASSWORD, "10.0.0.1",
                   forwarded="198.51.100.4").status_code == 302
