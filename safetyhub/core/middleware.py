import datetime as dt
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode

from . import audit, two_factor
from .throttle import Throttled

request_log = logging.getLogger("safetyhub.request")


class RequestLogMiddleware:
    """One structured line per request: method, path, status, duration, user. A view that
    took an anonymous report sets `request.log_no_user`: its line names no one, so the log
    cannot tie the report to the person signed in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        request_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated
                and not getattr(request, "log_no_user", False) else None,
            },
        )
        return response


class BodySizeLimitMiddleware:
    """Refuse oversized bodies up front with a clear 413, before anything reads them. File
    uploads (multipart) may be larger than other requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data")
        limit = settings.MAX_UPLOAD_BYTES if multipart else settings.MAX_REQUEST_BYTES
        if length > limit:
            message = f"The request is too large ({length} bytes; the limit is {limit})."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return render(request, "413.html", {"message": message}, status=413)
        return self.get_response(request)


class AuditActorMiddleware:
    """Attribute audit entries written during the request to the signed-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if request.user.is_authenticated else None
        with audit.acting_as(user, label=None if user else "anonymous"):
            return self.get_response(request)


class SecondFactorMiddleware:
    """A session of someone who has two-factor authentication on but has not entered a code
    in it (signed in before turning it on, or by a path other than the two-step sign-in) can
    only verify itself or sign out: everything else waits for a code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and request.path not in {reverse("two_factor"), reverse("logout")}
            and two_factor.confirmed_device(user) is not None
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": [{
                    "field": "session",
                    "reason": "Enter a code from your authenticator app on the two-factor "
                              "page to use this session, or use an API token.",
                }]}, status=403)
            return redirect(f"{reverse('two_factor')}?{urlencode({'next': request.path})}")
        return self.get_response(request)


class ApiJsonErrorsMiddleware:
    """Under /api/, answer errors raised outside the API's own handlers (unknown URL, wrong
    method, CSRF) in the API's JSON shape too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            reasons = {
                404: ("url", "No such API endpoint."),
                405: ("method", f"{request.method} is not allowed here; allowed: "
                                f"{response.get('Allow', 'none')}."),
            }
            field, reason = reasons.get(response.status_code, ("body", response.reason_phrase))
            json_response = JsonResponse({"detail": [{"field": field, "reason": reason}]},
                                         status=response.status_code)
            if "Allow" in response:
                json_response["Allow"] = response["Allow"]
            return json_response
        return response


class ThrottledMiddleware:
    """A view that raised core.throttle.Throttled answers 429 with the reason and when to
    try again (HTML, or the API's JSON shape under /api/)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Throttled):
            from .views.system import too_many

            return too_many(request, exception)
        return None


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on every answer to a signed-in person and on every
    API answer: what one person saw must not be kept by a shared proxy, nor by the browser for
    the next person at a ward computer to find with Back. Static files (answered before this
    by WhiteNoise) and anonymous pages keep their own caching. It sits outside the other
    middleware, so answers they make or replace (413, the API's JSON errors) get it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response


# When the session last saw its person (Unix seconds), written at most once a minute.
LAST_ACTIVITY_KEY = "last_activity"
ACTIVITY_RESOLUTION_SECONDS = 60


class IdleTimeoutMiddleware:
    """Sign out a session left unused for settings.SESSION_IDLE_SECONDS, and keep its
    absolute lifetime (SESSION_COOKIE_AGE from sign-in) from sliding.

    Every request with the session counts as activity, HTMX and autosave ones included. The
    time is written only when it moved by a minute or more, so ordinary browsing does not
    write the session on every request. A session that timed out continues as anonymous: a
    page sends its person to sign in (with a note why), an HTMX request is answered 403, so
    that nothing on the page is replaced and the autosave says the session ended while what
    was typed stays on the page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request) -> HttpResponse | None:
        session = request.session
        now = int(time.time())
        last = session.get(LAST_ACTIVITY_KEY)
        idle = settings.SESSION_IDLE_SECONDS
        if idle and isinstance(last, int) and now - last > idle:
            logout(request)
            minutes = idle // 60
            reason = (f"You were signed out after {minutes} minute{'s' if minutes != 1 else ''}"
                      " without activity. Sign in again to continue.")
            if request.headers.get("HX-Request") == "true":
                return HttpResponse(reason, status=403, content_type="text/plain")
            messages.info(request, reason)
            return None
        if not isinstance(last, int) or now - last >= ACTIVITY_RESOLUTION_SECONDS:
            session[LAST_ACTIVITY_KEY] = now
        if session.get("_session_expiry") is None:
            # Saving the session would otherwise move its expiry to now + SESSION_COOKIE_AGE.
            session.set_expiry(timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE))
        return None
