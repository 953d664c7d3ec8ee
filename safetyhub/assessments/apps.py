from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "safetyhub.assessments"
    label = "assessments"
    verbose_name = "Self-assessments"

    def ready(self) -> None:
        from safetyhub.core import audit

        from .models import (
            Assessment,
            ChosenPriority,
            Evidence,
            OfficialText,
            Response,
            TeamMember,
        )

        audit.register(Assessment)
        audit.register(TeamMember, organization_of=lambda m: m.assessment.organization)
        # A member's own answer is private to the member and the team's lead until consensus
        # (rules.py), and the audit trail is read by the organization's admins: it records
        # who changed which part of an answer, not what they wrote.
        audit.register(Response, exclude=["updated_at"],
                       redact=["value", "criteria_met", "note", "evidence_links"])
        # Downloads are "view" entries. A member's file name is as private as the note.
        audit.register(Evidence, sensitive=True, redact=["original_name", "file"],
                       describe=lambda e: f"Evidence file {e.pk} ({e.content_type})")
        audit.register(OfficialText, exclude=["entered_at"])
        audit.register(ChosenPriority)
        # TODO(lead, at merge): the board pack's "chosen priorities" section reads
        # queries.chosen_priorities: core.board_pack.register_section(...)
