"""The audit trail: an append-only, hash-chained log of who created, changed, deleted or viewed
which record, when, in which organization, and what changed.

Models join the trail with `register(Model, …)`; their saves and deletes are then recorded by
signal, whatever path made them (services, admin, shell). Who acted comes from `acting_as`,
set per request by middleware and by tasks and commands for their own work.

Each organization has its own chain (plus one "platform" chain): an entry's hash is an
HMAC-SHA256, under a key kept outside the database (settings.AUDIT_KEYS), of its content and
the previous entry's hash. A chain is one lane ("org:7") while its writers come one at a
time; writers that would wait for each other's commit open more lanes ("org:7/1", …, up to
settings.AUDIT_CHAIN_LANES), each linked and verified like a chain of its own. Entries are
appended just before their transaction commits (core/backends).

Altering or removing any row breaks the chain, and someone with write access to the database
cannot recompute it without the key; `verify_chains` names the first broken link. Dropping
the newest entries is caught against signed chain heads kept outside the database
(checkpoints.py).
"""

import contextvars
import datetime as dt
import functools
import hashlib
import hmac
import json
import random
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.signals import post_delete, post_init, post_save
from django.utils import timezone

from .models import AuditChain, AuditEntry

PLATFORM_CHAIN = "platform"
# A chain's lanes after lane 0 are keyed "org:7/1", "org:7/2", … (see chain_lanes).
LANE_SEPARATOR = "/"
SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class Actor:
    user: Any = None  # a User, or None for the system
    label: str = SYSTEM_ACTOR


_SYSTEM = Actor()
_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar(
    "audit_actor", default=_SYSTEM
)


@contextmanager
def acting_as(user=None, label: str | None = None) -> Iterator[None]:
    """Attribute every audit entry written inside the block to `user` (or to a named system
    actor such as "task:send_reminders")."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    actor = Actor(user=user, label=label or (user.email if user else SYSTEM_ACTOR))
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


ANONYMOUS_ACTOR = "anonymous reporter"


@contextmanager
def anonymously() -> Iterator[None]:
    """Write the block's entries with no actor at all: no user id, and a label that names no
    one ("anonymous reporter"), whoever is signed in. For a report its author chose to make
    anonymously (events): the entries record that something was reported, never by whom.
    Entries carry no request data (address, session, user agent) in any case; only account
    events record an address, and those are never written inside this block."""
    token = _actor.set(Actor(user=None, label=ANONYMOUS_ACTOR))
    try:
        yield
    finally:
        _actor.reset(token)


def set_actor(user) -> None:
    """Attribute the rest of the current request's entries to `user` (for authentication
    that happens inside a view, such as API tokens); the request's `acting_as` scope
    restores the previous actor when it ends."""
    _actor.set(Actor(user=user, label=user.email))


def current_actor() -> Actor:
    return _actor.get()


@dataclass(frozen=True)
class Registration:
    sensitive: bool
    exclude: frozenset[str]
    redact: frozenset[str]
    organization_of: Any
    describe: Any  # instance -> object_repr, when str(instance) would copy private text


_registry: dict[type[models.Model], Registration] = {}


def register(
    model: type[models.Model],
    *,
    sensitive: bool = False,
    exclude: Iterable[str] = (),
    redact: Iterable[str] = (),
    organization_of=None,
    describe=None,
) -> None:
    """Record every create/update/delete of `model`; views too if `sensitive`.

    `exclude` fields are left out of diffs (timestamps that change on every save);
    `redact` fields are recorded as changed without their values (secrets, free text that
    must not be copied into the log). `organization_of(instance)` finds the tenant when the
    model has no `organization` field. `describe(instance)` names the record in the log
    instead of str(instance), for records whose name is private (a member's file name).
    """
    _registry[model] = Registration(
        sensitive=sensitive,
        exclude=frozenset(exclude),
        redact=frozenset(redact),
        organization_of=organization_of,
        describe=describe,
    )
    uid = f"audit:{model._meta.label}"
    post_init.connect(_remember_loaded_state, sender=model, dispatch_uid=uid)
    post_save.connect(_record_save, sender=model, dispatch_uid=uid)
    post_delete.connect(_record_delete, sender=model, dispatch_uid=uid)


def is_sensitive(model: type[models.Model]) -> bool:
    reg = _registry.get(model)
    return bool(reg and reg.sensitive)


def _field_values(instance: models.Model, reg: Registration) -> dict[str, Any]:
    values = {}
    for f in instance._meta.concrete_fields:
        if f.name in reg.exclude:
            continue
        if f.attname not in instance.__dict__:  # deferred: unknown, not "empty"
            continue
        values[f.name] = _jsonable(getattr(instance, f.attname))
    return values


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.loads(json.dumps(value, default=str))
    return str(value)


def _remember_loaded_state(sender, instance, **kwargs) -> None:
    if instance.pk is not None:
        instance._audit_before = _field_values(instance, _registry[sender])


def _diff(reg: Registration, before: dict, after: dict) -> dict[str, Any]:
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        changes[name] = {"changed": True} if name in reg.redact else {"from": old, "to": new}
    return changes


def _record_save(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:  # loading fixtures
        return
    reg = _registry[sender]
    after = _field_values(instance, reg)
    before = {} if created else getattr(instance, "_audit_before", {})
    changes = _diff(reg, before, after)
    instance._audit_before = after
    if not created and not changes:
        return
    record(
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        obj=instance,
        changes=changes,
    )


def _record_delete(sender, instance, **kwargs) -> None:
    reg = _registry[sender]
    before = _field_values(instance, reg)
    record(action=AuditEntry.Action.DELETE, obj=instance, changes=_diff(reg, before, {}))


def organization_id_of(obj: models.Model) -> int | None:
    reg = _registry.get(type(obj))
    if reg and reg.organization_of:
        org = reg.organization_of(obj)
        return org.pk if org is not None else None
    if obj._meta.label == "core.Organization":
        return obj.pk
    return getattr(obj, "organization_id", None)


def refusals_audited(object_type: str, targets: tuple[str, ...]
                     ) -> Callable[[Callable], Callable]:
    """Decorate a service so that each refused attempt (a ValidationError: bad input, a
    stale version) is recorded: who (`by`) tried which service on which record (the first
    of the keyword arguments `targets` given), and which fields were refused — never what
    was typed. Put it outside the service's transaction: the entry is written after the
    service's own changes rolled back, so the refusal is kept while the change is not."""

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def attempt(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except ValidationError as exc:
                target = next((kwargs[name] for name in targets if kwargs.get(name)), None)
                fields = sorted(exc.message_dict) if hasattr(exc, "error_dict") else ["body"]
                organization = kwargs.get("organization")
                with acting_as(kwargs.get("by")):
                    record(action=AuditEntry.Action.EVENT, obj=target,
                           object_type=object_type,
                           organization_id=organization.pk if organization else None,
                           changes={"action": function.__name__, "refused": fields})
                raise

        return attempt

    return decorate


def record_view(obj: models.Model) -> None:
    """Note that the current actor opened a sensitive record (no-op for other records)."""
    if is_sensitive(type(obj)):
        record(action=AuditEntry.Action.VIEW, obj=obj)


def record(
    *,
    action: str,
    obj: models.Model | None = None,
    organization_id: int | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict | None = None,
) -> AuditEntry:
    """Add one entry to its organization's chain, atomically with the caller's transaction.

    Inside a transaction the entry waits and is appended as the transaction's last step
    before COMMIT (core/backends), so the chain's head is locked for that moment only, not
    for the rest of the request; a rollback forgets it with the change. Outside one it is
    appended at once. The returned entry gets its number and hash when it is appended. What
    the entry says (who, when, what changed) is taken now, while it is true.
    """
    if obj is not None:
        organization_id = organization_id or organization_id_of(obj)
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
        reg = _registry.get(type(obj))
        name = reg.describe(obj) if reg and reg.describe else str(obj)
        object_repr = object_repr or name[:200]
    actor = current_actor()
    entry = AuditEntry(
        chain=f"org:{organization_id}" if organization_id else PLATFORM_CHAIN,
        at=timezone.now(),
        organization_id=organization_id,
        actor_id=actor.user.pk if actor.user else None,
        actor_label=actor.label[:200],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        changes=changes or {},
    )
    connection = transaction.get_connection()
    waits = getattr(connection, "audit_waits_for_commit", None)
    if waits is not None and waits():
        connection.audit_pending.append((frozenset(connection.savepoint_ids), entry))
        return entry
    # No savepoint of its own: an entry that cannot be written must undo the caller's change.
    with transaction.atomic(savepoint=False):
        if waits is None:  # Django's stock backend: no pre-commit hook, append in place
            append_entries([entry])
        else:  # earlier entries still waiting (a test's transaction) go first
            connection.audit_pending.append((frozenset(connection.savepoint_ids), entry))
            connection.flush_audit()
    return entry


def flush() -> None:
    """Append now the entries the open transaction has collected (they are otherwise
    appended just before it commits); reading the trail does this first, so a transaction
    sees its own entries."""
    connection = transaction.get_connection()
    if getattr(connection, "audit_pending", None):
        connection.flush_audit()


def append_entries(entries: list[AuditEntry]) -> None:
    """Number, link, sign and insert `entries` (in order) at the end of their chains, inside
    the open transaction: lock one lane of each chain concerned (chains in key order, so two
    transactions cannot wait for each other in a circle), insert all entries in one
    statement, move the heads. The lanes stay locked until the transaction ends, which for
    entries appended by the pre-commit hook is a moment later."""
    key_id, key = signing_key()
    heads: dict[str, AuditChain] = {}
    lanes = chain_lanes()
    for base in sorted({base_chain(entry.chain) for entry in entries}):
        heads[base] = _locked_lane(base, lanes)
    for entry in entries:
        head = heads[base_chain(entry.chain)]
        entry.pk = None  # appended again after a savepoint rollback removed its row
        entry.chain = head.key
        entry.seq = head.last_seq + 1
        entry.prev_hash = head.last_hash
        entry.key_id = key_id
        entry.hash = entry_hash(entry, key)
        head.last_seq, head.last_hash = entry.seq, entry.hash
    AuditEntry._base_manager.bulk_create(entries)
    for head in heads.values():
        head.save(update_fields=["last_seq", "last_hash"])


def record_account_event(*, event: str, user=None, client_address: str = "",
                         detail: dict | None = None) -> AuditEntry:
    """Record a sign-in, failed sign-in, lockout, sign-out, password reset, 2FA or API-token
    change on the platform chain (accounts belong to no one organization).

    `user` is the account concerned (None when a failed sign-in names no known account: what
    was typed is not kept, since people type passwords into the wrong field). `detail` must
    never hold a secret (password, code, token); it is for reasons and counts.
    """
    changes = {"event": event, **(detail or {})}
    if client_address:
        changes["client_address"] = client_address
    return record(
        action=AuditEntry.Action.EVENT,
        object_type="core.Account",
        object_id=str(user.pk) if user is not None else "",
        object_repr=user.email if user is not None else "unknown account",
        changes=changes,
    )


def base_chain(chain_key: str) -> str:
    """The chain a lane belongs to: "org:7/3" → "org:7" (a base chain is its own lane 0)."""
    return chain_key.partition(LANE_SEPARATOR)[0]


def lane_keys(base: str, lanes: int) -> list[str]:
    return [base] + [f"{base}{LANE_SEPARATOR}{n}" for n in range(1, lanes)]


def chain_lanes() -> int:
    """How many lanes a chain may use on this database. A lane is locked from its append to
    the commit, and a commit waits for the disk (PostgreSQL fsync, ~4 ms on a small VM
    disk), so one lane passes at most a few hundred transactions a second whatever the rest
    costs; concurrent writers of one organization take free lanes instead of queuing. SQLite
    lets one writer in at a time anyway: one lane."""
    if not transaction.get_connection().features.has_select_for_update_skip_locked:
        return 1
    return max(1, int(getattr(settings, "AUDIT_CHAIN_LANES", 1)))


def _locked_lane(base: str, lanes: int) -> AuditChain:
    """A head of chain `base` locked until the transaction ends: the first lane no one else
    holds (lane 0 while there is no contention, so a quiet organization has one chain);
    else a new lane while there are fewer than `lanes`; else one of them, waited for."""
    heads = AuditChain._base_manager
    if lanes == 1:
        try:
            return heads.select_for_update().get(key=base)
        except AuditChain.DoesNotExist:
            heads.bulk_create([AuditChain(key=base)], ignore_conflicts=True)  # or a rival's
            return heads.select_for_update().get(key=base)
    keys = lane_keys(base, lanes)
    free = (heads.select_for_update(skip_locked=True).filter(key__in=keys)
            .order_by("key").first())
    if free is not None:
        return free
    existing = set(heads.filter(key__in=keys).values_list("key", flat=True))
    new = [k for k in keys if k not in existing]
    if new:
        heads.bulk_create([AuditChain(key=new[0])], ignore_conflicts=True)  # or a rival's
        return heads.select_for_update().get(key=new[0])
    return heads.select_for_update().get(key=random.choice(keys))  # noqa: S311 - spreading only


def signing_key() -> tuple[str, bytes]:
    """The id and secret of the key that signs new entries (the first of AUDIT_KEYS)."""
    return settings.AUDIT_KEYS[0]


def verification_keys() -> dict[str, bytes]:
    """Every configured key by id: entries signed before a rotation verify with their own."""
    return dict(settings.AUDIT_KEYS)


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def entry_content(entry: AuditEntry) -> dict:
    """Everything an entry's hash covers."""
    return {
        "chain": entry.chain,
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "organization": entry.organization_id,
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "changes": entry.changes,
        "prev": entry.prev_hash,
        "key": entry.key_id,
    }


def entry_hash(entry: AuditEntry, key: bytes) -> str:
    return hmac.new(key, canonical(entry_content(entry)), hashlib.sha256).hexdigest()


@dataclass
class ChainReport:
    chain: str
    entries: int = 0
    last_seq: int = 0
    last_hash: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _first_problem(key: str, entry: AuditEntry, expected_seq: int, prev_hash: str,
                   keys: dict[str, bytes]) -> str | None:
    if entry.seq != expected_seq:
        return f"{key}: entry #{expected_seq} is missing (next present is #{entry.seq})"
    if entry.prev_hash != prev_hash:
        return f"{key}: entry #{entry.seq} does not link to entry #{entry.seq - 1}"
    secret = keys.get(entry.key_id)
    if secret is None:
        return (f"{key}: entry #{entry.seq} is signed with key {entry.key_id!r}, which is not "
                "in AUDIT_KEYS (put the retired key back after the current one, or the entry "
                "is forged)")
    if not hmac.compare_digest(entry_hash(entry, secret), entry.hash):
        return (f"{key}: entry #{entry.seq} was altered "
                "(its content no longer matches its keyed hash)")
    return None


def verify_chains(chain_keys: Iterable[str] | None = None) -> list[ChainReport]:
    """Recompute every chain; report the first broken link of each (altered, removed or
    inserted rows, or a tail removed without resetting the chain head; a tail removed
    together with the head is caught by checkpoints)."""
    keys = verification_keys()
    heads = {h.key: h for h in AuditChain.objects.all()}
    entries_of = AuditEntry.objects.all()
    wanted = set(chain_keys) if chain_keys is not None else None
    if wanted is not None:  # a chain named stands for its lanes too
        lanes = models.Q(chain__in=wanted)
        for base in wanted:
            lanes |= models.Q(chain__startswith=f"{base}{LANE_SEPARATOR}")
        entries_of = entries_of.filter(lanes)
    chains = sorted(
        {key for key in heads if wanted is None or base_chain(key) in wanted}
        | set(entries_of.order_by().values_list("chain", flat=True).distinct())
        | (wanted or set()))
    reports = []
    for key in chains:
        report = ChainReport(chain=key)
        entries = AuditEntry.objects.filter(chain=key).order_by("seq").iterator(chunk_size=2000)
        for entry in entries:
            report.entries += 1
            problem = _first_problem(key, entry, report.last_seq + 1, report.last_hash, keys)
            if problem:
                report.problems.append(problem)
                break
            report.last_seq, report.last_hash = entry.seq, entry.hash
        head = heads.get(key)
        if not report.problems and head is not None and (
            head.last_seq != report.last_seq or head.last_hash != report.last_hash
        ):
            report.problems.append(
                f"{key}: entries after #{report.last_seq} were removed "
                f"(the chain head records #{head.last_seq})"
            )
        reports.append(report)
    return reports


def changes_as_text(changes: dict) -> str:
    """One line for people: "role: assessor → safety_lead; is_active: changed"."""
    parts = []
    for name, change in sorted(changes.items()):
        if isinstance(change, dict) and "from" in change:
            parts.append(f"{name}: {change['from']!s} → {change['to']!s}")
        else:
            parts.append(f"{name}: {json.dumps(change, default=str)}")
    return "; ".join(parts)
