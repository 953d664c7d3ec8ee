"""The person's notifications in one organization: the list, "mark read" and "mark all
read". Plain forms that work without JavaScript; with HTMX, marking one read swaps its row."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .. import notifications
from ..access import access_notification
from ..decorators import org_view

PAGE_SIZE = 100


@require_GET
@org_view()
def notification_list(request):
    items = list(notifications.notifications_for(user=request.user,
                                                 organization=request.organization)[:PAGE_SIZE])
    return render(request, "core/notifications.html", {"notifications": items})


@require_POST
@org_view()
def notification_read(request, pk: str):
    org = request.organization
    item = access_notification(user=request.user, organization=org, pk=pk)
    notifications.mark_read(user=request.user, organization=org, pk=item.pk)
    if request.headers.get("HX-Request"):
        item.refresh_from_db(fields=["read_at"])
        return render(request, "core/_notification_row.html", {"n": item})
    return redirect("notifications", org_slug=org.slug)


@require_POST
@org_view()
def notification_read_all(request):
    notifications.mark_read(user=request.user, organization=request.organization)
    return redirect("notifications", org_slug=request.organization.slug)
