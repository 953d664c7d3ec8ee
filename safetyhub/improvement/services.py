"""Writes for the action plan: initiatives (from a priority or directly), progress notes and
PDSA cycles. Keyword-only functions, one transaction each; bad input raises
ValidationError({field: reason}) and changes nothing. Every write is attributed to `by` in
the audit trail (status changes included: who moved it, when, from what to what)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from safetyhub.assessments.models import Assessment
from safetyhub.core import audit
from safetyhub.core.inputs import check_date
from safetyhub.core.models import AuditEntry, Membership, Organization, Site, User
from safetyhub.frameworks.models import PackItem, PackLink
from safetyhub.frameworks.queries import visible_packs
from safetyhub.measures.models import Measure

from . import notifications
from .models import Initiative, PdsaCycle, ProgressNote
from .rules import forget_teams

FRAMEWORK_KIND = "framework"


def tactics_for_priority(item: PackItem) -> list[PackItem]:
    """The tactics of the framework recommendations an assessment element is keyed to
    (through the crosswalk), in the recommendations' order (two queries)."""
    recs = [link.target_id for link in PackLink.objects.filter(
        source=item, target__kind=PackItem.Kind.ITEM, target__pack__kind=FRAMEWORK_KIND)]
    tactics = PackItem.objects.filter(kind=PackItem.Kind.TACTIC, parent_id__in=recs
                                      ).select_related("parent", "pack")
    return sorted(tactics, key=lambda t: (recs.index(t.parent_id), t.position))


@transaction.atomic
def initiative_from_priority(*, assessment: Assessment, item: PackItem, by: User,
                             tactic: PackItem | None = None, owner: User | None = None,
                             due_on: dt.date | None = None) -> Initiative:
    """Turn an assessment priority into an action-plan item, linked to the element, the
    assessment, the tactic to adopt (one of the tactics of the recommendations the element
    is keyed to) and its recommendation (the element's first one when no tactic is given),
    with its owner and due date. Once per element and assessment."""
    if item.pack_id != assessment.pack_id or item.kind != PackItem.Kind.ITEM:
        raise ValidationError({"item": f"{item.key!r} is not a {assessment.pack.item_noun} of "
                                       "this assessment."})
    existing = Initiative.objects.filter(source_assessment=assessment, source_item=item).first()
    if existing is not None:
        raise ValidationError({"item": f"“{item.title}” is already in the plan as "
                                       f"“{existing.title}”."})
    if tactic is not None:
        if tactic.pk not in {t.pk for t in tactics_for_priority(item)}:
            raise ValidationError({"tactic": f"“{tactic.title}” is not a tactic of the "
                                             f"recommendations {item.number or item.key} "
                                             "is keyed to."})
        recommendation = tactic.parent
    else:
        link = PackLink.objects.filter(source=item, target__kind=PackItem.Kind.ITEM,
                                       target__pack__kind=FRAMEWORK_KIND).select_related(
            "target").first()
        recommendation = link.target if link else None
    errors = {}
    if owner is not None and owner.pk not in _active_member_ids(assessment.organization,
                                                                [owner]):
        errors["owner"] = f"{owner.email} is not an active member of this organization."
    problem = check_date(due_on) if due_on is not None else None
    if problem:
        errors["due_on"] = problem
    if errors:
        raise ValidationError(errors)
    with audit.acting_as(by):
        initiative = Initiative.objects.create(
            organization=assessment.organization, site=assessment.site,
            title=f"Improve: {item.title}"[:200],
            description=f"From the assessment “{assessment.title}”, {item.pack.item_noun} "
                        f"{item.number or item.key}.",
            recommendation=recommendation, tactic=tactic, owner=owner, due_on=due_on,
            source_assessment=assessment, source_item=item, created_by=by,
        )
    if owner is not None:
        notifications.owner_made(initiative=initiative, by=by)
    return initiative


# --- the action plan: initiatives, progress notes, PDSA cycles -----------------------------

MAX_TITLE = 200
MAX_TEXT = 10_000
MAX_NOTE = 5_000
MAX_CHANGE = 300
CLOSED = frozenset({Initiative.Status.DONE, Initiative.Status.STOPPED})


class _Unset:
    """A field the caller did not pass: left as it is."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def is_overdue(initiative: Initiative, today: dt.date) -> bool:
    """Past its due date and neither done nor stopped."""
    return (initiative.due_on is not None and initiative.due_on < today
            and initiative.status not in CLOSED)


def _active_member_ids(organization: Organization, users: Iterable[User]) -> set[int]:
    return set(Membership.objects.filter(
        organization=organization, is_active=True, user__is_active=True,
        user_id__in=[u.pk for u in users],
    ).values_list("user_id", flat=True))


def _framework_item(organization: Organization, item: PackItem | None, kind: str
                    ) -> PackItem | None:
    """The item if it is of `kind` in a framework pack the organization sees, else None."""
    if item is None or item.kind != kind:
        return None
    visible = visible_packs(organization=organization).filter(pk=item.pack_id,
                                                              kind=FRAMEWORK_KIND)
    return item if visible.exists() else None


def _check_initiative(organization: Organization, values: dict, *, was: Initiative | None,
                      team_before: frozenset[int] = frozenset()) -> dict[str, str]:
    """Check the fields of an initiative as they will be saved (`values` holds every field);
    {field: reason} for each one that is wrong. Fills in the recommendation from the tactic
    when only the tactic is given."""
    errors: dict[str, str] = {}
    values["title"] = (values["title"] or "").strip()
    if not values["title"]:
        errors["title"] = "Give the initiative a title."
    elif len(values["title"]) > MAX_TITLE:
        errors["title"] = f"At most {MAX_TITLE} characters (this one has {len(values['title'])})."
    values["description"] = (values["description"] or "").strip()
    if len(values["description"]) > MAX_TEXT:
        errors["description"] = f"At most {MAX_TEXT} characters."
    if values["status"] not in Initiative.Status.values:
        errors["status"] = (f"Unknown status {values['status']!r}; choose one of "
                            f"{', '.join(Initiative.Status.values)}.")

    # What an initiative already points at stays valid (a newer pack version, or a link
    # made from an assessment priority, does not make the saved one wrong).
    def kept(name: str) -> bool:
        return was is not None and values[name] is not None \
            and values[name].pk == getattr(was, f"{name}_id")

    recommendation, tactic = values["recommendation"], values["tactic"]
    if recommendation is not None and not kept("recommendation") and _framework_item(
            organization, recommendation, PackItem.Kind.ITEM) is None:
        errors["recommendation"] = ("Choose a recommendation of a framework your "
                                    "organization uses.")
    if tactic is not None and not kept("tactic") and _framework_item(
            organization, tactic, PackItem.Kind.TACTIC) is None:
        errors["tactic"] = "Choose a tactic from your organization's tactics library."
    if tactic is not None and "tactic" not in errors and "recommendation" not in errors:
        if recommendation is None:
            values["recommendation"] = tactic.parent
        elif tactic.parent_id != recommendation.pk:
            errors["tactic"] = (f"“{tactic.title}” is a tactic for another recommendation, "
                                f"not “{recommendation.title}”; choose one of its tactics or "
                                "clear the tactic.")

    site = values["site"]
    if site is not None and not kept("site"):
        if site.organization_id != organization.pk:
            errors["site"] = "No such site in this organization."
        elif not site.is_active:
            errors["site"] = f"“{site.name}” is closed; choose an open site or unit."

    # People newly named must be active members; someone already on the initiative who has
    # since left stays on it until they are replaced (its history keeps its meaning).
    owner, team = values["owner"], list(values["team"])
    new_owner = owner if owner is not None and not kept("owner") else None
    new_team = [u for u in team if u.pk not in team_before]
    people = ([new_owner] if new_owner is not None else []) + new_team
    active = _active_member_ids(organization, people) if people else set()
    if new_owner is not None and new_owner.pk not in active:
        errors["owner"] = f"{new_owner.email} is not an active member of this organization."
    strangers = sorted({u.email for u in new_team if u.pk not in active})
    if strangers:
        errors["team"] = f"Not active members of this organization: {', '.join(strangers)}."

    start_on, due_on = values["start_on"], values["due_on"]
    if start_on is not None and due_on is not None and due_on < start_on:
        errors["due_on"] = (f"The due date ({due_on:%d %b %Y}) is before the start date "
                            f"({start_on:%d %b %Y}).")
    return errors


def _record_people_change(obj, field: str, before: list[User], after: list[User]) -> None:
    """Many-to-many changes are not on the row, so the trail gets them as their own entry."""
    old, new = sorted(u.email for u in before), sorted(u.email for u in after)
    if old != new:
        audit.record(action=AuditEntry.Action.UPDATE, obj=obj,
                     changes={field: {"from": old, "to": new}})


def _to_ms(moment: dt.datetime) -> dt.datetime:
    """To the millisecond: JSON (the API) carries times to the millisecond only."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _check_version(locked: Initiative | PdsaCycle, expected_updated_at: dt.datetime | None,
                   message: str) -> None:
    """Refuse ({"updated_at": message}) when the row changed since the caller loaded it."""
    if expected_updated_at is not None and _to_ms(locked.updated_at) != _to_ms(
            expected_updated_at):
        raise ValidationError({"updated_at": message})


INITIATIVE_FIELDS = ("title", "description", "recommendation", "tactic", "site", "owner",
                     "team", "status", "start_on", "due_on")


@transaction.atomic
def create_initiative(
    *,
    organization: Organization,
    by: User,
    title: str,
    description: str = "",
    recommendation: PackItem | None = None,
    tactic: PackItem | None = None,
    site: Site | None = None,
    owner: User | None = None,
    team: Iterable[User] = (),
    status: str = Initiative.Status.PROPOSED,
    start_on: dt.date | None = None,
    due_on: dt.date | None = None,
) -> Initiative:
    """Add an initiative to the organization's action plan."""
    values = {"title": title, "description": description, "recommendation": recommendation,
              "tactic": tactic, "site": site, "owner": owner, "team": list(team),
              "status": status, "start_on": start_on, "due_on": due_on}
    errors = _check_initiative(organization, values, was=None)
    if errors:
        raise ValidationError(errors)
    team = values.pop("team")
    with audit.acting_as(by):
        initiative = Initiative.objects.create(organization=organization, created_by=by,
                                               **values)
        if team:
            initiative.team.set(team)
            _record_people_change(initiative, "team", [], team)
    if initiative.owner is not None:
        notifications.owner_made(initiative=initiative, by=by)
    forget_teams(by)
    return initiative


@transaction.atomic
def update_initiative(
    *,
    initiative: Initiative,
    by: User,
    expected_updated_at: dt.datetime | None = None,
    title: str = UNSET,
    description: str = UNSET,
    recommendation: PackItem | None = UNSET,
    tactic: PackItem | None = UNSET,
    site: Site | None = UNSET,
    owner: User | None = UNSET,
    team: Iterable[User] = UNSET,
    status: str = UNSET,
    start_on: dt.date | None = UNSET,
    due_on: dt.date | None = UNSET,
) -> Initiative:
    """Change the fields passed; the rest stay. Any status may follow any other; the audit
    trail records who changed what, and when. With `expected_updated_at` (the version the
    caller loaded) a change made by someone else in between is refused, not overwritten."""
    locked = Initiative.objects.select_for_update().get(pk=initiative.pk)
    _check_version(locked, expected_updated_at, "Someone else changed this initiative after "
                   "you opened it. Reload it to see their changes, then make yours again.")
    passed = {"title": title, "description": description, "recommendation": recommendation,
              "tactic": tactic, "site": site, "owner": owner, "team": team,
              "status": status, "start_on": start_on, "due_on": due_on}
    team_before = list(locked.team.all())
    values = {name: getattr(locked, name) for name in INITIATIVE_FIELDS if name != "team"}
    values["team"] = team_before
    values.update({name: value for name, value in passed.items() if value is not UNSET})
    errors = _check_initiative(locked.organization, values, was=locked,
                               team_before=frozenset(u.pk for u in team_before))
    if errors:
        raise ValidationError(errors)
    team_after = values.pop("team")
    owner_before = locked.owner_id
    with audit.acting_as(by):
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save()
        if {u.pk for u in team_after} != {u.pk for u in team_before}:
            locked.team.set(team_after)
            _record_people_change(locked, "team", team_before, team_after)
    if locked.owner_id is not None and locked.owner_id != owner_before:
        notifications.owner_made(initiative=locked, by=by)
    forget_teams(by)
    return locked


@transaction.atomic
def add_progress_note(*, initiative: Initiative, by: User, text: str) -> ProgressNote:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write what has happened since the last note."})
    if len(text) > MAX_NOTE:
        raise ValidationError({"text": f"At most {MAX_NOTE} characters (this note has "
                                       f"{len(text)})."})
    with audit.acting_as(by):
        return ProgressNote.objects.create(initiative=initiative,
                                           organization_id=initiative.organization_id,
                                           author=by, text=text)


def _check_measures(organization_id: int, measures: Iterable[Measure]) -> list[Measure]:
    measures = list(measures)
    foreign = [m for m in measures if m.organization_id != organization_id]
    if foreign:
        raise ValidationError({"measures": "Link only your organization's own measures."})
    return measures


CYCLE_TEXT_FIELDS = {"prediction": MAX_TEXT, "plan_details": MAX_TEXT,
                     "observations": MAX_TEXT, "study": MAX_TEXT, "act_notes": MAX_TEXT}


def _check_cycle(values: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    values["change"] = (values["change"] or "").strip()
    if not values["change"]:
        errors["change"] = "Say what change this cycle tests."
    elif len(values["change"]) > MAX_CHANGE:
        errors["change"] = f"At most {MAX_CHANGE} characters; put the detail under “who, " \
                           "when, where”."
    for name, limit in CYCLE_TEXT_FIELDS.items():
        if name in values:
            values[name] = (values[name] or "").strip()
            if len(values[name]) > limit:
                errors[name] = f"At most {limit} characters."
    if values["started_on"] is None:
        errors["started_on"] = "Give the day the test starts."
    ended_on = values.get("ended_on")
    if ended_on is not None and values["started_on"] is not None \
            and ended_on < values["started_on"]:
        errors["ended_on"] = (f"The test cannot end ({ended_on:%d %b %Y}) before it starts "
                              f"({values['started_on']:%d %b %Y}).")
    act = values.get("act")
    if act is not None:
        values["act"] = act = (act or "").strip()
        if act and act not in PdsaCycle.Act.values:
            errors["act"] = (f"Unknown decision {act!r}; choose adopt, adapt or abandon (or "
                             "leave it empty until the team decides).")
    return errors


@transaction.atomic
def start_cycle(
    *,
    initiative: Initiative,
    by: User,
    change: str,
    prediction: str = "",
    plan_details: str = "",
    started_on: dt.date | None = None,
    measures: Iterable[Measure] = (),
) -> PdsaCycle:
    """Plan a new PDSA cycle on the initiative: the next number, whoever starts one at the
    same moment (the initiative's row is locked while the number is taken)."""
    values = {"change": change, "prediction": prediction, "plan_details": plan_details,
              "started_on": started_on or timezone.localdate()}
    errors = _check_cycle(values)
    if errors:
        raise ValidationError(errors)
    measures = _check_measures(initiative.organization_id, measures)
    locked = Initiative.objects.select_for_update().only("pk", "organization_id").get(
        pk=initiative.pk)
    number = (PdsaCycle.objects.filter(initiative=locked).aggregate(n=Max("number"))["n"]
              or 0) + 1
    with audit.acting_as(by):
        cycle = PdsaCycle.objects.create(initiative_id=locked.pk,
                                         organization_id=locked.organization_id,
                                         number=number, created_by=by, **values)
        if measures:
            cycle.measures.set(measures)
            _record_measures_change(cycle, [], measures)
    return cycle


def _record_measures_change(cycle: PdsaCycle, before: list[Measure], after: list[Measure]
                            ) -> None:
    old, new = sorted(m.pk for m in before), sorted(m.pk for m in after)
    if old != new:
        audit.record(action=AuditEntry.Action.UPDATE, obj=cycle,
                     changes={"measures": {"from": old, "to": new}})


CYCLE_FIELDS = ("change", "prediction", "plan_details", "started_on", "ended_on",
                "observations", "study", "act", "act_notes")


@transaction.atomic
def update_cycle(
    *,
    cycle: PdsaCycle,
    by: User,
    expected_updated_at: dt.datetime | None = None,
    change: str = UNSET,
    prediction: str = UNSET,
    plan_details: str = UNSET,
    started_on: dt.date = UNSET,
    ended_on: dt.date | None = UNSET,
    observations: str = UNSET,
    study: str = UNSET,
    act: str = UNSET,
    act_notes: str = UNSET,
    measures: Iterable[Measure] = UNSET,
) -> PdsaCycle:
    """Record any stage of a cycle: plan (change, prediction, who/when/where, start), do
    (what happened, end), study (results against the prediction), act (adopt, adapt or
    abandon, and what next), and the measures whose charts show it. Fields not passed
    stay as they are. With `expected_updated_at` (the version the caller loaded) a change
    made by someone else in between is refused, not overwritten."""
    locked = PdsaCycle.objects.select_for_update().get(pk=cycle.pk)
    _check_version(locked, expected_updated_at, "Someone else changed this PDSA cycle after "
                   "you opened it. Reload it to see their changes, then make yours again.")
    passed = {"change": change, "prediction": prediction, "plan_details": plan_details,
              "started_on": started_on, "ended_on": ended_on, "observations": observations,
              "study": study, "act": act, "act_notes": act_notes}
    values = {name: getattr(locked, name) for name in CYCLE_FIELDS}
    values.update({name: value for name, value in passed.items() if value is not UNSET})
    errors = _check_cycle(values)
    if errors:
        raise ValidationError(errors)
    if measures is not UNSET:
        measures = _check_measures(locked.organization_id, measures)
    decided_before = bool(locked.act)
    with audit.acting_as(by):
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save()
        if measures is not UNSET:
            before = list(locked.measures.all())
            if {m.pk for m in before} != {m.pk for m in measures}:
                locked.measures.set(measures)
                _record_measures_change(locked, before, measures)
    if locked.act and not decided_before:  # the cycle reached its decision just now
        notifications.pdsa_completed(cycle=locked, by=by)
    return locked


@transaction.atomic
def link_measure(*, initiative: Initiative, measure: Measure, by: User) -> None:
    """Link one of the organization's measures to the initiative (the measures that show
    whether its changes are improvements). Linking it again changes nothing."""
    if measure.organization_id != initiative.organization_id:
        raise ValidationError({"measure": "No such measure in this organization."})
    if initiative.measures.filter(pk=measure.pk).exists():
        return
    with audit.acting_as(by):
        initiative.measures.add(measure)
        audit.record(action=AuditEntry.Action.UPDATE, obj=initiative,
                     changes={"measures": {"added": measure.name}})
