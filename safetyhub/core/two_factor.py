"""The second factor: one TOTP authenticator app per person (django-otp's TOTPDevice), and
recovery codes for when the app is lost.

Setting up creates an unconfirmed device whose secret the person adds to their app; a code
from the app confirms it. From then on signing in asks for a code, and turning it off needs
one too. Codes are checked under django-otp's throttling (each wrong code doubles the wait
before the next try) and a code is never accepted twice.

Recovery codes (RECOVERY_CODE_COUNT of them, made when two-factor is turned on and again on
request with a current code) are shown once and stored hashed; each works once wherever an
app code is asked for after set-up, under the same throttling as app codes.

Writes are keyword-only functions, one transaction each, raising ValidationError naming the
field (`code` or `device`) and the reason.
"""

import math
import re
import secrets
from base64 import b32encode

import segno
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .models import ApiToken, Organization, RecoveryCode, User

DEVICE_NAME = "Authenticator app"
CODE_PATTERN = re.compile(r"[0-9]{6}")
RECOVERY_CODE_COUNT = 10
# Crockford's base32 (no i, l, o, u): 16 characters carry 80 random bits.
RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
RECOVERY_CODE_PATTERN = re.compile(f"[{RECOVERY_ALPHABET}]{{16}}")
# How the second factor was shown, as sign-in entries of the audit trail name it.
BY_APP = "authenticator app"
BY_RECOVERY_CODE = "recovery code"


def confirmed_device(user: User) -> TOTPDevice | None:
    """The person's working authenticator, if they have one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user: User) -> TOTPDevice | None:
    """The authenticator being set up (created, not yet confirmed with a code)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def organizations_requiring_two_factor(user: User) -> list[Organization]:
    """The organizations the person is an active member of that insist on a second factor."""
    return list(
        Organization.objects.filter(
            memberships__user=user, memberships__is_active=True, require_two_factor=True
        ).distinct()
    )


def manual_entry_key(device: TOTPDevice) -> str:
    """The secret as base32, for people who type it into their app instead of scanning."""
    return b32encode(device.bin_key).decode()


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// set-up link as an SVG QR code in a data: URI (allowed by our CSP,
    which forbids inline styles an inline <svg> could need)."""
    # A white background keeps the code scannable on dark themes.
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, light="#fff")


def _check_code(device: TOTPDevice, code: str) -> str | None:
    """Try `code` on a locked device; the reason it failed, or None if it was accepted.
    A wrong code is counted on the device (that is what throttles the next try)."""
    code = str(code).strip()
    if not CODE_PATTERN.fullmatch(code):
        return "Enter the 6 digits your authenticator app shows now."
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = math.ceil(((details or {})["locked_until"] - timezone.now()).total_seconds())
        return (
            f"Too many wrong codes. Wait {max(wait, 1)} seconds, "
            "then enter the newest code from your app."
        )
    if device.verify_token(code):
        return None
    return (
        "That code is not right. Check that your device's clock is correct "
        "and enter the newest code from your app."
    )


def normalize_recovery_code(code: str) -> str:
    """The code as stored: lower case, without the dashes and spaces it is shown with."""
    return re.sub(r"[\s-]", "", str(code)).lower()


def _check_recovery_code(device: TOTPDevice, user: User, code: str) -> str | None:
    """Use up one of the person's recovery codes; the reason it failed, or None. Wrong codes
    count on the authenticator's throttle, so guessing is as slow as for app codes."""
    code = normalize_recovery_code(code)
    if not RECOVERY_CODE_PATTERN.fullmatch(code):
        return "Enter one of your recovery codes: 16 letters and digits, as they were shown."
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = math.ceil(((details or {})["locked_until"] - timezone.now()).total_seconds())
        return f"Too many wrong codes. Wait {max(wait, 1)} seconds, then try again."
    used = RecoveryCode.objects.filter(
        user=user, code_hash=services.hash_secret(code), used_at=None
    ).update(used_at=timezone.now())
    if used:
        device.throttle_reset()
        return None
    device.throttle_increment()
    return "That recovery code is not right, or it was used already."


def _check_second_factor(device: TOTPDevice, user: User, code: str, recovery_code: str
                         ) -> tuple[str, str] | None:
    """Check an app code or, failing that, a recovery code: (field, reason) if refused."""
    if code:
        error = _check_code(device, code)
        return ("code", error) if error else None
    error = _check_recovery_code(device, user, recovery_code)
    return ("recovery_code", error) if error else None


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at=None).count()


@transaction.atomic
def issue_recovery_codes(*, user: User) -> list[str]:
    """New recovery codes for a person with two-factor on, replacing any earlier ones;
    returned once, for showing, and stored only as hashes. Callers have just checked the
    person's second factor (turning it on, or `regenerate_recovery_codes`)."""
    if confirmed_device(user) is None:
        raise ValidationError({"device": "Turn on two-factor authentication first."})
    RecoveryCode.objects.filter(user=user).delete()
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))
             for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=services.hash_secret(code)) for code in codes
    )
    return ["-".join(code[i:i + 4] for i in range(0, 16, 4)) for code in codes]


def regenerate_recovery_codes(*, user: User, code: str = "", recovery_code: str = ""
                              ) -> list[str]:
    """Replace the person's recovery codes, proven by a current app code or recovery code."""
    verify_second_factor(user=user, code=code, recovery_code=recovery_code)
    return issue_recovery_codes(user=user)


@transaction.atomic
def start_totp_setup(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator with a fresh secret, replacing any unfinished one."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(
            {"device": "Two-factor authentication is already on. Turn it off first to move "
                       "to a new authenticator app."}
        )
    # An abandoned set-up's secret may have been seen by someone else: never reuse it.
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def confirm_totp(*, user: User, code: str) -> TOTPDevice:
    """Confirm the authenticator being set up with a code from it; two-factor is then on."""
    # The failure count written by a wrong code must survive, so the transaction commits
    # first and the error is raised after it (not inside it, which would roll it back).
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False).order_by("-pk").first()
        )
        if device is None:
            raise ValidationError({"device": "Start the set-up first."})
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise ValidationError({"device": "Two-factor authentication is already on."})
        error = _check_code(device, code)
        if error is None:
            device.confirmed = True
            device.save()
    if error:
        raise ValidationError({"code": error})
    return device


def verify_totp(*, user: User, code: str) -> TOTPDevice:
    """Check a code from the person's authenticator (to sign in, or to verify a session);
    returns the device that accepted it."""
    return verify_second_factor(user=user, code=code)[0]


def verify_second_factor(*, user: User, code: str = "", recovery_code: str = ""
                         ) -> tuple[TOTPDevice, str]:
    """Check a code from the person's authenticator or, if no app code is given, one of
    their recovery codes (used up by this); returns the device and how it was shown
    (BY_APP or BY_RECOVERY_CODE)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=True).order_by("pk").first()
        )
        if device is None:
            raise ValidationError({"device": "Two-factor authentication is not set up."})
        error = _check_second_factor(device, user, code, recovery_code)
    if error:
        raise ValidationError({error[0]: error[1]})
    return device, BY_APP if code else BY_RECOVERY_CODE


def disable_totp(*, user: User, code: str = "", recovery_code: str = "") -> None:
    """Turn two-factor authentication off, proven by a current code (or a recovery code, for
    someone who lost their app); refused while any of the person's organizations requires
    it."""
    with transaction.atomic():
        required_by = organizations_requiring_two_factor(user)
        if required_by:
            names = ", ".join(org.name for org in required_by)
            raise ValidationError(
                {"device": f"Two-factor authentication stays on: {names} requires it of "
                           "every member."}
            )
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=True).order_by("pk").first()
        )
        if device is None:
            raise ValidationError({"device": "Two-factor authentication is not on."})
        error = _check_second_factor(device, user, code, recovery_code)
        if error is None:
            TOTPDevice.objects.filter(user=user).delete()
            RecoveryCode.objects.filter(user=user).delete()
            # Tokens made with the second factor no longer stand for one.
            ApiToken.objects.filter(user=user, second_factor=True).update(second_factor=False)
    if error:
        raise ValidationError({error[0]: error[1]})
