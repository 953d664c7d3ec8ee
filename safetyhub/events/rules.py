"""Who may do what with safety event reports.

Reports are sensitive: an event is seen by the event reviewers, the patient-safety leads and
the person who reported it (a named report), nobody else, whatever their other powers;
organization admins and executive viewers included. Executives and patient/family advisors
will see aggregates only (the measures pages); for now they are refused every event's detail.
Any member may report."""

import rules

from safetyhub.core.models import Role
from safetyhub.core.rules import has_role, is_member

REVIEWER_ROLES = (Role.EVENT_REVIEWER, Role.SAFETY_LEAD)
is_event_reviewer = has_role(*REVIEWER_ROLES)
AGGREGATE_ROLES = (Role.EVENT_REVIEWER, Role.SAFETY_LEAD, Role.EXECUTIVE_VIEWER,
                   Role.PATIENT_FAMILY_ADVISOR, Role.ORG_ADMIN)


@rules.predicate
def reviews_events_of(user, report) -> bool:
    return is_event_reviewer(user, report.organization_id)


@rules.predicate
def reported(user, report) -> bool:
    """The named reporter, still an active member (an anonymous report has no reporter)."""
    return (report.reporter_id is not None and report.reporter_id == user.pk
            and is_member(user, report.organization_id))


rules.add_perm("events.report", is_member)
rules.add_perm("events.review", is_event_reviewer)
rules.add_perm("events.view_report", reviews_events_of | reported)
rules.add_perm("events.view_aggregates", has_role(*AGGREGATE_ROLES))

# Measures from events: patient days (the rates' denominator) and the minimum cell size of
# stratified tables are set by those who run the organization's safety programme.
MEASURE_ROLES = (Role.SAFETY_LEAD, Role.ORG_ADMIN)
rules.add_perm("events.manage_patient_days", has_role(*MEASURE_ROLES))
rules.add_perm("events.change_aggregate_settings", has_role(*MEASURE_ROLES))
# The public reporting page (patients, families, care partners) is opened and closed by the
# organization's admins and patient-safety leads.
rules.add_perm("events.manage_public_page", has_role(Role.ORG_ADMIN, Role.SAFETY_LEAD))
