from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "safetyhub.assessments"
    label = "assessments"
    verbose_name = "Self-assessments"

    def ready(self) -> None:
        from safetyhub.core import audit, daily_jobs, my_work

        from . import my_work as sources
        from . import notifications
        from .models import (
            Assessment,
            Attestation,
            ChosenPriority,
            Evidence,
            OfficialText,
            Response,
            StatementFollowUp,
            TeamMember,
        )
        from .reminders import send_due_reminders

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
        audit.register(Attestation, exclude=["updated_at"])
        audit.register(StatementFollowUp, exclude=["updated_at"])
        audit.register(ChosenPriority)

        my_work.register_source("assessments.answer", "Questions to answer",
                                sources.to_answer, empty=sources.start_hint)
        my_work.register_source("assessments.consensus", "Consensus to lead",
                                sources.consensus_to_lead,
                                empty="You lead no open assessment.")
        my_work.register_source("assessments.pssm_gaps", "Attestation gaps you own",
                                sources.attestation_gaps,
                                empty="No attestation statement waits on you.")
        my_work.register_status("assessments.self_assessment", "Self-assessment",
                                sources.self_assessment_status, order=10)
        my_work.register_status("assessments.pssm", "PSSM readiness", sources.pssm_status,
                                order=40)

        notifications.register_kinds()
        daily_jobs.register_daily_job("assessments.reminders", send_due_reminders)

        from . import board_pack

        board_pack.register()

        _register_search()

        from safetyhub.core import platform_evidence

        from . import platform_evidence as figures

        platform_evidence.register_evidence("assessments", figures.figures, order=20)


def _register_search() -> None:
    """Assessments are found by title, instrument and site. Answers are never indexed: a
    member's own answers and notes are private (rules.py), and the agreed ones are read on
    the assessment's pages."""
    from django.urls import reverse

    from safetyhub.core import search

    from .models import Assessment
    from .queries import visible_assessments

    search.register_source(
        Assessment, key="assessment", label="Assessments", related=["pack", "site"],
        fields=["title", lambda a: a.pack.title, lambda a: a.site.name if a.site else ""],
        url=lambda a, org: reverse("assessments:detail", args=[org.slug, a.pk]),
        visible=lambda user, org: visible_assessments(user=user, organization=org)
        .defer("reminder_days"),
    )
