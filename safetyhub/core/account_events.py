"""Account events on the audit trail: sign-ins and their failures, lockouts, sign-outs,
password resets and changes, two-factor and API-token changes.

Sign-ins, sign-outs, failures and lockouts are recorded from Django's and django-axes'
signals, and password changes from saves of the account, so every way in (the pages, the
admin, a management command) is covered. Never a secret: no password, code or token, and not
what was typed as the email of a failed sign-in (people type passwords into that field).
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from . import audit
from .models import User
from .net import client_address

# Views that sign someone in put how the second factor was shown here (on the request), so
# the sign-in entry can say it: "authenticator app", "recovery code" or absent.
SECOND_FACTOR_ATTRIBUTE = "signed_in_with_second_factor"


def address_of(request: HttpRequest | None) -> str:
    """The client's address, read as sign-in lockout reads it (net.client_address)."""
    return client_address(request) if request is not None else ""


def record(event: str, *, request: HttpRequest | None = None, user: User | None = None,
           client_address: str = "", **detail) -> None:
    """Record one account event for `user` (None: no known account), from `request` (or
    from `client_address`, for callers that have no request)."""
    audit.record_account_event(
        event=event, user=user, client_address=client_address or address_of(request),
        detail=detail,
    )


def _account_named(username) -> User | None:
    """The account a sign-in attempt named, if there is one (the typed text is not kept)."""
    if not isinstance(username, str) or not username.strip():
        return None
    return User.objects.filter(email__iexact=username.strip()).first()


@receiver(user_logged_in, dispatch_uid="account_events:signed_in")
def _signed_in(sender, request, user, **kwargs) -> None:
    second_factor = getattr(request, SECOND_FACTOR_ATTRIBUTE, "") if request else ""
    with audit.acting_as(user):
        if second_factor:
            record("sign_in", request=request, user=user, second_factor=second_factor)
        else:
            record("sign_in", request=request, user=user)


@receiver(user_login_failed, dispatch_uid="account_events:sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # An attempt refused by the lockout is recorded as a lockout event instead (one entry
    # per attempt either way).
    if request is not None and getattr(request, "axes_locked_out", False):
        return
    record("sign_in.failed", request=request, user=_account_named(credentials.get("username")))


@receiver(user_locked_out, dispatch_uid="account_events:locked_out")
def _locked_out(sender, request, username=None, **kwargs) -> None:
    record("sign_in.locked_out", request=request, user=_account_named(username),
           failures=getattr(request, "axes_failures_since_start", None))


@receiver(user_logged_out, dispatch_uid="account_events:signed_out")
def _signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record("sign_out", request=request, user=user)


@receiver(pre_save, sender=User, dispatch_uid="account_events:before_save")
def _remember_account(sender, instance: User, update_fields=None, raw=False, **kwargs) -> None:
    """Note the stored password hash and active flag before a save that may change them (one
    query, and only for saves that may write them: sign-ins only touch last_login)."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    instance._account_before = (
        User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    )


@receiver(post_save, sender=User, dispatch_uid="account_events:after_save")
def _account_changed(sender, instance: User, created: bool, raw=False, **kwargs) -> None:
    """A changed password or a deactivation ends the account's API tokens: whoever held the
    old password, or the person who left, must not keep a way in."""
    from .services import revoke_api_tokens  # services records through this module

    before = instance.__dict__.pop("_account_before", None)
    if raw or created or before is None:
        return
    # An account saved without any password first and given one after (as fixtures do)
    # had nothing anyone could hold: that is not a change.
    if before["password"] and before["password"] != instance.password:
        revoked = revoke_api_tokens(user=instance, reason="password_changed")
        record("password.changed", user=instance, tokens_revoked=len(revoked))
    if before["is_active"] and not instance.is_active:
        revoked = revoke_api_tokens(user=instance, reason="deactivated")
        record("account.deactivated", user=instance, tokens_revoked=len(revoked))
