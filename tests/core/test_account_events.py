"""Account events on the audit trail: sign-ins (with how the second factor was shown),
failed sign-ins, lockouts, sign-outs, password resets and changes; never a secret, and never
the text typed into a failed sign-in."""

import re

from django.test import Client

from safetyhub.core import audit
from safetyhub.core.models import AuditEntry

from ..factories import PASSWORD, UserFactory
from .test_two_factor import code_for, device_for, sign_in_password, wrong_code

WRONG = "not the password at all"


def account_events(event: str | None = None, *, after: int = 0) -> list[AuditEntry]:
    """The account events recorded (after the entry with pk `after`), oldest first."""
    entries = AuditEntry.objects.filter(object_type="core.Account", pk__gt=after).order_by("pk")
    return [e for e in entries if event is None or e.changes["event"] == event]


def last_entry() -> int:
    """A marker: events after it were caused by the test, not by making its people."""
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def entry_text(entry: AuditEntry) -> str:
    return " ".join([entry.object_repr, entry.object_id, entry.actor_label, str(entry.changes)])


def test_sign_in_is_recorded_with_the_account_and_address(member):
    client = Client(REMOTE_ADDR="192.0.2.10")
    sign_in_password(client, member)
    [entry] = account_events("sign_in")
    assert entry.object_id == str(member.pk)
    assert entry.object_repr == member.email
    assert entry.actor_id == member.pk
    assert entry.chain == audit.PLATFORM_CHAIN
    assert entry.changes == {"event": "sign_in", "client_address": "192.0.2.10"}
    assert PASSWORD not in entry_text(entry)


def test_sign_in_with_a_code_says_so_and_a_wrong_code_is_recorded(member):
    device = device_for(member)
    client = Client()
    sign_in_password(client, member)
    assert account_events("sign_in") == []  # the password alone signs no one in
    bad = wrong_code(device)
    client.post("/accounts/login/verify/", {"code": bad})
    [failed] = account_events("sign_in.second_factor_failed")
    assert failed.object_id == str(member.pk)
    assert bad not in entry_text(failed)
    device.throttling_failure_timestamp = None
    device.throttling_failure_count = 0
    device.save()
    code = code_for(device)
    client.post("/accounts/login/verify/", {"code": code})
    [entry] = account_events("sign_in")
    assert entry.changes["second_factor"] == "authenticator app"
    assert code not in entry_text(entry)


def test_failed_sign_in_names_a_known_account_but_never_what_was_typed(member):
    Client().post("/accounts/login/", {"username": member.email, "password": WRONG})
    typed = "Pa55word-typed-in-the-wrong-field@example.org"
    Client().post("/accounts/login/", {"username": typed, "password": WRONG})
    known, unknown = account_events("sign_in.failed")
    assert known.object_id == str(member.pk)
    assert unknown.object_id == "" and unknown.object_repr == "unknown account"
    for entry in (known, unknown):
        assert WRONG not in entry_text(entry)
        assert typed.lower() not in entry_text(entry).lower()


def test_lockout_is_recorded_once_per_refused_attempt(member):
    client = Client(REMOTE_ADDR="192.0.2.20")
    for _ in range(5):
        client.post("/accounts/login/", {"username": member.email, "password": WRONG})
    response = client.post("/accounts/login/", {"username": member.email, "password": PASSWORD})
    assert response.status_code == 429
    assert len(account_events("sign_in.failed")) == 4
    locked = account_events("sign_in.locked_out")
    assert len(locked) == 2  # the attempt that locked it, and the one refused while locked
    assert all(e.object_id == str(member.pk) for e in locked)
    assert locked[0].changes["client_address"] == "192.0.2.20"
    assert account_events("sign_in") == []


def test_sign_out_is_recorded(member):
    client = Client()
    sign_in_password(client, member)
    client.post("/accounts/logout/")
    [entry] = account_events("sign_out")
    assert entry.object_id == str(member.pk)


def test_password_reset_request_and_completion_are_recorded(member, mailoutbox):
    start = last_entry()
    client = Client()
    client.post("/accounts/password-reset/", {"email": member.email})
    client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    [requested] = account_events("password.reset_requested")
    assert requested.object_id == str(member.pk)
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    new = "a fresh and long passphrase"
    client.post(form_url, {"new_password1": new, "new_password2": new})
    [reset] = account_events("password.reset")
    [changed] = account_events("password.changed", after=start)
    assert reset.object_id == changed.object_id == str(member.pk)
    secret_part = link.rstrip("/").rsplit("/", 1)[-1]
    for entry in account_events(after=start):
        assert new not in entry_text(entry) and secret_part not in entry_text(entry)


def test_password_change_by_any_path_is_recorded_and_sign_in_bookkeeping_is_not(db):
    user = UserFactory()
    start = last_entry()
    Client().force_login(user)  # updates last_login only
    assert account_events("password.changed", after=start) == []
    user.set_password("another long passphrase")
    user.save()
    [entry] = account_events("password.changed", after=start)
    assert entry.object_id == str(user.pk)
    user.full_name = "Renamed"
    user.save()
    assert len(account_events("password.changed", after=start)) == 1


def test_account_events_keep_the_chain_intact(member):
    client = Client()
    sign_in_password(client, member)
    client.post("/accounts/logout/")
    Client().post("/accounts/login/", {"username": "x@example.org", "password": WRONG})
    assert all(report.ok for report in audit.verify_chains())
