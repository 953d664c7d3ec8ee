"""Writes for organizations, sites, memberships, invitations and API tokens.

Plain functions with keyword-only arguments; each runs in one transaction, checks its own
business rules and raises ValidationError naming the field and the reason.
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from . import account_events, audit, two_factor
from .models import (
    ApiToken,
    BoardPack,
    HealthSystem,
    Invitation,
    Membership,
    Organization,
    Role,
    Site,
    User,
)
from .rules import forget_roles
from .tasks import send_email

INVITATION_LIFETIME = dt.timedelta(days=14)
API_TOKEN_PREFIX = "shub_"  # noqa: S105 - a public prefix, not a secret


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_organization(
    *, name: str, slug: str = "", health_system: HealthSystem | None = None, admin: User
) -> Organization:
    """A new organization whose first member, `admin`, administers it."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the organization a name."})
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationError({"slug": "Use letters or digits in the short name."})
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"The short name {slug!r} is taken."})
    org = Organization.objects.create(name=name, slug=slug, health_system=health_system)
    Membership.objects.create(organization=org, user=admin, role=Role.ORG_ADMIN)
    forget_roles(admin)
    return org


@transaction.atomic
def update_organization(
    *, organization: Organization, name: str, require_two_factor: bool
) -> Organization:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the organization a name."})
    organization.name = name
    organization.require_two_factor = require_two_factor
    organization.save()
    return organization


@transaction.atomic
def add_site(
    *, organization: Organization, name: str, kind: str, parent: Site | None = None
) -> Site:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the site or unit a name."})
    if kind not in Site.Kind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    if parent is not None and parent.organization_id != organization.pk:
        raise ValidationError({"parent": "The parent site belongs to another organization."})
    siblings = Site.objects.filter(organization=organization, parent=parent, name__iexact=name)
    if siblings.exists():
        raise ValidationError({"name": f"There is already a site called {name!r} here."})
    return Site.objects.create(organization=organization, parent=parent, name=name, kind=kind)


def _admins_left_after(membership: Membership, *, role: str, active: bool) -> int:
    others = Membership.objects.filter(
        organization=membership.organization, role=Role.ORG_ADMIN, is_active=True
    ).exclude(pk=membership.pk)
    return others.count() + (1 if role == Role.ORG_ADMIN and active else 0)


@transaction.atomic
def change_member(*, membership: Membership, role: str, is_active: bool) -> Membership:
    """Change a member's role, or deactivate/reactivate them. An organization always keeps
    at least one active admin."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    # Lock the organization's admins so two admins demoting each other at once cannot
    # leave it with none.
    list(
        Membership.objects.select_for_update().filter(
            organization=membership.organization, role=Role.ORG_ADMIN
        )
    )
    was_admin = membership.role == Role.ORG_ADMIN and membership.is_active
    if was_admin and _admins_left_after(membership, role=role, active=is_active) == 0:
        raise ValidationError({"role": "An organization needs at least one active admin."})
    membership.role = role
    if membership.is_active != is_active:
        membership.is_active = is_active
        membership.deactivated_at = None if is_active else timezone.now()
    membership.save()
    forget_roles(membership.user)
    return membership


def invitation_url(token: str) -> str:
    return f"{settings.SITE_URL}/invitations/{token}/"


@transaction.atomic
def invite_member(
    *, organization: Organization, email: str, role: str, invited_by: User
) -> tuple[Invitation, str]:
    """Create an invitation and email its link. Returns the invitation and its one-time
    token (only its hash is stored)."""
    email = User.objects.normalize_email(email.strip()).lower()
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of this organization."})
    pending = Invitation.objects.filter(
        organization=organization, email__iexact=email, accepted_at=None, revoked_at=None,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        raise ValidationError({"email": f"{email} already has a pending invitation."})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=hash_secret(token),
        invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    context = {"invitation": invitation, "url": invitation_url(token), "inviter": invited_by}
    body = render_to_string("core/email/invitation.txt", context)
    transaction.on_commit(
        lambda: send_email.enqueue(
            subject=f"You are invited to {organization.name} on SafetyHub", body=body, to=[email]
        )
    )
    return invitation, token


@transaction.atomic
def revoke_invitation(*, invitation: Invitation) -> Invitation:
    if invitation.accepted_at:
        raise ValidationError({"invitation": "This invitation was already accepted."})
    invitation.revoked_at = timezone.now()
    invitation.save()
    return invitation


def open_invitation(token: str) -> Invitation | None:
    """The pending invitation for this token, or None if unknown, used, revoked or expired."""
    return (
        Invitation.objects.select_related("organization")
        .filter(
            token_hash=hash_secret(str(token)), accepted_at=None, revoked_at=None,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Membership:
    """Join the invitation's organization as `user`. The invitation is used up; a
    deactivated membership is not revived by it (an admin reactivates deliberately)."""
    invitation = open_invitation(token)
    if invitation is None:
        raise ValidationError({"token": "This invitation is unknown, used, revoked or expired."})
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise ValidationError({"token": "This invitation was already used."})
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(
            {"token": f"This invitation was sent to {invitation.email}; sign in as that person."}
        )
    membership, created = Membership.objects.get_or_create(
        organization=invitation.organization, user=user, defaults={"role": invitation.role}
    )
    if not created and not membership.is_active:
        raise ValidationError({"token": "Your membership here was deactivated; ask an admin."})
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save()
    forget_roles(user)
    return membership


@transaction.atomic
def register_invited_user(*, token: str, full_name: str, password: str) -> Membership:
    """Create the account an invitation names and accept the invitation with it."""
    from django.contrib.auth.password_validation import validate_password

    invitation = open_invitation(token)
    if invitation is None:
        raise ValidationError({"token": "This invitation is unknown, used, revoked or expired."})
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError({"email": "An account with this email exists; sign in instead."})
    user = User(email=invitation.email, full_name=full_name.strip())
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    with audit.acting_as(label=f"{user.email} (new account from an invitation)"):
        user.save()
    with audit.acting_as(user):
        return accept_invitation(token=token, user=user)


@transaction.atomic
def create_api_token(*, user: User, name: str, second_factor: bool = False
                     ) -> tuple[ApiToken, str]:
    """A new personal API token, working for settings.API_TOKEN_DAYS; the secret is
    returned once and never stored.

    `second_factor` says the request making it was verified with the person's second factor.
    A member of an organization that requires two-factor authentication gets a token only
    from such a request: a token is a sign-in that outlives the session, so it may not
    skip the step the session had to take.
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token after where it will be used."})
    required_by = two_factor.organizations_requiring_two_factor(user)
    if required_by and not second_factor:
        names = ", ".join(org.name for org in required_by)
        raise ValidationError({"second_factor": (
            f"{names} requires two-factor authentication: turn it on (or enter a code for "
            "this session) on the two-factor page, then create the token."
        )})
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=secret[:12], key_hash=hash_secret(secret),
        second_factor=second_factor,
    )
    return token, secret


@transaction.atomic
def revoke_api_token(*, token: ApiToken,
                     reason: str = ApiToken.EndReason.REVOKED) -> ApiToken:
    token.revoked_at = timezone.now()
    token.end_reason = reason
    token.save()
    return token


@transaction.atomic
def revoke_api_tokens(*, user: User, reason: str) -> list[ApiToken]:
    """Revoke every live token of `user` (their password changed, or the account was
    deactivated: whoever held a token then must not keep using it), each on the audit trail
    with the reason."""
    revoked = []
    for token in ApiToken.objects.select_for_update().filter(user=user, revoked_at=None):
        revoke_api_token(token=token, reason=reason)
        account_events.record("api_token.revoked", user=user, token=token.pk,
                              name=token.name, reason=reason)
        revoked.append(token)
    return revoked


LAST_USE_PRECISION = dt.timedelta(minutes=5)


def live_api_token(secret: str, *, client_address: str = "") -> ApiToken | None:
    """The live token with this secret (its active owner loaded with it), or None. The
    first refusal of an expired token is recorded; its last use is noted at most every few
    minutes, so a busy script does not write on every request."""
    if not secret.startswith(API_TOKEN_PREFIX):
        return None
    try:
        token = ApiToken.objects.select_related("user").get(
            key_hash=hash_secret(secret), revoked_at=None, user__is_active=True)
    except ApiToken.DoesNotExist:
        return None
    now = timezone.now()
    if token.expires_at <= now:
        if token.end_reason != ApiToken.EndReason.EXPIRED:
            ApiToken.objects.filter(pk=token.pk).update(end_reason=ApiToken.EndReason.EXPIRED)
            account_events.record("api_token.expired", user=token.user,
                                  client_address=client_address, token=token.pk,
                                  name=token.name)
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def note_opened(*, user: User, organization: Organization) -> None:
    """Remember that the person opened this organization (signing in lands there next
    time). Bookkeeping, not a change anyone needs in the audit trail."""
    Membership.objects.filter(user=user, organization=organization).update(
        last_opened_at=timezone.now())


# --- board packs ---------------------------------------------------------------------------

def _check_board_pack(*, organization: Organization, title: str, period_start: dt.date,
                      period_end: dt.date, key_measures: list[int]) -> None:
    from . import board_pack

    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["Give the board pack a title."]
    if period_start > period_end:
        errors["period_end"] = ["The period must end on or after the day it starts."]
    if len(key_measures) > board_pack.KEY_MEASURES_MAX:
        errors["key_measures"] = [f"Pick at most {board_pack.KEY_MEASURES_MAX} key measures: "
                                  "the board reads four to six."]
    elif len(set(key_measures)) != len(key_measures):
        errors["key_measures"] = ["A measure is picked twice."]
    else:
        known = {pk for pk, _name in board_pack.key_measure_choices(organization=organization)}
        if unknown := [pk for pk in key_measures if pk not in known]:
            errors["key_measures"] = [f"No such measure in this organization: {unknown[0]}."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_board_pack(*, organization: Organization, title: str, period_start: dt.date,
                      period_end: dt.date, summary: str = "", key_measures: list[int] = (),
                      schedule: str = "", by: User | None) -> BoardPack:
    key_measures = list(key_measures)
    _check_board_pack(organization=organization, title=title, period_start=period_start,
                      period_end=period_end, key_measures=key_measures)
    return BoardPack.objects.create(
        organization=organization, title=title.strip(), period_start=period_start,
        period_end=period_end, summary=summary, key_measures=key_measures, schedule=schedule,
        created_by=by)


@transaction.atomic
def update_board_pack(*, board_pack: BoardPack, title: str, period_start: dt.date,
                      period_end: dt.date, summary: str, key_measures: list[int],
                      schedule: str) -> BoardPack:
    """Change what the pack says. A PDF made before the change no longer matches it: the
    pack goes back to "not generated yet" (the old file is kept until the next one)."""
    key_measures = list(key_measures)
    _check_board_pack(organization=board_pack.organization, title=title,
                      period_start=period_start, period_end=period_end,
                      key_measures=key_measures)
    board_pack.title, board_pack.summary = title.strip(), summary
    board_pack.period_start, board_pack.period_end = period_start, period_end
    board_pack.key_measures, board_pack.schedule = key_measures, schedule
    if board_pack.status == BoardPack.Status.READY:
        board_pack.status = BoardPack.Status.DRAFT
    board_pack.save()
    return board_pack


@transaction.atomic
def request_board_pack(*, board_pack: BoardPack) -> BoardPack:
    """Queue the pack's PDF; the worker makes it (core.tasks.generate_board_pack_task). A
    pack already waiting or being made is not queued twice (unless its worker was lost:
    BoardPack.STALE_AFTER)."""
    from .tasks import generate_board_pack_task

    board_pack = BoardPack.objects.select_for_update().get(pk=board_pack.pk)
    if board_pack.is_waiting:
        return board_pack
    board_pack.status, board_pack.error = BoardPack.Status.QUEUED, ""
    board_pack.save(update_fields=["status", "error", "updated_at"])
    pk = board_pack.pk
    transaction.on_commit(lambda: generate_board_pack_task.enqueue(board_pack_id=pk))
    return board_pack


def generate_board_pack(*, board_pack_id: int) -> BoardPack | None:
    """Make the pack's PDF and keep it (the worker's job; see request_board_pack). Rendering
    runs outside any transaction: on SQLite an open write transaction would hold the write
    lock for the seconds WeasyPrint takes. A failure is kept on the pack for the page to
    show, and re-raised for the worker's log."""
    from django.core.files.base import ContentFile

    from . import board_pack as packs

    with transaction.atomic():
        pack = (BoardPack.objects.select_for_update().select_related("organization")
                .filter(pk=board_pack_id).first())
        if pack is None:  # deleted while waiting
            return None
        pack.status = BoardPack.Status.RUNNING
        pack.save(update_fields=["status", "updated_at"])
    try:
        pdf = packs.render_pdf(board_pack=pack, today=timezone.localdate())
    except Exception as exc:
        BoardPack.objects.filter(pk=pack.pk).update(
            status=BoardPack.Status.FAILED, updated_at=timezone.now(),
            error=f"The PDF could not be made ({type(exc).__name__}). Try again; if it "
                  "fails again, tell your administrator.")
        raise
    with transaction.atomic():
        old = pack.pdf.name
        pack.pdf.save(f"{pack.organization.slug}-board-pack-{pack.pk}.pdf",
                      ContentFile(pdf.content), save=False)
        pack.pdf_pages, pack.generated_at = pdf.pages, timezone.now()
        pack.status, pack.error = BoardPack.Status.READY, ""
        pack.save(update_fields=["pdf", "pdf_pages", "generated_at", "status", "error",
                                 "updated_at"])
        if old and old != pack.pdf.name:
            transaction.on_commit(lambda: pack.pdf.storage.delete(old))
    return pack


def send_scheduled_board_packs(*, today: dt.date) -> list[BoardPack]:
    """The daily job of scheduled board packs: for each organization's latest pack set to
    "monthly" or "quarterly", make the pack of the last whole month or quarter (its summary
    and key measures copied) unless it exists, make its PDF, and email the executive viewers
    a link (the PDF stays behind sign-in). Safe to run any number of times a day: a period's
    pack is made once. Returns the packs made."""
    from django.urls import reverse

    from . import board_pack as packs

    made = []
    latest: dict[tuple[int, str], BoardPack] = {}
    for source in (BoardPack.objects.exclude(schedule="").select_related("organization")
                   .order_by("period_end", "pk")):
        latest[(source.organization_id, source.schedule)] = source
    for source in latest.values():
        period = packs.last_full_period(schedule=source.schedule, today=today)
        if BoardPack.objects.filter(organization=source.organization, period_start=period.start,
                                    period_end=period.end).exists():
            continue
        pack = create_board_pack(
            organization=source.organization, title=f"Board pack, {period.label}",
            period_start=period.start, period_end=period.end, summary=source.summary,
            key_measures=[pk for pk, _ in packs.key_measure_choices(
                organization=source.organization) if pk in source.key_measures],
            by=None)
        pack = generate_board_pack(board_pack_id=pack.pk)
        link = settings.SITE_URL + reverse("board_pack", args=[pack.organization.slug, pack.pk])
        for member in Membership.objects.filter(organization=pack.organization, is_active=True,
                                                role=Role.EXECUTIVE_VIEWER).select_related("user"):
            send_email.enqueue(
                subject=f"{pack.organization.name}: {pack.title}",
                body=f"The board pack for {period.label} is ready ({pack.pdf_pages} pages).\n\n"
                     f"Read it or download the PDF, after signing in:\n{link}\n",
                to=[member.user.email])
        made.append(pack)
    return made
