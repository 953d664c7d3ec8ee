from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "safetyhub.improvement"
    label = "improvement"
    verbose_name = "Improvement work"

    def ready(self) -> None:
        from safetyhub.core import audit, daily_jobs

        from . import notifications
        from .daily_jobs import measures_data_due, overdue_initiatives
        from .models import DataPoint, Initiative, Measure, PdsaCycle, PhaseSplit, ProgressNote

        audit.register(Initiative, exclude=["updated_at"])
        audit.register(ProgressNote)
        audit.register(Measure)
        audit.register(DataPoint, exclude=["updated_at"])
        audit.register(PhaseSplit)
        audit.register(PdsaCycle, exclude=["updated_at"])
        notifications.register_kinds()
        daily_jobs.register_daily_job("improvement.overdue_initiatives", overdue_initiatives)
        daily_jobs.register_daily_job("improvement.measures_data_due", measures_data_due)
