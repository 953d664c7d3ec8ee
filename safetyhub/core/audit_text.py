"""The audit trail in sentences, for the people who read the log: "Sam Ortiz changed the
membership “Ana Lopez in Riverside (Assessor)”: role from Assessor to Patient-safety lead."

Field and record names come from the models (verbose names and choice labels), so every app's
records read the same way without registering anything; a record type that is no longer a
model (or an event such as an export) falls back to its stored name.
"""

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .models import AuditEntry

VERBS = {
    AuditEntry.Action.CREATE: "created",
    AuditEntry.Action.UPDATE: "changed",
    AuditEntry.Action.DELETE: "deleted",
    AuditEntry.Action.VIEW: "viewed",
    AuditEntry.Action.EVENT: "recorded",
}
# Record types written by hand (not models) and what to call them.
NAMED_TYPES = {"core.AuditLog": "the audit log", "core.Account": "the account"}
# Models that moved to another app: older entries keep the label they were written with (the
# chain hashes it), and are read with the model's new home.
MOVED_TYPES = {f"improvement.{name}": f"measures.{name}"
               for name in ("Measure", "DataPoint", "PhaseSplit")}


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(MOVED_TYPES.get(object_type, object_type))
    except (LookupError, ValueError):
        return None


def record_name(entry: AuditEntry) -> str:
    """"the membership “Ana Lopez in Riverside (Assessor)”", or the stored type's name."""
    model = _model(entry.object_type)
    kind = NAMED_TYPES.get(entry.object_type) or (
        f"the {model._meta.verbose_name}" if model else f"the record {entry.object_type}")
    return f"{kind} “{entry.object_repr}”" if entry.object_repr else kind


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _value(field: models.Field | None, value) -> str:
    if value is None or value == "" or value == []:
        return "nothing"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def change_phrases(entry: AuditEntry) -> list[str]:
    """One phrase per changed field: "role from Assessor to Patient-safety lead", "note
    changed (not recorded)"."""
    if entry.action in (AuditEntry.Action.CREATE, AuditEntry.Action.DELETE):
        return []  # the record's name says what was made or removed; the fields are noise
    model = _model(entry.object_type)
    phrases = []
    for name, change in entry.changes.items():
        field = _field(model, name)
        label = str(field.verbose_name) if field is not None else name.replace("_", " ")
        if isinstance(change, dict) and change.get("changed"):
            phrases.append(f"{label} changed (not recorded)")
        elif isinstance(change, dict) and ("from" in change or "to" in change):
            phrases.append(f"{label} from {_value(field, change.get('from'))} "
                           f"to {_value(field, change.get('to'))}")
        else:
            phrases.append(f"{label}: {_value(field, change)}")
    return phrases


def describe(entry: AuditEntry) -> str:
    """The whole entry as one sentence."""
    who = entry.actor_label or "The system"
    sentence = f"{who} {VERBS.get(entry.action, entry.action)} {record_name(entry)}"
    phrases = change_phrases(entry)
    return f"{sentence}: {'; '.join(phrases)}." if phrases else f"{sentence}."
