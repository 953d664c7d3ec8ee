"""Signing in (password, then a code for people with two-factor on) and out, password reset,
and the person's own account pages (API tokens, two-factor authentication)."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from .. import account_events, notifications, services, throttle, two_factor
from ..forms.accounts import ApiTokenForm, LoginForm, SecondFactorForm, TotpCodeForm
from ..models import ApiToken, User
from ..net import client_address
from .organizations import add_errors
from .system import too_many

# Who passed the password step and waits for the code step; kept in the session only.
PENDING_SESSION_KEY = "two_factor_pending"
PENDING_LIFETIME_SECONDS = 10 * 60
# Failed sign-ins are counted per address in windows of this many seconds (see post()).
ADDRESS_FAILURE_WINDOW = 60


def safe_next(request: HttpRequest) -> str:
    """The `next` URL of the request if it stays on this site, else ""."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class LoginView(auth_views.LoginView):
    template_name = "core/accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # An address that failed LOGIN_ADDRESS_FAILURE_LIMIT times this minute, whatever the
        # accounts, is slowed down: every sign-in from it waits for the next minute, the
        # right password too (else the pause would tell a guesser when they were right).
        # Nothing is locked: other addresses are untouched, and this one may try again in
        # under a minute. Each account is locked on its own, per address, by axes.
        full = throttle.blocked(self._address_key(), limit=settings.LOGIN_ADDRESS_FAILURE_LIMIT,
                                window=ADDRESS_FAILURE_WINDOW)
        if full is not None:
            return too_many(request, throttle.Throttled(
                "Too many failed sign-ins came from your network in the last minute.",
                retry_after=full.retry_after))
        return super().post(request, *args, **kwargs)

    def _address_key(self) -> str:
        return f"login-failures:{client_address(self.request)}"

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.confirmed_device(user) is None:
            return super().form_valid(form)
        # The password was right, but the person is not signed in until the code is.
        # A new session key, so a session id planted before sign-in cannot ride along.
        self.request.session.cycle_key()
        self.request.session[PENDING_SESSION_KEY] = {
            "user_id": user.pk,
            "backend": user.backend,
            "since": time.time(),
        }
        return HttpResponseRedirect(_with_next(reverse("login_verify"), self.get_redirect_url()))

    def form_invalid(self, form):
        throttle.hit(self._address_key(), limit=settings.LOGIN_ADDRESS_FAILURE_LIMIT,
                     window=ADDRESS_FAILURE_WINDOW)
        response = super().form_invalid(form)
        response.status_code = 422
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/accounts/password_reset_confirm.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        account_events.record("password.reset", request=self.request, user=form.user)
        return response


def _pending_sign_in(request: HttpRequest) -> tuple[User, str] | None:
    """The person waiting for the code step and their auth backend, if still current."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return None
    fresh = time.time() - float(pending.get("since", 0)) < PENDING_LIFETIME_SECONDS
    user = User.objects.filter(pk=pending.get("user_id"), is_active=True).first()
    backend = pending.get("backend")
    if not fresh or user is None or backend not in settings.AUTHENTICATION_BACKENDS:
        del request.session[PENDING_SESSION_KEY]
        return None
    return user, backend


@never_cache
@sensitive_post_parameters("code", "recovery_code")
@require_http_methods(["GET", "POST"])
def login_verify(request):
    """The second sign-in step: a code from the person's authenticator app, or one of their
    recovery codes."""
    next_url = safe_next(request)
    pending = _pending_sign_in(request)
    if pending is None:
        if request.method == "POST":
            messages.error(request, "Your sign-in took too long. Please sign in again.")
        return redirect(_with_next(reverse("login"), next_url))
    user, backend = pending
    form = SecondFactorForm(request.POST or None, autofocus=True)
    if request.method == "POST" and form.is_valid():
        try:
            device, shown_by = two_factor.verify_second_factor(
                user=user, code=form.cleaned_data["code"],
                recovery_code=form.cleaned_data["recovery_code"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
            account_events.record("sign_in.second_factor_failed", request=request, user=user)
        else:
            del request.session[PENDING_SESSION_KEY]
            setattr(request, account_events.SECOND_FACTOR_ATTRIBUTE, shown_by)
            auth_login(request, user, backend=backend)
            otp_login(request, device)
            if shown_by == two_factor.BY_RECOVERY_CODE:
                _recovery_code_used(request, user)
            return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(
        request, "core/accounts/login_verify.html", {"form": form, "next": next_url},
        status=422 if form.errors else 200,
    )


def _recovery_code_used(request: HttpRequest, user: User) -> None:
    left = two_factor.recovery_codes_left(user)
    account_events.record("two_factor.recovery_code_used", request=request, user=user,
                          codes_left=left)
    messages.warning(
        request,
        f"You used a recovery code; {left} {'is' if left == 1 else 'are'} left. If you lost "
        "your authenticator app, set up a new one, or make new recovery codes, on the "
        "two-factor page.",
    )


@require_http_methods(["GET", "POST"])
@login_required
def account(request):
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.create_api_token(
                user=request.user, name=form.cleaned_data["name"],
                second_factor=request.user.is_verified(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            account_events.record("api_token.created", request=request, user=request.user,
                                  token=token.pk, name=token.name,
                                  second_factor=token.second_factor)
            request.session["new_api_token"] = secret
            messages.success(request, f"Token “{token.name}” created. Copy it now.")
            return redirect("account")
    return render(
        request, "core/accounts/account.html",
        {
            "form": form,
            "tokens": ApiToken.objects.filter(user=request.user, revoked_at=None),
            "now": timezone.now(),
            "token_days": settings.API_TOKEN_DAYS,
            "new_token": request.session.pop("new_api_token", None),
            "two_factor_on": two_factor.confirmed_device(request.user) is not None,
            "recovery_codes_left": two_factor.recovery_codes_left(request.user),
            "notification_kinds": _notification_choices(request.user),
        },
        status=422 if form.errors else 200,
    )


def _notification_choices(user) -> list[tuple[notifications.Kind, bool]]:
    chosen = notifications.email_choices(user=user)
    return [(kind, chosen[kind.key]) for kind in notifications.kinds()]


@require_POST
@login_required
def notification_settings(request):
    """Email per kind of notification: a ticked box means email; the app shows them all."""
    ticked = set(request.POST.getlist("email"))
    notifications.set_email_choices(
        user=request.user,
        choices={kind.key: kind.key in ticked for kind in notifications.kinds()})
    messages.success(request, "Your email choices are saved.")
    return redirect(reverse("account") + "#notifications-heading")


@require_POST
@login_required
def api_token_revoke(request, pk: str):
    token = ApiToken.objects.filter(user=request.user, revoked_at=None,
                                    pk=pk if str(pk).isdigit() else 0).first()
    if token is None:
        raise Http404("No such token.")
    services.revoke_api_token(token=token)
    account_events.record("api_token.revoked", request=request, user=request.user,
                          token=token.pk, name=token.name, reason=token.end_reason)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("account")


CODE_ACTIONS = {"confirm", "verify", "disable", "recovery_codes"}
NEW_CODES_SESSION_KEY = "new_recovery_codes"


def _two_factor_post(
    request, form: TotpCodeForm, action: str, next_url: str
) -> HttpResponse | None:
    """Carry out one action of the two-factor page; a redirect, or None to show errors."""
    user = request.user
    here = _with_next(reverse("two_factor"), next_url)
    if action == "start":
        try:
            two_factor.start_totp_setup(user=user)
        except ValidationError as exc:
            for error in exc.messages:  # no code was typed, so no form to attach it to
                messages.error(request, error)
        return redirect(here)
    if action not in CODE_ACTIONS:
        messages.error(request, "Unknown action; reload the page and try again.")
        return redirect(here)
    if not form.is_valid():
        return None
    code = form.cleaned_data["code"]
    recovery_code = form.cleaned_data.get("recovery_code", "")
    if action == "confirm":
        device = two_factor.confirm_totp(user=user, code=code)
        otp_login(request, device)  # this session has now shown the second factor
        account_events.record("two_factor.enabled", request=request, user=user)
        _show_new_recovery_codes(request, two_factor.issue_recovery_codes(user=user))
        messages.success(request, "Two-factor authentication is on. Signing in will now ask "
                                  "for a code from your app.")
        return redirect(here)  # the new recovery codes are shown there, once
    if action == "disable":
        two_factor.disable_totp(user=user, code=code, recovery_code=recovery_code)
        account_events.record("two_factor.disabled", request=request, user=user)
        messages.success(request, "Two-factor authentication is off.")
        return redirect("two_factor")
    if action == "recovery_codes":
        codes = two_factor.regenerate_recovery_codes(user=user, code=code,
                                                     recovery_code=recovery_code)
        _show_new_recovery_codes(request, codes)
        return redirect(here)
    device, shown_by = two_factor.verify_second_factor(user=user, code=code,
                                                       recovery_code=recovery_code)
    otp_login(request, device)
    account_events.record("two_factor.session_verified", request=request, user=user,
                          second_factor=shown_by)
    if shown_by == two_factor.BY_RECOVERY_CODE:
        _recovery_code_used(request, user)
    else:
        messages.success(request, "Code accepted.")
    return redirect(next_url or here)


def _show_new_recovery_codes(request: HttpRequest, codes: list[str]) -> None:
    """Keep new codes for the next page view only (popped when shown), and record it."""
    request.session[NEW_CODES_SESSION_KEY] = codes
    account_events.record("two_factor.recovery_codes_generated", request=request,
                          user=request.user, count=len(codes))


@never_cache
@sensitive_post_parameters("code", "recovery_code")
@require_http_methods(["GET", "POST"])
@login_required
def two_factor_settings(request):
    """Set up, verify or turn off the person's authenticator app, and make recovery codes.
    Organizations that require a second factor send their members here (with `next`) until
    the session is verified."""
    user = request.user
    next_url = safe_next(request)
    action = request.POST.get("action", "")
    form_class = TotpCodeForm if action == "confirm" else SecondFactorForm
    form = form_class(request.POST if action in CODE_ACTIONS else None)
    if request.method == "POST":
        try:
            response = _two_factor_post(request, form, action, next_url)
        except ValidationError as exc:
            add_errors(form, exc)
            if action != "confirm":
                account_events.record("two_factor.code_failed", request=request, user=user,
                                      action=action)
        else:
            if response is not None:
                return response
    device = two_factor.confirmed_device(user)
    pending = None if device else two_factor.pending_device(user)
    if device is not None:
        state = "on" if user.is_verified() else "unverified"
    else:
        state = "setting_up" if pending else "off"
    wanted = TotpCodeForm if state == "setting_up" else SecondFactorForm
    if type(form) is not wanted:  # the page moved on (just turned on or off): a fresh form
        form = wanted()
    return render(
        request,
        "core/accounts/two_factor.html",
        {
            "form": form,
            "state": state,
            "next": next_url,
            "required_by": two_factor.organizations_requiring_two_factor(user),
            "qr_code": two_factor.qr_code_data_uri(pending) if pending else "",
            "manual_key": two_factor.manual_entry_key(pending) if pending else "",
            "new_recovery_codes": request.session.pop(NEW_CODES_SESSION_KEY, None),
            "recovery_codes_left": two_factor.recovery_codes_left(user) if device else 0,
        },
        status=422 if form.errors else 200,
    )
