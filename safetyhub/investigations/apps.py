from django.apps import AppConfig


class InvestigationsConfig(AppConfig):
    name = "safetyhub.investigations"
    label = "investigations"
    verbose_name = "Investigation and resolution"

    def ready(self) -> None:
        from safetyhub.core import audit, demo

        from .demo import load_investigations_demo
        from .models import Review

        demo.register_demo_loader(load_investigations_demo)
        # Sensitive: a review is about an event, and its reviewers alone read it, so every
        # opening is recorded. Its free text stays out of the log (the audit page is read by
        # admins who may not read events): the log says that it changed, never what it says.
        audit.register(Review, sensitive=True, exclude=["updated_at"],
                       redact=["scope", "questions", "status_reason", "lesson"],
                       describe=lambda r: f"{r.get_kind_display()} {r.pk}")
