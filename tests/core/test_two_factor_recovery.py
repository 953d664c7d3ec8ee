"""Recovery codes: made when two-factor is turned on (and again on request with a current
code), shown once, stored hashed, each usable once instead of an app code; the account page
says how many remain, and every step is on the audit trail without the codes."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from safetyhub.core import two_factor
from safetyhub.core.models import AuditEntry, RecoveryCode

from ..conftest import client_for
from .test_account_events import account_events, last_entry
from .test_two_factor import code_for, device_for, sign_in_password, unthrottle, wrong_code
from .test_two_factor_enforcement import verified_client


def turn_on(client: Client, user) -> list[str]:
    """Turn two-factor on through the page; the recovery codes it shows."""
    client.post("/account/two-factor/", {"action": "start"})
    device = two_factor.pending_device(user)
    response = client.post("/account/two-factor/", {"action": "confirm",
                                                    "code": code_for(device)})
    page = client.get(response["Location"])
    return page.context["new_recovery_codes"]


def test_turning_two_factor_on_shows_ten_codes_once_and_stores_only_hashes(member):
    client = client_for(member)
    codes = turn_on(client, member)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 19 and code.count("-") == 3 for code in codes)
    again = client.get("/account/two-factor/")
    assert again.context["new_recovery_codes"] is None
    assert codes[0] not in again.content.decode()
    stored = set(RecoveryCode.objects.filter(user=member).values_list("code_hash", flat=True))
    assert stored == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    assert "Recovery codes: 10 unused." in again.content.decode()


def test_sign_in_with_a_recovery_code_works_once(member):
    codes = turn_on(client_for(member), member)
    client = Client()
    sign_in_password(client, member)
    typed = codes[3].upper().replace("-", " ")  # as someone might copy it
    response = client.post("/accounts/login/verify/", {"recovery_code": typed})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
    assert client.session[DEVICE_ID_SESSION_KEY]  # the session counts as verified
    page = client.get("/account/").content.decode()  # the warning waits for the next page
    assert "You used a recovery code; 9 are left." in page
    assert two_factor.recovery_codes_left(member) == 9

    again = Client()
    sign_in_password(again, member)
    response = again.post("/accounts/login/verify/", {"recovery_code": codes[3]})
    assert response.status_code == 422
    assert "used already" in response.context["form"].errors["recovery_code"][0]
    assert "_auth_user_id" not in again.session


def test_recovery_code_sign_in_is_audited_without_the_code(member):
    codes = turn_on(client_for(member), member)
    start = last_entry()
    client = Client()
    sign_in_password(client, member)
    client.post("/accounts/login/verify/", {"recovery_code": codes[0]})
    [signed_in] = account_events("sign_in", after=start)
    assert signed_in.changes["second_factor"] == "recovery code"
    [used] = account_events("two_factor.recovery_code_used")
    assert used.changes["codes_left"] == 9
    [generated] = account_events("two_factor.recovery_codes_generated")
    assert generated.changes["count"] == 10
    assert len(account_events("two_factor.enabled")) == 1
    everything = " ".join(str(e.changes) + e.object_repr for e in AuditEntry.objects.all())
    for code in codes:
        assert code not in everything and code.replace("-", "") not in everything
    for code_hash in RecoveryCode.objects.values_list("code_hash", flat=True):
        assert code_hash not in everything


def test_wrong_recovery_codes_are_throttled_like_app_codes(member):
    device = device_for(member)
    codes = two_factor.issue_recovery_codes(user=member)
    with pytest.raises(ValidationError) as exc:
        two_factor.verify_second_factor(user=member, recovery_code="0" * 16)
    assert "not right" in exc.value.message_dict["recovery_code"][0]
    with pytest.raises(ValidationError) as exc:
        two_factor.verify_second_factor(user=member, recovery_code=codes[0])
    assert "Too many wrong codes" in exc.value.message_dict["recovery_code"][0]
    assert two_factor.recovery_codes_left(member) == 10  # the refused try used nothing
    unthrottle(device)
    assert two_factor.verify_second_factor(user=member, recovery_code=codes[0]) == (
        device, two_factor.BY_RECOVERY_CODE)


def test_malformed_recovery_code_is_refused_without_counting(member):
    device = device_for(member)
    two_factor.issue_recovery_codes(user=member)
    with pytest.raises(ValidationError) as exc:
        two_factor.verify_second_factor(user=member, recovery_code="abc\x00")
    assert "16 letters and digits" in exc.value.message_dict["recovery_code"][0]
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_someone_elses_recovery_code_does_not_work(member, owner):
    device_for(member)
    device_for(owner)
    owner_codes = two_factor.issue_recovery_codes(user=owner)
    with pytest.raises(ValidationError):
        two_factor.verify_second_factor(user=member, recovery_code=owner_codes[0])
    assert two_factor.recovery_codes_left(owner) == 10


def test_making_new_codes_needs_a_current_code_and_ends_the_old_ones(member):
    device = device_for(member)
    old = two_factor.issue_recovery_codes(user=member)
    client = verified_client(member, device)
    response = client.post("/account/two-factor/", {"action": "recovery_codes",
                                                    "code": wrong_code(device)})
    assert response.status_code == 422
    assert two_factor.recovery_codes_left(member) == 10
    unthrottle(device)
    response = client.post("/account/two-factor/", {"action": "recovery_codes",
                                                    "code": code_for(device)})
    new = client.get(response["Location"]).context["new_recovery_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    with pytest.raises(ValidationError):
        two_factor.verify_second_factor(user=member, recovery_code=old[0])
    unthrottle(device)
    two_factor.verify_second_factor(user=member, recovery_code=new[0])


def test_lost_app_turn_off_with_a_recovery_code(member):
    codes = turn_on(client_for(member), member)
    client = Client()
    sign_in_password(client, member)
    client.post("/accounts/login/verify/", {"recovery_code": codes[0]})
    response = client.post("/account/two-factor/", {"action": "disable",
                                                    "recovery_code": codes[1]})
    assert response["Location"] == "/account/two-factor/"
    assert two_factor.confirmed_device(member) is None
    assert not RecoveryCode.objects.filter(user=member).exists()
    assert len(account_events("two_factor.disabled")) == 1


def test_codes_cannot_be_issued_without_two_factor(member):
    with pytest.raises(ValidationError) as exc:
        two_factor.issue_recovery_codes(user=member)
    assert "Turn on two-factor" in exc.value.message_dict["device"][0]
    assert not RecoveryCode.objects.exists()


def test_account_page_shows_how_many_codes_remain(member):
    device = device_for(member)
    codes = two_factor.issue_recovery_codes(user=member)
    two_factor.verify_second_factor(user=member, recovery_code=codes[0])
    page = verified_client(member, device).get("/account/").content.decode()
    assert "Recovery codes left: 9." in page


def test_sign_in_step_refuses_an_empty_answer(member):
    device_for(member)
    client = Client()
    sign_in_password(client, member)
    response = client.post("/accounts/login/verify/", {"code": "", "recovery_code": ""})
    assert response.status_code == 422
    assert "or one of your recovery codes" in response.context["form"].errors["code"][0]
