from django.utils.functional import SimpleLazyObject

from .notifications import unread_count
from .queries import memberships_for_switcher


def shell(request) -> dict:
    """What the page shell needs: the current organization, the switcher, the permissions
    that decide which menu entries show."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    org = getattr(request, "organization", None)
    return {
        "current_org": org,
        "switcher": SimpleLazyObject(lambda: memberships_for_switcher(user=user)),
        # counted only if the page shows it: one indexed query
        "unread_notifications": SimpleLazyObject(
            lambda: unread_count(user=user, organization=org) if org is not None else 0),
        "can": {
            "manage_members": org is not None and user.has_perm("core.manage_members", org),
            "manage_sites": org is not None and user.has_perm("core.manage_sites", org),
            "view_audit": org is not None and user.has_perm("core.view_audit", org),
            "view_board_pack": org is not None and user.has_perm("core.view_board_pack", org),
            # the events app's rule (an unknown permission is simply refused)
            "review_events": org is not None and user.has_perm("events.review", org),
            "view_serious_events": org is not None
            and user.has_perm("events.view_serious", org),
            "view_event_aggregates": org is not None
            and user.has_perm("events.view_aggregates", org),
            "view_investigation_board": org is not None
            and user.has_perm("investigations.view_board", org),
            "manage_public_page": org is not None
            and user.has_perm("events.manage_public_page", org),
            # investigations' rules: communication after harm, care for the caregiver
            "view_resolution": org is not None
            and user.has_perm("investigations.view_resolution", org),
            "view_program_measures": org is not None
            and user.has_perm("investigations.view_program_measures", org),
            "coordinate_support": org is not None
            and user.has_perm("investigations.coordinate_support", org),
            "manage_organization": org is not None
            and user.has_perm("core.manage_organization", org),
        },
    }
