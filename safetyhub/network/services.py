"""Writes for networks, their leads, invitations, member organizations and their sharing
choices. Plain functions with keyword-only arguments; each runs in one transaction, checks its
own rules and raises ValidationError naming the field and the reason.

Leads are told when an organization joins or leaves by email (their notification choice
"network.membership_changed") and on the network home's list of recent changes: core's in-app
notifications belong to an organization, and a lead may belong to none."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from safetyhub.core.models import Organization, User
from safetyhub.core.notifications import email_wanted
from safetyhub.core.services import INVITATION_LIFETIME, hash_secret
from safetyhub.core.tasks import send_email

from .models import Network, NetworkInvitation, NetworkLead, NetworkMember

MAX_NAME = 200
MAX_DESCRIPTION = 4000
MAX_NOTE = 200
MAX_REASON = 2000
MEMBERSHIP_CHANGED = "network.membership_changed"


def _text(value: str, *, field: str, limit: int, required: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: required})
    if len(value) > limit:
        raise ValidationError({field: f"Keep it to {limit} characters (it has {len(value)})."})
    return value


@transaction.atomic
def create_network(*, name: str, slug: str = "", kind: str = Network.Kind.REGIONAL,
                   description: str = "", by: User) -> Network:
    """A new network led by `by`, who must administer an organization (their organization
    does not join by this: it is invited like any other)."""
    if not by.has_perm("network.create_network"):
        raise ValidationError({"name": "Only an organization's admin may start a network."})
    return start_network(name=name, slug=slug, kind=kind, description=description, lead=by)


@transaction.atomic
def start_network(*, name: str, slug: str = "", kind: str = Network.Kind.REGIONAL,
                  description: str = "", lead: User) -> Network:
    """A new network with `lead` as its first lead, whoever they are: for operators (the
    `safetyhub network-create` command); people start networks through create_network."""
    by = lead
    name = _text(name, field="name", limit=MAX_NAME, required="Give the network a name.")
    description = _text(description, field="description", limit=MAX_DESCRIPTION)
    if kind not in Network.Kind.values:
        raise ValidationError({"kind": f"Unknown kind of network {kind!r}."})
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationError({"slug": "Use letters or digits in the short name."})
    if Network.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"The short name {slug!r} is taken."})
    network = Network.objects.create(name=name, slug=slug, kind=kind, description=description,
                                     created_by=by)
    NetworkLead.objects.create(network=network, user=by, added_by=by)
    return network


@transaction.atomic
def add_lead(*, network: Network, email: str, by: User) -> NetworkLead:
    """Make the person with this account a lead (an account must exist: a lead signs in)."""
    email = _text(email, field="email", limit=254, required="Give the lead's email address.")
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        raise ValidationError({"email": f"No active SafetyHub account uses {email}; the "
                                        "person signs up first."})
    if NetworkLead.objects.filter(network=network, user=user).exists():
        raise ValidationError({"email": f"{user.email} already leads this network."})
    return NetworkLead.objects.create(network=network, user=user, added_by=by)


@transaction.atomic
def remove_lead(*, lead: NetworkLead, by: User) -> None:
    """Remove a lead; never the last one (a network without a lead could invite nobody)."""
    # The network row is the lock: two leads removing each other at once cannot both win.
    Network.objects.select_for_update().get(pk=lead.network_id)
    if NetworkLead.objects.filter(network_id=lead.network_id).count() <= 1:
        raise ValidationError({"lead": "A network keeps at least one lead: add another lead "
                                       "before removing this one."})
    lead.delete()


def invitation_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('network:join', args=[token])}"


@transaction.atomic
def create_invitation(*, network: Network, note: str = "",
                      by: User) -> tuple[NetworkInvitation, str]:
    """A one-time link for an organization to join; returns the invitation and its token,
    shown once (only its hash is kept)."""
    note = _text(note, field="note", limit=MAX_NOTE)
    token = secrets.token_urlsafe(32)
    invitation = NetworkInvitation.objects.create(
        network=network, note=note, token_hash=hash_secret(token), invited_by=by,
        expires_at=timezone.now() + INVITATION_LIFETIME)
    return invitation, token


@transaction.atomic
def revoke_invitation(*, invitation: NetworkInvitation, by: User) -> NetworkInvitation:
    invitation = NetworkInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise ValidationError({"invitation": "This invitation was already accepted."})
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save()
    return invitation


def open_invitation(token: str) -> NetworkInvitation | None:
    """The open invitation for this token, or None if unknown, used, declined, revoked or
    expired."""
    return (NetworkInvitation.objects.select_related("network")
            .filter(token_hash=hash_secret(str(token)), accepted_at=None, revoked_at=None,
                    declined_at=None, expires_at__gt=timezone.now())
            .first())


def _locked_open_invitation(token: str) -> NetworkInvitation:
    invitation = open_invitation(token)
    if invitation is None:
        raise ValidationError({"token": "This invitation is unknown, used, revoked or expired."})
    # Two people accepting one link at once: the second waits here, then finds it used.
    invitation = NetworkInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError({"token": "This invitation was used a moment ago."})
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, organization: Organization, by: User) -> NetworkMember:
    """`organization` joins the invitation's network, as chosen by `by`, who must hold
    network.manage_membership there. The invitation is used up."""
    invitation = _locked_open_invitation(token)
    network = invitation.network
    if not by.has_perm("network.manage_membership", organization):
        raise ValidationError({"organization": "Choose an organization you may act for in "
                                               "networks (its admin or patient-safety lead)."})
    if NetworkMember.objects.filter(network=network, organization=organization,
                                    left_at__isnull=True).exists():
        raise ValidationError({"organization": f"{organization.name} is already a member of "
                                               f"{network.name}."})
    try:
        with transaction.atomic():  # a savepoint: the unique constraint is the last word
            member = NetworkMember.objects.create(network=network, organization=organization)
    except IntegrityError:
        raise ValidationError({"organization": f"{organization.name} is already a member of "
                                               f"{network.name}."}) from None
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = by
    invitation.organization = organization
    invitation.save()
    _tell_leads(network=network, title=f"{organization.name} joined {network.name}", actor=by)
    return member


@transaction.atomic
def decline_invitation(*, token: str, by: User) -> NetworkInvitation:
    invitation = _locked_open_invitation(token)
    invitation.declined_at = timezone.now()
    invitation.declined_by = by
    invitation.save()
    return invitation


@transaction.atomic
def leave_network(*, member: NetworkMember, reason: str, by: User) -> NetworkMember:
    """The organization leaves; its membership row stays (left_at) and it stops contributing
    from now on. It may be invited again later."""
    reason = _text(reason, field="reason", limit=MAX_REASON,
                   required="Say briefly why the organization leaves; the network's leads "
                            "read it.")
    member = NetworkMember.objects.select_for_update().select_related(
        "network", "organization").get(pk=member.pk)
    if member.left_at is not None:
        raise ValidationError({"reason": "The organization already left this network."})
    if not by.has_perm("network.manage_membership", member.organization):
        raise ValidationError({"reason": "Only the organization's admin or patient-safety "
                                         "lead may take it out of a network."})
    member.left_at = timezone.now()
    member.left_reason = reason
    member.save()
    _tell_leads(network=member.network,
                title=f"{member.organization.name} left {member.network.name}", actor=by)
    return member


SHARING_FIELDS = ("shares_assessment_scores", "shares_event_counts", "shares_action_strength")


@transaction.atomic
def update_sharing(*, member: NetworkMember, by: User, **choices: bool) -> NetworkMember:
    """Set the member's sharing choices named in `choices` (the others stay as they are)."""
    unknown = set(choices) - set(SHARING_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "Not a sharing choice."})
    member = NetworkMember.objects.select_for_update().select_related("organization").get(
        pk=member.pk)
    if member.left_at is not None:
        raise ValidationError({"member": "The organization left this network: it shares "
                                         "nothing with it."})
    if not by.has_perm("network.manage_membership", member.organization):
        raise ValidationError({"member": "Only the organization's admin or patient-safety "
                                         "lead may change what it shares."})
    changed = [name for name, value in choices.items()
               if getattr(member, name) != bool(value)]
    for name in changed:
        setattr(member, name, bool(choices[name]))
    if changed:  # an unchanged save would add an empty audit entry
        member.save()
    return member


def _tell_leads(*, network: Network, title: str, actor: User | None) -> None:
    """Email each lead who wants it, once the change is committed."""
    link = f"{settings.SITE_URL}{reverse('network:home', args=[network.slug])}"
    leads = [lead.user for lead in
             NetworkLead.objects.filter(network=network, user__is_active=True)
             .select_related("user")]
    for user in leads:
        if actor is not None and user.pk == actor.pk:
            continue
        if not email_wanted(user=user, kind=MEMBERSHIP_CHANGED):
            continue
        body = render_to_string("network/email/membership_changed.txt",
                                {"title": title, "link": link, "network": network})
        transaction.on_commit(
            lambda body=body, email=user.email: send_email.enqueue(
                subject=title[:200], body=body, to=[email]))
