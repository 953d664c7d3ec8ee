"""Pages for networks: the list and creating one, a network's home and its members page
(leads), the invitation link, and an organization's own side (its networks, sharing choices,
leaving). Views parse, call a service or a query, and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from safetyhub.core.decorators import org_view
from safetyhub.core.rules import active_memberships
from safetyhub.core.views.organizations import add_errors

from . import pages, queries, services
from .access import access_own_membership, network_row
from .decorators import network_view
from .forms import InvitationForm, JoinForm, LeadForm, LeaveForm, NetworkForm, SharingForm
from .models import NetworkInvitation, NetworkLead, NetworkMember

MANAGE = "network.manage_membership"


# --- networks a person reaches ---------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def network_list(request):
    """The networks the person leads or reaches through an organization; starting one."""
    may_create = request.user.has_perm("network.create_network")
    form = NetworkForm(request.POST or None) if may_create else None
    if request.method == "POST":
        if form is None:
            raise Http404("No such page.")
        if form.is_valid():
            try:
                network = services.create_network(**form.cleaned_data, by=request.user)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"{network.name} is ready. Invite its first "
                                          "member organizations below.")
                return redirect("network:members", network_slug=network.slug)
    return render(request, "network/network_list.html", {
        "networks": queries.networks_for(user=request.user),
        "led": queries.led_network_ids(user=request.user),
        "form": form,
    }, status=422 if form is not None and form.errors else 200)


@require_http_methods(["GET"])
@network_view()
def home(request):
    access = request.network_access
    network = access.network
    return render(request, "network/home.html", {
        "access": access,
        "network": network,
        "members": queries.members_of(network=network),
        "links": pages.links_for(network_slug=network.slug, is_lead=access.is_lead),
        "changes": queries.recent_changes(network=network) if access.is_lead else [],
    })


# --- leads: invitations and leads ------------------------------------------------------------

def _members_page(request, *, invitation_form=None, lead_form=None, status=200):
    network = request.network_access.network
    return render(request, "network/members.html", {
        "network": network,
        "members": queries.members_of(network=network),
        "leads": queries.leads_of(network=network),
        "invitations": queries.open_invitations(network=network),
        "invitation_form": invitation_form or InvitationForm(),
        "lead_form": lead_form or LeadForm(),
        "invitation_link": request.session.pop("network_invitation_link", None),
    }, status=status)


@require_http_methods(["GET"])
@network_view(leads_only=True)
def members(request):
    return _members_page(request)


@require_POST
@network_view(leads_only=True)
def invitation_create(request):
    network = request.network_access.network
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            _invitation, token = services.create_invitation(
                network=network, note=form.cleaned_data["note"], by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            request.session["network_invitation_link"] = services.invitation_url(token)
            messages.success(request, "Invitation link made: copy it now, it is shown once.")
            return redirect("network:members", network_slug=network.slug)
    return _members_page(request, invitation_form=form, status=422)


@require_POST
@network_view(leads_only=True)
def invitation_revoke(request, pk: str):
    invitation = network_row(NetworkInvitation, network=request.network_access.network, pk=pk)
    try:
        services.revoke_invitation(invitation=invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Invitation revoked: its link no longer works.")
    return redirect("network:members", network_slug=request.network_access.network.slug)


@require_POST
@network_view(leads_only=True)
def lead_add(request):
    network = request.network_access.network
    form = LeadForm(request.POST)
    if form.is_valid():
        try:
            lead = services.add_lead(network=network, email=form.cleaned_data["email"],
                                     by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"{lead.user.email} now leads {network.name}.")
            return redirect("network:members", network_slug=network.slug)
    return _members_page(request, lead_form=form, status=422)


@require_POST
@network_view(leads_only=True)
def lead_remove(request, pk: str):
    lead = network_row(NetworkLead, network=request.network_access.network, pk=pk)
    try:
        services.remove_lead(lead=lead, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{lead.user.email} no longer leads the network.")
        if lead.user_id == request.user.pk:
            return redirect("network:list")
    return redirect("network:members", network_slug=request.network_access.network.slug)


# --- the invitation link ---------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def join(request, token: str):
    """Open an invitation: choose which of your organizations joins, or decline."""
    invitation = services.open_invitation(token)
    if invitation is None:
        return render(request, "network/invitation_invalid.html", status=404)
    network = invitation.network
    allowed = [m.organization for m in active_memberships(request.user).values()
               if request.user.has_perm(MANAGE, m.organization)]
    allowed.sort(key=lambda org: org.name)
    form = JoinForm(request.POST if request.method == "POST" else None, organizations=allowed)
    if request.method == "POST" and allowed:
        if request.POST.get("decision") == "decline":
            try:
                services.decline_invitation(token=token, by=request.user)
            except ValidationError:
                return render(request, "network/invitation_invalid.html", status=404)
            messages.success(request, f"You declined the invitation to {network.name}.")
            return redirect("home")
        if form.is_valid():
            organization = form.cleaned_data["organization"]
            try:
                services.accept_invitation(token=token, organization=organization,
                                           by=request.user)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"{organization.name} joined {network.name}. It "
                                          "shares nothing until you turn sharing on below.")
                return redirect("network:organization", org_slug=organization.slug)
    current = set(NetworkMember.objects.filter(
        network=network, left_at__isnull=True, organization__in=allowed)
        .values_list("organization__name", flat=True))
    return render(request, "network/invitation_accept.html", {
        "invitation": invitation, "network": network, "form": form,
        "allowed": allowed, "already_members": sorted(current),
    }, status=422 if form.errors else 200)


# --- an organization's own side --------------------------------------------------------------

@require_http_methods(["GET"])
@org_view()
def organization_networks(request):
    org = request.organization
    may_manage = request.user.has_perm(MANAGE, org)
    rows = list(queries.memberships_of(organization=org))
    return render(request, "network/organization.html", {
        "current": [(m, SharingForm(initial={f: getattr(m, f) for f in services.SHARING_FIELDS},
                                    prefix=f"n{m.pk}"))
                    for m in rows if m.left_at is None],
        "past": [m for m in rows if m.left_at is not None],
        "may_manage": may_manage,
        "may_draft_lessons": request.user.has_perm("network.draft_lessons", org),
        "leave_form": LeaveForm(),
    })


@require_POST
@org_view(MANAGE)
def sharing_update(request, network_slug: str):
    member = access_own_membership(organization=request.organization,
                                   network_slug=network_slug)
    form = SharingForm(request.POST, prefix=f"n{member.pk}")
    if form.is_valid():
        services.update_sharing(member=member, by=request.user, **form.cleaned_data)
        messages.success(request, f"Sharing with {member.network.name} saved.")
    else:
        messages.error(request, "The sharing choices could not be read; nothing changed.")
    return redirect("network:organization", org_slug=request.organization.slug)


@require_http_methods(["GET", "POST"])
@org_view(MANAGE)
def leave(request, network_slug: str):
    member = access_own_membership(organization=request.organization,
                                   network_slug=network_slug)
    form = LeaveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.leave_network(member=member, reason=form.cleaned_data["reason"],
                                   by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"{request.organization.name} left "
                                      f"{member.network.name}.")
            return redirect("network:organization", org_slug=request.organization.slug)
    return render(request, "network/leave.html", {"member": member, "form": form},
                  status=422 if form.errors else 200)
