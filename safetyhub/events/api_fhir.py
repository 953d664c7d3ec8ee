"""FHIR interchange of safety event reports (issue 11, point 10): one report as a FHIR R4
AdverseEvent, and one AdverseEvent imported as a new report. The mapping and what is never
exported (the reporter, patient characteristics): fhir.py and docs/events-interop.md.

Both are the event reviewers' and safety leads' only: anyone else is answered 404 for the
export, as for a report that does not exist (even its named reporter: a FHIR export is a way
to send the report elsewhere, which is a reviewer's decision). Every export is audited like an
opening of the report. An import runs through submit_report (channel "api") and is idempotent
by the resource's identifier; bad input is answered 422 naming the FHIR path."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Body, Router, Schema, Status

from safetyhub.core.api import api_organization

from . import fhir
from .access import access_event
from .rules import is_event_reviewer

router = Router(tags=["events"])

REPORT = "events.report"
REVIEW = "events.review"


class Imported(Schema):
    id: int
    reference: str
    created: bool


@router.get("/orgs/{slug}/events/{event_id}/fhir", response=dict[str, Any])
def event_fhir(request: HttpRequest, slug: str, event_id: int):
    """The report as a FHIR R4 AdverseEvent (reviewers and safety leads; audited)."""
    org = api_organization(request, slug, REPORT)
    if not is_event_reviewer(request.user, org):
        raise Http404("No such event report.")
    return fhir.report_to_adverse_event(
        access_event(user=request.user, organization=org, pk=event_id))


@router.post("/orgs/{slug}/events/fhir", response={200: Imported, 201: Imported})
def event_fhir_import(request: HttpRequest, slug: str,
                      resource: Body[dict[str, Any]]):
    """Import one FHIR AdverseEvent as a new report (201); the same identifier again answers
    200 with the first report."""
    org = api_organization(request, slug, REVIEW)
    submission = fhir.import_adverse_event(organization=org, resource=resource,
                                           user=request.user)
    report = submission.report
    return Status(201 if submission.created else 200,
                  {"id": report.pk, "reference": report.reference,
                   "created": submission.created})
