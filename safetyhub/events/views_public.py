"""The public reporting page (/report/<org-slug>/), its follow-up page, and the switch that
turns them on for an organization.

What these pages keep of the person using them: nothing. Every public view
* marks the request so the request log writes no user (a member of staff may be signed in in
  the same browser) — the log line has method, path, status and duration only;
* writes its audit entries with no actor ("public reporting page") and no request data;
* leaves the session as it found it: no session is made for a visitor, and a signed-in
  person's session is not written (its "last seen" time would date the report);
* counts addresses for abuse limits in this process's memory only (core.throttle's
  `hit_in_memory`), never in the cache table or anywhere else;
* answers with `Cache-Control: no-store`, so a follow-up code or a status shown on a shared
  device is not kept by the browser for the next person;
* sets no cookie at all. Django's CSRF protection rests on a cookie that would stay in the
  visitor's browser for a year, one random value sent with every later visit: an identifier,
  even if SafetyHub never writes it down. And here it protects nothing: CSRF stops another
  site from acting with a visitor's credentials, and these pages use none (a signed-in
  person's session is ignored; the report is no one's). What is kept is the refusal of
  cross-site posts, by the browser's own Fetch Metadata (`Sec-Fetch-Site: cross-site`,
  sent by every current browser), which needs no cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from safetyhub.core import audit, throttle
from safetyhub.core.decorators import org_view
from safetyhub.core.net import client_address
from safetyhub.core.views.organizations import add_errors

from . import public
from .anonymity import leave_no_trace
from .forms_public import FollowUpForm, PublicPageSettingsForm, PublicReportForm

REPORT_WINDOW = 60 * 60  # reports are counted per hour
FOLLOW_UP_WINDOW = 15 * 60  # wrong follow-up codes per quarter hour, per address
FOLLOW_UP_ORGANIZATION_WINDOW = 60 * 60  # … and per hour for the whole page


def public_page(view: Callable) -> Callable:
    """Open a public page of the organization whose page is on (404 otherwise, the same as
    for no such organization), with nothing of the visitor kept (module docstring)."""

    @csrf_exempt  # no cookie (module docstring); cross-site posts are refused below
    @wraps(view)
    def wrapper(request: HttpRequest, org_slug: str, *args, **kwargs) -> HttpResponse:
        request.log_no_user = True
        organization = public.open_organization(org_slug)
        if organization is None:
            raise Http404("No such page.")
        if request.method == "POST" and request.headers.get("Sec-Fetch-Site") == "cross-site":
            leave_no_trace(request)
            return render(request, "events/public_refused.html",
                          {"organization": organization}, status=403)
        with audit.acting_as(label=public.PUBLIC_ACTOR):
            response = view(request, organization, *args, **kwargs)
        leave_no_trace(request)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return wrapper


def _minutes(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _report_limit(request: HttpRequest, organization) -> throttle.Window | None:
    address = client_address(request)
    return (throttle.blocked_in_memory(f"public-report:{organization.pk}:{address}",
                                       limit=settings.PUBLIC_REPORTS_PER_ADDRESS,
                                       window=REPORT_WINDOW)
            or throttle.blocked(f"public-report:{organization.pk}",
                                limit=settings.PUBLIC_REPORTS_PER_ORGANIZATION,
                                window=REPORT_WINDOW))


def _count_report(request: HttpRequest, organization) -> None:
    address = client_address(request)
    throttle.hit_in_memory(f"public-report:{organization.pk}:{address}",
                           limit=settings.PUBLIC_REPORTS_PER_ADDRESS, window=REPORT_WINDOW)
    throttle.hit(f"public-report:{organization.pk}",
                 limit=settings.PUBLIC_REPORTS_PER_ORGANIZATION, window=REPORT_WINDOW)


@require_http_methods(["GET", "POST"])
@public_page
def report(request: HttpRequest, organization) -> HttpResponse:
    sites = public.public_sites(organization)
    form = PublicReportForm(request.POST if request.method == "POST" else None, sites=sites)
    status = 200
    if request.method == "POST":
        limited = _report_limit(request, organization)
        if limited is not None:
            form.is_valid()  # the answers come back as typed
            form.add_error(None, "Too many reports were sent from here. Please wait "
                                 f"{_minutes(limited.retry_after)} and send it again. What "
                                 "you wrote is still here.")
            response = render(request, "events/public_report.html",
                              {"organization": organization, "form": form}, status=429)
            response["Retry-After"] = str(limited.retry_after)
            return response
        if form.is_valid():
            try:
                submission = public.submit_public_report(organization=organization,
                                                         **form.service_arguments())
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                if submission.created:
                    _count_report(request, organization)
                return render(request, "events/public_thanks.html", {
                    "organization": organization, "submission": submission,
                })
        else:  # the form's own problems, and every other one at once
            for field, message in public.problems(organization=organization,
                                                  **form.service_arguments()).items():
                if field not in form.errors:
                    form.add_error(field if field in form.fields else None, message)
        status = 422
    return render(request, "events/public_report.html",
                  {"organization": organization, "form": form}, status=status)


def _follow_up_limit(request: HttpRequest, organization) -> throttle.Window | None:
    address = client_address(request)
    return (throttle.blocked_in_memory(f"follow-up:{organization.pk}:{address}",
                                       limit=settings.FOLLOW_UP_FAILURES_PER_ADDRESS,
                                       window=FOLLOW_UP_WINDOW)
            or throttle.blocked(f"follow-up:{organization.pk}",
                                limit=settings.FOLLOW_UP_FAILURES_PER_ORGANIZATION,
                                window=FOLLOW_UP_ORGANIZATION_WINDOW))


def _count_wrong_code(request: HttpRequest, organization) -> None:
    address = client_address(request)
    throttle.hit_in_memory(f"follow-up:{organization.pk}:{address}",
                           limit=settings.FOLLOW_UP_FAILURES_PER_ADDRESS,
                           window=FOLLOW_UP_WINDOW)
    throttle.hit(f"follow-up:{organization.pk}",
                 limit=settings.FOLLOW_UP_FAILURES_PER_ORGANIZATION,
                 window=FOLLOW_UP_ORGANIZATION_WINDOW)


@require_http_methods(["GET", "POST"])
@public_page
def follow_up(request: HttpRequest, organization) -> HttpResponse:
    """The code is sent in the body of a POST, never in the address: addresses end up in
    proxies' logs and the browser's history."""
    form = FollowUpForm(request.POST if request.method == "POST" else None)
    result = None
    status = 200
    context = {"organization": organization, "form": form}
    if request.method == "POST":
        limited = _follow_up_limit(request, organization)
        if limited is not None:
            form.is_valid()
            form.add_error("code", "Too many wrong codes were tried. Please wait "
                                   f"{_minutes(limited.retry_after)}, then try again.")
            response = render(request, "events/public_follow_up.html", context, status=429)
            response["Retry-After"] = str(limited.retry_after)
            return response
        if form.is_valid():
            code = form.cleaned_data["code"]
            if not code.strip():
                form.add_error("code", "Please type your code.")
            else:
                result = public.follow_up(organization=organization, code=code)
                if result is None:
                    _count_wrong_code(request, organization)
                    form.add_error("code", "We could not find a report with this code. "
                                           "Please check it and try again.")
        if form.errors:
            status = 422
    context["result"] = result
    return render(request, "events/public_follow_up.html", context, status=status)


@require_http_methods(["GET", "POST"])
@org_view("events.manage_public_page")
def public_page_settings(request: HttpRequest) -> HttpResponse:
    """Turn the public reporting page on or off, and find its link (and a QR code for a
    poster)."""
    org = request.organization
    # (an unticked box sends nothing: the POST is empty, and still a POST)
    form = PublicPageSettingsForm(request.POST if request.method == "POST" else None,
                                 initial={"is_open": public.is_open(org)})
    if request.method == "POST" and form.is_valid():
        public.set_public_page(organization=org, is_open=form.cleaned_data["is_open"])
        return redirect("events:public_page_settings", org_slug=org.slug)
    link = settings.SITE_URL + reverse("events:public_report", args=[org.slug])
    import segno  # only this page draws one

    return render(request, "events/public_page_settings.html", {
        "form": form, "is_open": public.is_open(org), "link": link,
        "follow_up_link": settings.SITE_URL + reverse("events:public_follow_up",
                                                      args=[org.slug]),
        "qr": segno.make(link, error="m").svg_data_uri(scale=4, light="#fff"),
    })
