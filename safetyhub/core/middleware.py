import logging
import time

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from . import audit
from .throttle import Throttled

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
