"""Notifications: telling people what happened that concerns them, in the app and by email.

Domain apps register the kinds they emit from their `apps.py` `ready()`:

    notifications.register_kind("assessments.team_added", label="Added to an assessment team",
                                description="…", default_email=True)

and call `notify(...)` from their services and daily jobs. Core knows no domain app: the
registry is the one place a new capability (events, investigations) adds its kinds.

Every notification shows in the app (the header count, the list page). It is also emailed
(through the task queue) when the person's preference for that kind says so; without a
stated preference the kind's `default_email` decides. Only active members of the
organization with active accounts are notified: a notification never reaches an outsider.
A `dedupe_key` makes a notification once-only per person, however often (or however
concurrently) the job that sends it runs.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Membership, Notification, NotificationPreference, Organization, User
from .tasks import send_email

log = logging.getLogger("safetyhub.core.notifications")


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    description: str
    default_email: bool


_kinds: dict[str, Kind] = {}


def register_kind(key: str, label: str, description: str, default_email: bool = True) -> Kind:
    """Declare a kind of notification (once, from an app's `ready()`). The label and
    description are what a person reads when choosing which ones to get by email."""
    kind = Kind(key=key, label=label, description=description, default_email=default_email)
    if key in _kinds and _kinds[key] != kind:
        raise ValueError(f"notification kind {key!r} is already registered differently")
    _kinds[key] = kind
    return kind


def kinds() -> list[Kind]:
    """Every registered kind, by label."""
    return sorted(_kinds.values(), key=lambda kind: kind.label)


def get_kind(key: str) -> Kind:
    try:
        return _kinds[key]
    except KeyError:
        raise ValueError(f"unknown notification kind {key!r}; register it first") from None


def email_wanted(*, user: User, kind: str) -> bool:
    """Whether `user` wants email for `kind` (their choice, else the kind's default)."""
    choice = (NotificationPreference.objects.filter(user=user, kind=kind)
              .values_list("email", flat=True).first())
    return get_kind(kind).default_email if choice is None else choice


def email_choices(*, user: User) -> dict[str, bool]:
    """{kind key: email wanted} for every registered kind, in one query."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind.key: chosen.get(kind.key, kind.default_email) for kind in kinds()}


@transaction.atomic
def set_email_choices(*, user: User, choices: dict[str, bool]) -> None:
    """Store the person's email choice for each kind named in `choices`."""
    for key, email in choices.items():
        get_kind(key)
        NotificationPreference.objects.update_or_create(user=user, kind=key,
                                                        defaults={"email": bool(email)})


def _subject(text: str) -> str:
    return " ".join(text.split())[:200]


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    organization: Organization,
    title: str,
    link: str,
    dedupe_key: str | None = None,
    actor: User | None = None,
) -> list[Notification]:
    """Tell each recipient (active members of `organization` only; never `actor`, who knows
    what they just did) about something at `link`, a path on this site. Returns the
    notifications made: with `dedupe_key`, a person already told under that key is not told
    again."""
    registered = get_kind(kind)
    if not link.startswith("/") or link.startswith("//"):
        raise ValueError(f"link must be a path on this site, not {link!r}")
    wanted = {user.pk: user for user in recipients if user is not None}
    if actor is not None:
        wanted.pop(actor.pk, None)
    if not wanted:
        return []
    members = set(Membership.objects.filter(
        organization=organization, is_active=True, user__is_active=True, user_id__in=wanted,
    ).values_list("user_id", flat=True))
    key = (dedupe_key or "")[:200]
    made: list[Notification] = []
    for user_id in sorted(members):
        user = wanted[user_id]
        try:
            with transaction.atomic():  # a savepoint: a duplicate key spoils nothing else
                notification = Notification.objects.create(
                    recipient=user, organization=organization, kind=kind,
                    title=title[:300], link=link[:500], dedupe_key=key)
        except IntegrityError:
            continue  # told already, by an earlier (or a concurrent) run
        made.append(notification)
        if email_wanted(user=user, kind=kind):
            context = {"notification": notification, "kind": registered, "user": user,
                       "organization": organization, "site_url": settings.SITE_URL}
            send_email.enqueue(
                subject=_subject(f"{organization.name}: {title}"),
                body=render_to_string("core/email/notification.txt", context),
                to=[user.email])
    return made


# --- reads and writes for the list page and the header -------------------------------------

def notifications_for(*, user: User, organization: Organization) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, organization=organization)


def unread_count(*, user: User, organization: Organization) -> int:
    """The header's count: one indexed query."""
    return notifications_for(user=user, organization=organization).filter(read_at=None).count()


def mark_read(*, user: User, organization: Organization, pk: int | None = None) -> int:
    """Mark one of the person's notifications read (`pk`), or all of them in this
    organization; returns how many changed. Another person's notification is never
    touched (it is simply not found)."""
    unread = notifications_for(user=user, organization=organization).filter(read_at=None)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())
