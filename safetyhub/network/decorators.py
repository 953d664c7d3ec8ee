"""`network_view`: the one way a network page (/n/<network_slug>/…) is opened."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login

from .access import access_network, require_lead


def network_view(*, leads_only: bool = False) -> Callable:
    """Sign-in first, then the door (`access_network`: 404 for anyone who neither leads the
    network nor belongs to one of its current member organizations), then, for leads-only
    pages, 403 for members. The view gets `request.network_access`."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, network_slug: str, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = access_network(user=request.user, slug=network_slug)
            if leads_only:
                require_lead(access)
            request.network_access = access
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
