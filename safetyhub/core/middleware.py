import logging
import time

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from . import audit, two_factor

request_log = logging.getLogger("safetyhub.request")


class RequestLogMiddleware:
    """One structured line per request: method, path, status, duration, user."""

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
                "user_id": user.pk if user is not None and user.is_authenticated else None,
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
