from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from ..throttle import Throttled


@never_cache
@require_GET
def healthz(request):
    """Up when the database answers; for load balancers and uptime checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the real icon."""
    return HttpResponseRedirect(static("favicon.svg"))


def csrf_failure(request, reason: str = ""):
    """A forged or stale CSRF token: say so plainly, change nothing."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "CSRF check failed: reload the page and try again.", "reason": reason},
            status=403,
        )
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


def too_many(request, exc: Throttled):
    """429 for a throttle (core/throttle.py): what was refused, and when to try again."""
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": [{"field": "rate", "reason": exc.message}]}, status=429)
    else:
        response = render(request, "429.html",
                          {"message": exc.message, "retry_after": exc.retry_after}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response
