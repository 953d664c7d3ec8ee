"""Safety event reports as FHIR AdverseEvent resources, out and back in (issue 11, point 10).

The model is fhir.resources' R4B AdverseEvent (`fhir.resources.R4B`): the maintained
fhir.resources releases (8.x, pydantic 2) ship R5 and R4B, not plain R4; R4B left AdverseEvent
as R4 had it, so what is written here is an R4 AdverseEvent too (docs/events-interop.md).

What is exported is what a receiving system needs to count and learn from the event; what
could identify a person is left out on purpose, whatever the report says:
- never the reporter (named or anonymous), nor a follow-up code or client key;
- never patient characteristics (age band, sex, race and ethnicity, language, ...): R4 makes
  `subject` mandatory, so it is sent with only a data-absent-reason (`masked`);
- the unit by name only (`location.display`), never a database id.

The mapping table is docs/events-interop.md; keys are the taxonomy pack's, in code systems
named after the pack and its section (SYSTEM), so a receiver can tell our codes from others.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from pydantic import ValidationError as PydanticError

from safetyhub.core.models import Organization, Site

from . import services
from .models import EventReport
from .taxonomy import KINDS, MEDICATION_SCALE, Taxonomy, active_taxonomy_pack, taxonomy_of

# A URN, not a web address: SafetyHub has no canonical host of its own, and an invented one
# would be somebody else's. Codes carry the pack version in `coding.version`.
BASE = "urn:safetyhub:fhir"
IDENTIFIER_SYSTEM = f"{BASE}:event-report"
EXT = f"{BASE}:StructureDefinition:"
EXT_NARRATIVE = EXT + "event-narrative"
EXT_ACTIONS = EXT + "immediate-actions"
EXT_FACTOR = EXT + "contributing-factor"  # R5's AdverseEvent.contributingFactor, as R4 lacks it
EXT_ROLE = EXT + "person-involved-role"
EXT_MERP = EXT + "ncc-merp-category"
EXT_REPORTED_BY = EXT + "workforce-reported-by"
EXT_ANSWER = EXT + "category-answer"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
# Harm levels a receiver's own scales can read; the project's judgement (docs/events-interop.md).
SERIOUS = {"death", "severe", "wf-death", "wf-days-away"}
NON_SERIOUS = {"none", "mild", "moderate", "wf-none", "wf-first-aid", "wf-recordable",
               "wf-restricted"}
FHIR_SEVERITY = {"mild": "mild", "moderate": "moderate", "severe": "severe"}
FATAL = {"death", "wf-death"}
POTENTIAL = {"near-miss", "unsafe-condition"}  # nothing reached anyone


def system(pack_id: str, section: str) -> str:
    """The code system of one section of a taxonomy pack."""
    return f"{BASE}:CodeSystem:{pack_id}:{section}"


def _adverse_event_model():
    from fhir.resources.R4B.adverseevent import AdverseEvent  # heavy: import when used

    return AdverseEvent


def _coding(taxonomy: Taxonomy, pack, section: str, key: str) -> dict:
    return {"system": system(pack.pack_id, section), "version": str(pack.version),
            "code": key, "display": taxonomy.title_of(section, key)}


def _concept(taxonomy: Taxonomy, pack, section: str, key: str) -> dict:
    return {"coding": [_coding(taxonomy, pack, section, key)]}


def report_to_adverse_event(report: EventReport) -> dict:
    """The report as a FHIR R4 AdverseEvent (a JSON-ready dict), checked by the model."""
    pack = report.taxonomy
    taxonomy = taxonomy_of(pack)
    categories_section = KINDS[report.kind][0]
    extensions: list[dict] = [{"url": EXT_NARRATIVE, "valueString": report.narrative}]
    if report.immediate_actions:
        extensions.append({"url": EXT_ACTIONS, "valueString": report.immediate_actions})
    extensions += [{"url": EXT_FACTOR, "valueCodeableConcept": _concept(
        taxonomy, pack, "contributing-factors", key)} for key in report.contributing_factors]
    extensions += [{"url": EXT_ROLE, "valueCodeableConcept": _concept(
        taxonomy, pack, "people-roles", key)} for key in report.people_involved]
    if report.medication_error_category:
        extensions.append({"url": EXT_MERP, "valueCodeableConcept": _concept(
            taxonomy, pack, MEDICATION_SCALE, report.medication_error_category)})
    if report.reported_by:
        extensions.append({"url": EXT_REPORTED_BY, "valueCode": report.reported_by})
    # Answers to the questions of the category as it stands: after a reviewer reclassified
    # the report, the reporter's answers belong to a category it no longer has (they stay
    # in SafetyHub, on the report's page) and would not import.
    asked = {q.id for q in taxonomy.questions_for(report.category)}
    for question, value in report.answers.items():
        if question not in asked:
            continue
        values = value if isinstance(value, list) else [value]
        extensions.append({"url": EXT_ANSWER, "extension": [
            {"url": "question", "valueCode": question},
            *({"url": "answer", "valueString": str(v)} for v in values)]})

    resource: dict[str, Any] = {
        "resourceType": "AdverseEvent",
        "extension": extensions,
        "identifier": {"system": IDENTIFIER_SYSTEM, "value": report.reference},
        "actuality": "potential" if report.event_type in POTENTIAL else "actual",
        "category": [_concept(taxonomy, pack, "event-types", report.event_type)],
        "event": _concept(taxonomy, pack, categories_section, report.category),
        # R4 requires a subject; who it was is never exported (see the module's note).
        "subject": {"extension": [{"url": DATA_ABSENT, "valueCode": "masked"}]},
        "date": report.occurred_at.astimezone(dt.UTC).isoformat(),
        "recordedDate": report.created_at.astimezone(dt.UTC).isoformat(),
    }
    if report.site_id:
        resource["location"] = {"display": report.site.name}
    if report.harm_level:
        harm = _coding(taxonomy, pack, taxonomy.harm_section(report.kind), report.harm_level)
        resource["severity"] = {"coding": [harm] + (
            [{"system": SEVERITY, "code": FHIR_SEVERITY[report.harm_level]}]
            if report.harm_level in FHIR_SEVERITY else [])}
        if report.harm_level in SERIOUS | NON_SERIOUS:
            serious = report.harm_level in SERIOUS
            resource["seriousness"] = {"coding": [{
                "system": SERIOUSNESS, "code": "serious" if serious else "non-serious",
                "display": "Serious" if serious else "Non-serious"}]}
        if report.harm_level in FATAL:
            resource["outcome"] = {"coding": [{"system": OUTCOME, "code": "fatal",
                                               "display": "Fatal"}]}
    _adverse_event_model().model_validate(resource)  # a bug here is ours: let it raise
    return resource


# --- import ------------------------------------------------------------------------------------


def _path(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "AdverseEvent"


def _codes(concept: Any, wanted: str) -> list[str]:
    if not isinstance(concept, Mapping):
        return []
    return [c.get("code") for c in concept.get("coding") or []
            if isinstance(c, Mapping) and c.get("system") == wanted and c.get("code")]


def _section_code(concept: Any, pack_id: str, sections: tuple[str, ...]) -> tuple[str, str]:
    """(section, code) of the first coding in one of our sections, else ("", "")."""
    for section in sections:
        codes = _codes(concept, system(pack_id, section))
        if codes:
            return section, codes[0]
    return "", ""


def adverse_event_to_report_fields(resource: Any, *, taxonomy: Taxonomy, pack_id: str,
                                   organization: Organization) -> dict:
    """The submit_report keyword arguments an AdverseEvent stands for. The resource is
    checked by the FHIR model first; any problem raises ValidationError keyed by the FHIR
    path (`event.coding`, `date`, ...). The taxonomy keys are checked again by
    submit_report, whose errors name our fields."""
    if not isinstance(resource, Mapping) or resource.get("resourceType") != "AdverseEvent":
        raise ValidationError({"resourceType": "Send one FHIR AdverseEvent resource "
                                               "(resourceType 'AdverseEvent')."})
    body = {k: v for k, v in resource.items() if k != "resourceType"}
    try:
        _adverse_event_model().model_validate(body)
    except PydanticError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors()[:20]:
            errors.setdefault(_path(error.get("loc", ())), error.get("msg", "invalid"))
        raise ValidationError(errors) from None
    except (ValueError, TypeError) as exc:  # a few model checks raise plain errors
        raise ValidationError({"AdverseEvent": str(exc)[:300]}) from None

    errors = {}
    identifier = resource.get("identifier") or {}
    key = ""
    if not identifier.get("value"):
        errors["identifier.value"] = ("Required: the import is idempotent by the resource's "
                                      "identifier (system and value).")
    else:
        key = f"fhir:{identifier.get('system') or ''}|{identifier['value']}"

    section, category = _section_code(resource.get("event"), pack_id,
                                      tuple(s for s, _own, _fb in KINDS.values()))
    kind = next((k for k, (s, _o, _f) in KINDS.items() if s == section), "")
    if not category:
        errors["event.coding"] = (f"Needs a coding from {system(pack_id, 'categories')} or "
                                  f"{system(pack_id, 'workforce-categories')}.")
    event_types = [c for concept in resource.get("category") or []
                   for c in _codes(concept, system(pack_id, "event-types"))]
    if not event_types:
        errors["category"] = f"Needs a coding from {system(pack_id, 'event-types')}."
    actuality = resource.get("actuality")
    if actuality not in ("actual", "potential"):
        errors["actuality"] = "Required: actual, or potential (a near miss or unsafe condition)."
    elif event_types and (event_types[0] in POTENTIAL) != (actuality == "potential"):
        errors["actuality"] = (f"'{actuality}' contradicts the event type "
                               f"'{event_types[0]}' (potential is for "
                               f"{' and '.join(sorted(POTENTIAL))}).")
    occurred = parse_datetime(str(resource.get("date") or ""))
    if occurred is None:
        errors["date"] = "Required: when the event happened, as a date and time."

    harm = ""
    if kind:
        harm_codes = _codes(resource.get("severity"),
                            system(pack_id, taxonomy.harm_section(kind)))
        harm = harm_codes[0] if harm_codes else ""

    site_id = None
    display = (resource.get("location") or {}).get("display")
    if display:
        sites = list(Site.objects.filter(organization=organization, name=display,
                                         is_active=True).values_list("pk", flat=True)[:2])
        if len(sites) != 1:
            errors["location.display"] = ("No site or unit of this organization has this name."
                                          if not sites else
                                          "Several sites or units have this name.")
        else:
            site_id = sites[0]

    narrative, actions, reported_by, merp_code = "", "", "", ""
    factors: list[str] = []
    roles: list[str] = []
    answers: dict[str, Any] = {}
    questions = {q.id: q for q in taxonomy.questions_for(category)}
    factor_system = system(pack_id, "contributing-factors")
    role_system = system(pack_id, "people-roles")
    for i, ext in enumerate(resource.get("extension") or []):
        url = ext.get("url")
        if url == EXT_NARRATIVE:
            narrative = ext.get("valueString") or ""
        elif url == EXT_ACTIONS:
            actions = ext.get("valueString") or ""
        elif url == EXT_REPORTED_BY:
            reported_by = ext.get("valueCode") or ""
        elif url == EXT_FACTOR:
            codes = _codes(ext.get("valueCodeableConcept"), factor_system)
            if not codes:
                errors[f"extension.{i}.valueCodeableConcept"] = \
                    f"Needs a coding from {factor_system}."
            factors += codes[:1]
        elif url == EXT_ROLE:
            codes = _codes(ext.get("valueCodeableConcept"), role_system)
            if not codes:
                errors[f"extension.{i}.valueCodeableConcept"] = \
                    f"Needs a coding from {role_system}."
            roles += codes[:1]
        elif url == EXT_ANSWER:
            parts = ext.get("extension") or []
            question = next((p.get("valueCode") for p in parts
                             if p.get("url") == "question"), None)
            values = [p.get("valueString") for p in parts if p.get("url") == "answer"]
            if not question:
                errors[f"extension.{i}.extension"] = "Needs a 'question' part."
                continue
            asked = questions.get(question)
            multi = asked is not None and asked.type == "multi"
            answers[question] = values if multi else (values[0] if values else "")
        elif url == EXT_MERP:
            merp = _codes(ext.get("valueCodeableConcept"), system(pack_id, MEDICATION_SCALE))
            if not merp:
                errors[f"extension.{i}.valueCodeableConcept"] = \
                    f"Needs a coding from {system(pack_id, MEDICATION_SCALE)}."
            merp_code = merp[0] if merp else ""
        # Other extensions are not ours and are ignored, as FHIR allows for non-modifier ones.
    # The NCC MERP category is the reviewers' (it may differ from the reporter's answer after
    # triage): submit_report takes it from the medication question's answer, so that answer
    # is the extension's code, or none.
    for question in questions.values():
        if question.choices_from == MEDICATION_SCALE:
            answers.pop(question.id, None)
            if merp_code:
                answers[question.id] = merp_code
    if not narrative:
        errors["extension"] = f"Needs the narrative as an extension with url {EXT_NARRATIVE}."
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind, "event_type": event_types[0], "category": category,
        "occurred_at": occurred, "site_id": site_id, "narrative": narrative,
        "harm_level": harm, "people_involved": roles, "immediate_actions": actions,
        "contributing_factors": factors, "answers": answers, "reported_by": reported_by,
        "client_key": key,
    }


def import_adverse_event(*, organization: Organization, resource: Any,
                         user) -> services.Submission:
    """Store one AdverseEvent as a new report of the organization (channel "api", the
    importing person as its reporter), through submit_report like every other report. The
    resource's identifier is the client key: importing it again returns the first report."""
    pack = active_taxonomy_pack(organization=organization)
    if pack is None:
        raise ValidationError({"event": "No event taxonomy is loaded."})
    fields = adverse_event_to_report_fields(resource, taxonomy=taxonomy_of(pack),
                                            pack_id=pack.pack_id, organization=organization)
    return services.submit_report(organization=organization, channel=EventReport.Channel.API,
                                  reporter=user, **fields)
