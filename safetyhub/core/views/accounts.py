"""Signing in and out, password reset, and the person's own account page (API tokens)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import services
from ..forms.accounts import ApiTokenForm, LoginForm
from ..models import ApiToken
from .organizations import add_errors


class LoginView(auth_views.LoginView):
    template_name = "core/accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@require_http_methods(["GET", "POST"])
@login_required
def account(request):
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.create_api_token(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            request.session["new_api_token"] = secret
            messages.success(request, f"Token “{token.name}” created. Copy it now.")
            return redirect("account")
    return render(
        request, "core/accounts/account.html",
        {
            "form": form,
            "tokens": ApiToken.objects.filter(user=request.user, revoked_at=None),
            "new_token": request.session.pop("new_api_token", None),
        },
        status=422 if form.errors else 200,
    )


@require_POST
@login_required
def api_token_revoke(request, pk: str):
    token = ApiToken.objects.filter(user=request.user, pk=pk if str(pk).isdigit() else 0).first()
    if token is None:
        raise Http404("No such token.")
    services.revoke_api_token(token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("account")
