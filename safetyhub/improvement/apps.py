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
        _register_search()


def _register_search() -> None:
    """The action plan and the measures are read by every member (rules.py)."""
    from django.urls import reverse

    from safetyhub.core import search
    from safetyhub.core.rules import is_member

    from .models import Initiative, Measure, PdsaCycle

    def members_see(queryset):
        def visible(user, org):
            return queryset(org) if is_member(user, org) else queryset(org).none()
        return visible

    search.register_source(
        Initiative, key="initiative", label="Initiatives", fields=["title", "description"],
        url=lambda i, org: reverse("improvement:initiative", args=[org.slug, i.pk]),
        visible=members_see(lambda org: Initiative.objects.filter(organization=org)),
    )
    search.register_source(
        PdsaCycle, key="pdsa", label="PDSA cycles",
        fields=[lambda c: f"PDSA {c.number}: {c.change}", "prediction", "plan_details",
                "observations", "study", "act_notes"],
        url=lambda c, org: reverse("improvement:cycle", args=[org.slug, c.pk]),
        # both the cycle's and its initiative's organization, as access_cycle asks
        visible=members_see(lambda org: PdsaCycle.objects.filter(
            organization=org, initiative__organization=org)),
    )
    search.register_source(
        Measure, key="measure", label="Measures",
        fields=["name", "numerator", "denominator", "unit", "definition_source"],
        url=lambda m, org: reverse("improvement:measure", args=[org.slug, m.pk]),
        visible=members_see(lambda org: Measure.objects.filter(organization=org)),
    )
