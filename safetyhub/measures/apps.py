from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "safetyhub.measures"
    label = "measures"
    verbose_name = "Measures"

    def ready(self) -> None:
        from safetyhub.core import audit

        from .models import DataPoint, Measure, PhaseSplit

        audit.register(Measure)
        audit.register(DataPoint, exclude=["updated_at"])
        audit.register(PhaseSplit)

        _register_search()
        _register_imports()


def _register_search() -> None:
    """Measures are read by every member, like the plan they judge (rules.py)."""
    from django.urls import reverse

    from safetyhub.core import search
    from safetyhub.core.rules import is_member

    from .models import Measure

    def visible(user, org):
        measures = Measure.objects.filter(organization=org)
        return measures if is_member(user, org) else measures.none()

    search.register_source(
        Measure, key="measure", label="Measures",
        fields=["name", "numerator", "denominator", "unit", "definition_source"],
        url=lambda m, org: reverse("measures:measure", args=[org.slug, m.pk]),
        visible=visible,
    )


def _register_imports() -> None:
    """The remembered import columns are audited like the measure; a staged file is audited
    without its bytes, and the daily job deletes those left for more than a day."""
    from safetyhub.core import audit, daily_jobs

    from .models import ImportMapping, StagedImport
    from .staged_imports import delete_stale_imports

    audit.register(ImportMapping, exclude=["updated_at"])
    audit.register(StagedImport, exclude=["content"])
    daily_jobs.register_daily_job("measures.stale_staged_imports", delete_stale_imports)
