from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "safetyhub.assessments"
    label = "assessments"
    verbose_name = "Self-assessments"

    def ready(self) -> None:
        from safetyhub.core import audit

        from .models import Assessment, Evidence, OfficialText, Response, TeamMember

        audit.register(Assessment)
        audit.register(TeamMember, organization_of=lambda m: m.assessment.organization)
        audit.register(Response, exclude=["updated_at"])
        audit.register(Evidence)
        audit.register(OfficialText, exclude=["entered_at"])
