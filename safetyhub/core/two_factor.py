"""The second factor: one TOTP authenticator app per person (django-otp's TOTPDevice).

Setting up creates an unconfirmed device whose secret the person adds to their app; a code
from the app confirms it. From then on signing in asks for a code, and turning it off needs
one too. Codes are checked under django-otp's throttling (each wrong code doubles the wait
before the next try) and a code is never accepted twice.

Writes are keyword-only functions, one transaction each, raising ValidationError naming the
field (`code` or `device`) and the reason.
"""

import math
import re
from base64 import b32encode

import segno
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import ApiToken, Organization, User

DEVICE_NAME = "Authenticator app"
CODE_PATTERN = re.compile(r"[0-9]{6}")


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
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=True).order_by("pk").first()
        )
        if device is None:
            raise ValidationError({"device": "Two-factor authentication is not set up."})
        error = _check_code(device, code)
    if error:
        raise ValidationError({"code": error})
    return device


def disable_totp(*, user: User, code: str) -> None:
    """Turn two-factor authentication off, proven by a current code; refused while any of
    the person's organizations requires it."""
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
        error = _check_code(device, code)
        if error is None:
            TOTPDevice.objects.filter(user=user).delete()
            # Tokens made with the second factor no longer stand for one.
            ApiToken.objects.filter(user=user, second_factor=True).update(second_factor=False)
    if error:
        raise ValidationError({"code": error})
