import re

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader

from .. import account_events, throttle
from ..net import client_address
from ..tasks import send_email

HOUR = 60 * 60


class InvitedAccountForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150)
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password.",
    )
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "email",
                                                               "autofocus": True})
    )

    def clean_username(self) -> str:
        # Accounts are stored with lower-case emails; lower-casing here also makes the
        # lockout count "Ann@x.org" and "ann@x.org" as the same account.
        return self.cleaned_data["username"].strip().lower()


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )

    def __init__(self, *args, autofocus: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if autofocus:
            self.fields["code"].widget.attrs["autofocus"] = True

    def clean_code(self) -> str:
        # Apps show the code as "123 456"; people may type it that way.
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code):
            raise forms.ValidationError("Enter the 6 digits your authenticator app shows now.")
        return code


class SecondFactorForm(TotpCodeForm):
    """A code from the authenticator app or, for someone who lost it, a recovery code."""

    recovery_code = forms.CharField(
        label="Or a recovery code",
        required=False,
        max_length=40,
        help_text="One of the codes you saved when you turned two-factor authentication on; "
                  "each works once.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "autocapitalize": "none", "size": 22}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False

    def clean_code(self) -> str:
        return super().clean_code() if self.cleaned_data.get("code") else ""

    def clean(self):
        data = super().clean()
        if not data.get("code") and not data.get("recovery_code") and not self.errors:
            self.add_error("code", "Enter the 6 digits your authenticator app shows now, "
                                   "or one of your recovery codes.")
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="Token name", max_length=100,
                           help_text="Where it will be used, e.g. “reporting script”.")


class QueuedPasswordResetForm(PasswordResetForm):
    """Queue the reset email, so the answer takes as long for an unknown address as for a
    known one (the page never reveals who has an account).

    Mails are limited per account and per address an hour, so the form cannot flood someone's
    inbox or be used to probe at speed; beyond a limit nothing is sent, and the page still
    answers the same, so the limit reveals nothing either."""

    def save(self, *, request=None, **kwargs) -> None:
        if request is not None and throttle.hit(
            f"password-reset-address:{client_address(request)}",
            limit=settings.PASSWORD_RESET_REQUESTS_PER_ADDRESS, window=HOUR,
        ).exceeded:
            return
        self._request = request  # for the audit entry of each reset mail
        super().save(request=request, **kwargs)

    def get_users(self, email):
        for user in super().get_users(email):
            if not throttle.hit(f"password-reset-account:{user.pk}",
                                limit=settings.PASSWORD_RESET_MAILS_PER_ACCOUNT,
                                window=HOUR).exceeded:
                yield user

    def send_mail(self, subject_template_name, email_template_name, context, from_email,
                  to_email, html_email_template_name=None) -> None:
        account_events.record("password.reset_requested", request=getattr(self, "_request", None),
                              user=context["user"])
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        send_email.enqueue(subject=subject, body=body, to=[to_email])
