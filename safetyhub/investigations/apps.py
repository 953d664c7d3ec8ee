from django.apps import AppConfig


class InvestigationsConfig(AppConfig):
    name = "safetyhub.investigations"
    label = "investigations"
    verbose_name = "Investigation and resolution"

    def ready(self) -> None:
        from safetyhub.core import demo

        from .demo import load_investigations_demo

        demo.register_demo_loader(load_investigations_demo)
        _register_resolution()


def _register_resolution() -> None:
    """Communication and resolution after harm, and care for the caregiver: permissions and
    the audit trail. Every record is sensitive (each opening recorded); what was said, and
    every name, stays out of the log (the audit page is read by admins who may not read
    events, and who may never learn who was offered peer support)."""
    from safetyhub.core import audit

    from . import rules  # noqa: F401 (permissions)
    from .models_resolution import (
        ResolutionContact,
        ResolutionQuestion,
        ResolutionRecord,
        SupportOffer,
    )

    audit.register(ResolutionRecord, sensitive=True, exclude=["updated_at"],
                   redact=["resolution_note"],
                   describe=lambda r: f"Communication and resolution of event report "
                                      f"{r.report_id}")
    audit.register(ResolutionContact, sensitive=True,
                   redact=["organization_people", "what_was_shared"],
                   describe=lambda c: f"{c.get_kind_display()} about event report "
                                      f"{c.record.report_id}")
    audit.register(ResolutionQuestion, sensitive=True, redact=["question", "answer"],
                   describe=lambda q: f"Question about event report {q.record.report_id}")
    audit.register(SupportOffer, sensitive=True,
                   redact=["staff_name", "staff_role", "offered_by", "note", "report"],
                   describe=lambda o: f"Support offer {o.pk}")
