"""The second factor: TOTP set-up, confirmation, verification and removal (services and the
two-factor page), the code step of signing in, and the audit trail of devices."""

import datetime as dt
import time
from base64 import b32encode

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from safetyhub.core import two_factor
from safetyhub.core.models import AuditEntry, Role
from safetyhub.core.views.accounts import PENDING_LIFETIME_SECONDS, PENDING_SESSION_KEY

from ..conftest import client_for
from ..factories import PASSWORD, MembershipFactory, UserFactory


def code_for(device: TOTPDevice) -> str:
    """The code the person's app shows now (or the next one, if this one was used)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    while totp.t() <= device.last_t:
        totp.time += device.step
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    """A well-formed code that no step within the device's tolerance accepts."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = time.time()
    near = set()
    for offset in range(-3, 4):
        totp.time = now + offset * device.step
        near.add(f"{totp.token():06d}")
    return next(c for c in (f"{d}" * 6 for d in range(10)) if c not in near)


def device_for(user, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=confirmed)


def unthrottle(device: TOTPDevice) -> None:
    """Let the throttling delay pass (as if the person waited) without sleeping."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(hours=1)
    )


def sign_in_password(client: Client, user, **extra) -> object:
    return client.post("/accounts/login/", {"username": user.email, "password": PASSWORD,
                                            **extra})


# --- services -------------------------------------------------------------------------------


def test_start_totp_setup_creates_unconfirmed_device(member):
    device = two_factor.start_totp_setup(user=member)
    assert device.confirmed is False
    assert device.user == member
    assert two_factor.confirmed_device(member) is None
    assert two_factor.pending_device(member) == device


def test_start_totp_setup_replaces_unfinished_setup_with_new_secret(member):
    first = two_factor.start_totp_setup(user=member)
    second = two_factor.start_totp_setup(user=member)
    assert list(TOTPDevice.objects.filter(user=member)) == [second]
    assert second.key != first.key


def test_start_totp_setup_refuses_when_already_on(member):
    device_for(member)
    with pytest.raises(ValidationError) as exc:
        two_factor.start_totp_setup(user=member)
    assert "already on" in exc.value.message_dict["device"][0]
    assert TOTPDevice.objects.filter(user=member).count() == 1


def test_confirm_totp_confirms_device_with_right_code(member):
    device = two_factor.start_totp_setup(user=member)
    confirmed = two_factor.confirm_totp(user=member, code=code_for(device))
    assert confirmed.pk == device.pk
    assert two_factor.confirmed_device(member) == device


def test_confirm_totp_rejects_wrong_code_and_counts_the_failure(member):
    device = two_factor.start_totp_setup(user=member)
    with pytest.raises(ValidationError) as exc:
        two_factor.confirm_totp(user=member, code=wrong_code(device))
    assert "not right" in exc.value.message_dict["code"][0]
    device.refresh_from_db()
    assert device.confirmed is False
    assert device.throttling_failure_count == 1  # kept although the call raised


def test_confirm_totp_without_setup_is_refused(member):
    with pytest.raises(ValidationError) as exc:
        two_factor.confirm_totp(user=member, code="123456")
    assert "Start the set-up" in exc.value.message_dict["device"][0]


def test_verify_totp_is_throttled_after_a_wrong_code(member):
    device = device_for(member)
    with pytest.raises(ValidationError):
        two_factor.verify_totp(user=member, code=wrong_code(device))
    with pytest.raises(ValidationError) as exc:
        two_factor.verify_totp(user=member, code=code_for(device))
    assert "Too many wrong codes" in exc.value.message_dict["code"][0]
    unthrottle(device)
    assert two_factor.verify_totp(user=member, code=code_for(device)) == device


def test_verify_totp_rejects_a_code_used_before(member):
    device = device_for(member)
    code = code_for(device)
    two_factor.verify_totp(user=member, code=code)
    with pytest.raises(ValidationError) as exc:
        two_factor.verify_totp(user=member, code=code)
    assert "not right" in exc.value.message_dict["code"][0]


def test_verify_totp_rejects_malformed_code_without_counting_it(member):
    device = device_for(member)
    with pytest.raises(ValidationError) as exc:
        two_factor.verify_totp(user=member, code="\uff11" * 6)  # full-width digits
    assert "6 digits" in exc.value.message_dict["code"][0]
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_verify_totp_ignores_other_peoples_devices(member, owner):
    owner_device = device_for(owner)
    with pytest.raises(ValidationError) as exc:
        two_factor.verify_totp(user=member, code=code_for(owner_device))
    assert "not set up" in exc.value.message_dict["device"][0]


def test_disable_totp_needs_the_current_code(member):
    device = device_for(member)
    with pytest.raises(ValidationError):
        two_factor.disable_totp(user=member, code=wrong_code(device))
    assert TOTPDevice.objects.filter(user=member).exists()
    unthrottle(device)
    two_factor.disable_totp(user=member, code=code_for(device))
    assert not TOTPDevice.objects.filter(user=member).exists()


def test_disable_totp_refused_while_an_organization_requires_it(member, org):
    org.require_two_factor = True
    org.save()
    device = device_for(member)
    with pytest.raises(ValidationError) as exc:
        two_factor.disable_totp(user=member, code=code_for(device))
    assert "Riverside General requires it" in exc.value.message_dict["device"][0]
    assert TOTPDevice.objects.filter(user=member).exists()


def test_disable_totp_allowed_after_leaving_the_requiring_organization(member, org):
    org.require_two_factor = True
    org.save()
    org.memberships.filter(user=member).update(is_active=False)
    device = device_for(member)
    two_factor.disable_totp(user=member, code=code_for(device))
    assert not TOTPDevice.objects.filter(user=member).exists()


def test_totp_device_changes_are_audited_without_the_secret(member):
    device = two_factor.start_totp_setup(user=member)
    two_factor.confirm_totp(user=member, code=code_for(device))
    two_factor.verify_totp(user=member, code=code_for(device))  # sign-in bookkeeping only
    two_factor.disable_totp(user=member, code=code_for(device))
    entries = list(AuditEntry.objects.filter(object_type="otp_totp.TOTPDevice").order_by("seq"))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[0].changes["key"] == {"changed": True}
    assert entries[1].changes == {"confirmed": {"from": False, "to": True}}
    assert all(e.organization_id is None for e in entries)
    assert all(device.key not in str(e.changes) for e in entries)


# --- signing in: the code step --------------------------------------------------------------


def test_login_with_two_factor_waits_for_the_code(member):
    device_for(member)
    client = Client()
    response = sign_in_password(client, member)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/verify/"
    assert "_auth_user_id" not in client.session
    assert client.session[PENDING_SESSION_KEY]["user_id"] == member.pk
    assert client.get("/account/").status_code == 302  # not signed in yet


def test_login_verify_page_asks_for_the_code_accessibly(member):
    device_for(member)
    client = Client()
    sign_in_password(client, member)
    body = client.get("/accounts/login/verify/").content.decode()
    assert 'autocomplete="one-time-code"' in body
    assert 'inputmode="numeric"' in body
    assert '<label for="id_code"' in body
    assert " style=" not in body


def test_login_verify_signs_in_and_marks_the_session_verified(member):
    device = device_for(member)
    client = Client()
    sign_in_password(client, member)
    response = client.post("/accounts/login/verify/", {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(member.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert PENDING_SESSION_KEY not in client.session


def test_login_verify_wrong_code_shows_error_and_does_not_sign_in(member):
    device = device_for(member)
    client = Client()
    sign_in_password(client, member)
    response = client.post("/accounts/login/verify/", {"code": wrong_code(device)})
    assert response.status_code == 422
    assert "That code is not right" in response.context["form"].errors["code"][0]
    assert 'aria-invalid="true"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_verify_accepts_code_typed_with_a_space(member):
    device = device_for(member)
    client = Client()
    sign_in_password(client, member)
    code = code_for(device)
    response = client.post("/accounts/login/verify/", {"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_login_verify_is_throttled_after_a_wrong_code(member):
    device = device_for(member)
    client = Client()
    sign_in_password(client, member)
    client.post("/accounts/login/verify/", {"code": wrong_code(device)})
    response = client.post("/accounts/login/verify/", {"code": code_for(device)})
    assert response.status_code == 422
    assert "Too many wrong codes" in response.context["form"].errors["code"][0]
    assert "_auth_user_id" not in client.session


def test_login_verify_keeps_a_safe_next(member):
    device = device_for(member)
    client = Client()
    response = sign_in_password(client, member, next="/o/riverside/sites/")
    assert response["Location"] == "/accounts/login/verify/?next=%2Fo%2Friverside%2Fsites%2F"
    response = client.post(response["Location"], {"code": code_for(device)})
    assert response["Location"] == "/o/riverside/sites/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_login_verify_drops_an_offsite_next(member, target):
    device = device_for(member)
    client = Client()
    sign_in_password(client, member)
    response = client.post("/accounts/login/verify/", {"code": code_for(device),
                                                       "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_verify_without_pending_sign_in_sends_to_login(member):
    response = Client().get("/accounts/login/verify/?next=/o/riverside/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fo%2Friverside%2F"


def test_login_verify_pending_sign_in_expires(member):
    device = device_for(member)
    client = Client()
    sign_in_password(client, member)
    session = client.session
    session[PENDING_SESSION_KEY]["since"] -= PENDING_LIFETIME_SECONDS + 1
    session.save()
    response = client.post("/accounts/login/verify/", {"code": code_for(device)})
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    assert PENDING_SESSION_KEY not in client.session


def test_login_verify_refuses_a_user_deactivated_meanwhile(member):
    device = device_for(member)
    client = Client()
    sign_in_password(client, member)
    member.is_active = False
    member.save()
    response = client.post("/accounts/login/verify/", {"code": code_for(device)})
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_login_with_two_factor_resets_the_failure_count_once_the_code_is_right(member):
    device = device_for(member)
    client = Client()
    for _ in range(4):
        client.post("/accounts/login/", {"username": member.email, "password": "wrong one!"})
    sign_in_password(client, member)
    client.post("/accounts/login/verify/", {"code": code_for(device)})
    client.post("/accounts/logout/")
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": member.email,
                                                    "password": "wrong one!"})
        assert response.status_code == 422
    assert sign_in_password(client, member)["Location"] == "/accounts/login/verify/"


def test_login_with_unfinished_setup_signs_in_with_password_only(member):
    device_for(member, confirmed=False)
    client = Client()
    response = sign_in_password(client, member)
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(member.pk)


# --- the two-factor page --------------------------------------------------------------------


def test_two_factor_page_requires_sign_in(db):
    response = Client().get("/account/two-factor/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_two_factor_page_setup_shows_qr_code_and_key(member_client, member):
    response = member_client.post("/account/two-factor/", {"action": "start"})
    assert response["Location"] == "/account/two-factor/"
    response = member_client.get("/account/two-factor/")
    body = response.content.decode()
    device = TOTPDevice.objects.get(user=member, confirmed=False)
    assert '<img src="data:image/svg+xml' in body
    assert 'alt="QR code that adds your SafetyHub account' in body
    assert b32encode(device.bin_key).decode() in body
    assert 'autocomplete="one-time-code"' in body
    assert 'inputmode="numeric"' in body
    assert " style=" not in body and "<script>" not in body


def test_two_factor_page_confirm_turns_it_on_and_verifies_the_session(member_client, member):
    member_client.post("/account/two-factor/", {"action": "start"})
    device = TOTPDevice.objects.get(user=member)
    response = member_client.post("/account/two-factor/",
                                  {"action": "confirm", "code": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert member_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    body = member_client.get("/account/two-factor/").content.decode()
    assert "Status: on" in body


def test_two_factor_page_confirm_wrong_code_shows_error(member_client, member):
    member_client.post("/account/two-factor/", {"action": "start"})
    device = TOTPDevice.objects.get(user=member)
    response = member_client.post("/account/two-factor/",
                                  {"action": "confirm", "code": wrong_code(device)})
    assert response.status_code == 422
    assert "That code is not right" in response.context["form"].errors["code"][0]
    device.refresh_from_db()
    assert not device.confirmed
    assert DEVICE_ID_SESSION_KEY not in member_client.session


def test_two_factor_page_rejects_a_malformed_code(member_client, member):
    member_client.post("/account/two-factor/", {"action": "start"})
    response = member_client.post("/account/two-factor/", {"action": "confirm", "code": "12ab"})
    assert response.status_code == 422
    assert "Enter the 6 digits" in response.context["form"].errors["code"][0]


def test_org_requiring_two_factor_sends_member_through_setup_and_back(member, org):
    org.require_two_factor = True
    org.save()
    client = client_for(member)
    response = client.get("/o/riverside/")
    assert response["Location"] == "/account/two-factor/?next=%2Fo%2Friverside%2F"
    page = client.get(response["Location"])
    assert "Riverside General requires two-factor authentication" in page.content.decode()
    response = client.post("/account/two-factor/?next=%2Fo%2Friverside%2F", {"action": "start"})
    assert response["Location"] == "/account/two-factor/?next=%2Fo%2Friverside%2F"
    device = TOTPDevice.objects.get(user=member)
    response = client.post("/account/two-factor/", {"action": "confirm",
                                                    "code": code_for(device),
                                                    "next": "/o/riverside/"})
    # First the new recovery codes, shown once, with the way on.
    assert response["Location"] == "/account/two-factor/?next=%2Fo%2Friverside%2F"
    page = client.get(response["Location"]).content.decode()
    assert "Your recovery codes" in page
    assert '<a href="/o/riverside/">I have saved them; continue</a>' in page
    assert client.get("/o/riverside/").status_code == 200


def test_two_factor_page_verifies_an_unverified_session(member, org):
    """Signed in before the organization turned the requirement on: a code is enough."""
    device = device_for(member)
    client = client_for(member)  # a session without a second factor
    org.require_two_factor = True
    org.save()
    assert client.get("/o/riverside/").status_code == 302
    page = client.get("/account/two-factor/?next=%2Fo%2Friverside%2F").content.decode()
    assert "enter a code for this session" in page
    response = client.post("/account/two-factor/", {"action": "verify", "code": code_for(device),
                                                    "next": "/o/riverside/"})
    assert response["Location"] == "/o/riverside/"
    assert client.get("/o/riverside/").status_code == 200


def test_two_factor_page_cannot_start_over_while_on(member):
    device = device_for(member)
    client = client_for(member)
    response = client.post("/account/two-factor/", {"action": "start"}, follow=True)
    assert "already on" in response.content.decode()
    assert list(TOTPDevice.objects.filter(user=member)) == [device]


def test_two_factor_page_ignores_an_offsite_next(member_client, member):
    member_client.post("/account/two-factor/", {"action": "start"})
    device = TOTPDevice.objects.get(user=member)
    response = member_client.post("/account/two-factor/", {
        "action": "confirm", "code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/account/two-factor/"


def test_two_factor_page_turns_it_off_with_a_code(member):
    device = device_for(member)
    client = Client()
    sign_in_password(client, member)
    client.post("/accounts/login/verify/", {"code": code_for(device)})
    response = client.post("/account/two-factor/", {"action": "disable",
                                                    "code": code_for(device)})
    assert response["Location"] == "/account/two-factor/"
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert "Status: off" in client.get("/account/two-factor/").content.decode()


def test_two_factor_page_refuses_to_turn_off_what_an_org_requires(member, org):
    device = device_for(member)
    client = Client()
    sign_in_password(client, member)
    client.post("/accounts/login/verify/", {"code": code_for(device)})
    org.require_two_factor = True
    org.save()
    page = client.get("/account/two-factor/").content.decode()
    assert "You cannot turn it off while Riverside General requires it" in page
    assert 'value="disable"' not in page
    response = client.post("/account/two-factor/", {"action": "disable",
                                                    "code": code_for(device)})
    assert response.status_code == 422
    assert "Riverside General requires it" in response.content.decode()
    assert TOTPDevice.objects.filter(user=member).exists()


def test_two_factor_page_acts_only_on_the_signed_in_person(member, owner):
    owner_device = device_for(owner)
    client = client_for(member)
    client.post("/account/two-factor/", {"action": "disable", "code": code_for(owner_device)})
    client.post("/account/two-factor/", {"action": "start"})
    assert list(TOTPDevice.objects.filter(user=owner)) == [owner_device]


def test_account_page_shows_two_factor_status(member):
    client = client_for(member)
    assert "Off: signing in needs only your password" in client.get("/account/").content.decode()
    device = device_for(member)
    client.post("/account/two-factor/", {"action": "verify", "code": code_for(device)})
    assert "On: signing in asks for a code" in client.get("/account/").content.decode()


def test_member_of_two_factor_org_without_device_can_sign_in_to_set_it_up(org):
    """Password-only sign-in still works; the organization's pages wait for the set-up."""
    user = MembershipFactory(organization=org, role=Role.ASSESSOR, user=UserFactory()).user
    org.require_two_factor = True
    org.save()
    client = Client()
    assert sign_in_password(client, user)["Location"] == "/"
    assert client.get("/o/riverside/")["Location"].startswith("/account/two-factor/")
