"""Pages inside an organization: dashboard, areas, members, invitations, sites, settings and
the audit log. Views parse, call a service or a query, and render."""

import itertools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from .. import audit, audit_text, my_work, queries, services, throttle
from ..access import access_invitation, access_membership
from ..decorators import org_view
from ..exports import csv_download
from ..forms.accounts import InvitedAccountForm
from ..forms.organizations import (
    AuditFilterForm,
    InviteForm,
    MemberForm,
    OrganizationSettingsForm,
    SiteForm,
)
from ..landing import landing_url
from ..models import User
from ..net import client_address
from .system import too_many

# Wrong invitation links are counted per address over this many seconds.
INVITATION_FAILURE_WINDOW = 60 * 60


def add_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form fields it names (or on the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_safe  # HEAD too: monitors and link checkers ask for HEAD /
def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    landing = queries.landing_membership(user=request.user)
    if landing is not None:
        return redirect("dashboard", org_slug=landing.organization.slug)
    elsewhere = landing_url(user=request.user)  # e.g. a network's lead, in no organization
    if elsewhere is not None:
        return redirect(elsewhere)
    return render(request, "core/no_organization.html")


@require_GET
@org_view()
def dashboard(request):
    """My work: what waits on the signed-in person, and the organization's status."""
    return render(request, "core/dashboard.html", {
        "work": my_work.my_work(user=request.user, organization=request.organization),
        "overview": queries.organization_overview(organization=request.organization),
    })


@require_http_methods(["GET", "POST"])
@org_view("core.manage_members")
def members(request):
    org = request.organization
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = services.invite_member(
                organization=org, email=form.cleaned_data["email"],
                role=form.cleaned_data["role"], invited_by=request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            # The admin may pass the link on by other means if email is slow.
            request.session["invitation_link"] = services.invitation_url(token)
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("members", org_slug=org.slug)
    return render(
        request,
        "core/members.html",
        {
            "form": form,
            "members": queries.members_of(organization=org),
            "invitations": queries.pending_invitations(organization=org),
            "invitation_link": request.session.pop("invitation_link", None),
            "member_form": MemberForm(),
        },
        status=422 if form.errors else 200,
    )


@require_POST
@org_view("core.manage_members")
def member_update(request, pk: str):
    org = request.organization
    membership = access_membership(user=request.user, organization=org, pk=pk)
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            services.change_member(
                membership=membership, role=form.cleaned_data["role"],
                is_active=form.cleaned_data["is_active"],
            )
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for error in errors:
                    messages.error(request, f"{membership.user}: {error}")
        else:
            messages.success(request, f"Updated {membership.user}.")
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
    return redirect("members", org_slug=org.slug)


@require_POST
@org_view("core.manage_members")
def invitation_revoke(request, pk: str):
    org = request.organization
    invitation = access_invitation(user=request.user, organization=org, pk=pk)
    try:
        services.revoke_invitation(invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Invitation to {invitation.email} revoked.")
    return redirect("members", org_slug=org.slug)


@require_http_methods(["GET", "POST"])
@org_view()
def sites(request):
    org = request.organization
    can_manage = request.user.has_perm("core.manage_sites", org)
    form = SiteForm(request.POST or None, organization=org)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Your role in this organization does not allow this.")
        if form.is_valid():
            try:
                site = services.add_site(
                    organization=org, name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"], parent=form.cleaned_data["parent"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Added {site.name}.")
                return redirect("sites", org_slug=org.slug)
    return render(
        request,
        "core/sites.html",
        {"tree": queries.site_tree(organization=org), "form": form, "can_manage": can_manage},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@org_view("core.manage_organization")
def organization_settings(request):
    org = request.organization
    form = OrganizationSettingsForm(
        request.POST or None,
        initial={"name": org.name, "require_two_factor": org.require_two_factor},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(organization=org, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("organization_settings", org_slug=org.slug)
    return render(
        request, "core/organization_settings.html", {"form": form},
        status=422 if form.errors else 200,
    )


def _audit_filter(request) -> tuple[AuditFilterForm, dict]:
    org = request.organization
    form = AuditFilterForm(request.GET or None, object_types=queries.audit_object_types(
        organization=org))
    filters = form.cleaned_data if form.is_valid() else {}
    return form, {k: v for k, v in filters.items() if v}


@require_GET
@org_view("core.view_audit")
def audit_log(request):
    form, filters = _audit_filter(request)
    entries = queries.audit_entries(organization=request.organization, **filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.sentence = audit_text.describe(entry)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "core/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )


@require_GET
@org_view("core.view_audit")
def audit_log_csv(request):
    form, filters = _audit_filter(request)
    if form.errors:
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            status=400, content_type="text/plain",
        )
    org = request.organization
    entries = queries.audit_entries(organization=org, **filters).iterator(chunk_size=2000)
    header = ["at", "actor", "action", "record_type", "record_id", "record", "changes",
              "chain", "seq", "hash", "description"]
    rows = ([e.at.isoformat(), e.actor_label, e.action, e.object_type, e.object_id,
             e.object_repr, audit.changes_as_text(e.changes), e.chain, e.seq, e.hash,
             audit_text.describe(e)]
            for e in entries)
    with audit.acting_as(request.user):
        audit.record(
            action="view", organization_id=org.pk, object_type="core.AuditLog",
            object_repr="Audit log exported as CSV", changes={"filters": {
                k: str(v) for k, v in filters.items()}},
        )
    return csv_download(itertools.chain([header], rows), filename=f"audit-{org.slug}.csv")


@require_http_methods(["GET", "POST"])
def accept_invitation(request, token: str):
    # Invitation links cannot be guessed (256 bits); still, an address that keeps trying
    # links that do not work is stopped for the rest of the hour.
    failures = f"invitation-failures:{client_address(request)}"
    limit = settings.INVITATION_FAILURES_PER_ADDRESS
    full = throttle.blocked(failures, limit=limit, window=INVITATION_FAILURE_WINDOW)
    if full is not None:
        return too_many(request, throttle.Throttled(
            "Too many invitation links that do not work were opened from your network.",
            retry_after=full.retry_after))
    invitation = services.open_invitation(token)
    if invitation is None:
        throttle.hit(failures, limit=limit, window=INVITATION_FAILURE_WINDOW)
        return render(request, "core/invitation_invalid.html", status=404)
    user = request.user if request.user.is_authenticated else None
    form = None
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            login_url = reverse("login") + "?next=" + request.path
            return render(request, "core/invitation_sign_in.html",
                          {"invitation": invitation, "login_url": login_url})
        form = InvitedAccountForm(request.POST or None)
    if request.method == "POST":
        try:
            if user is not None:
                membership = services.accept_invitation(token=token, user=user)
            elif form.is_valid():
                membership = services.register_invited_user(
                    token=token, full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, membership.user,
                      backend="django.contrib.auth.backends.ModelBackend")
            else:
                membership = None
        except ValidationError as exc:
            if form is not None:
                add_errors(form, exc)
            else:
                messages.error(request, " ".join(exc.messages))
            membership = None
        if membership is not None:
            messages.success(request, f"Welcome to {membership.organization.name}.")
            return redirect("dashboard", org_slug=membership.organization.slug)
    return render(
        request, "core/invitation_accept.html",
        {"invitation": invitation, "form": form},
        status=422 if form is not None and form.errors else 200,
    )
