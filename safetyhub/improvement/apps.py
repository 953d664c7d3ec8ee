from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "safetyhub.improvement"
    label = "improvement"
    verbose_name = "Improvement work"

    def ready(self) -> None:
        from safetyhub.core import audit

        from .models import DataPoint, Initiative, Measure, PdsaCycle, PhaseSplit, ProgressNote

        audit.register(Initiative, exclude=["updated_at"])
        audit.register(ProgressNote)
        audit.register(Measure)
        audit.register(DataPoint, exclude=["updated_at"])
        audit.register(PhaseSplit)
        audit.register(PdsaCycle, exclude=["updated_at"])

        from . import board_pack

        board_pack.register()
