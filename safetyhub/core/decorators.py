"""`org_view`: the one way a page inside an organization is opened."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .access import access_organization, require_permission
from .services import note_opened


def org_view(permission: str = "core.view_organization") -> Callable:
    """Resolve `org_slug` to `request.organization` for an active member (404 for anyone
    else), insist on a second factor where the organization requires one, then check
    `permission` against the member's role (403)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, org_slug: str, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            org = access_organization(user=request.user, slug=org_slug)
            if org.require_two_factor and not request.user.is_verified():
                return redirect(f"{reverse('two_factor')}?{urlencode({'next': request.path})}")
            require_permission(user=request.user, permission=permission, organization=org)
            request.organization = org
            if request.session.get("last_org") != org.slug:  # a write only when it changes
                request.session["last_org"] = org.slug
                note_opened(user=request.user, organization=org)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
