from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "safetyhub.improvement"
    label = "improvement"
    verbose_name = "Improvement work"

    def ready(self) -> None:
        from safetyhub.core import audit, daily_jobs, my_work

        from . import my_work as sources
        from . import notifications
        from .daily_jobs import measures_data_due, overdue_initiatives
        from .models import (
            Aim,
            DriverNode,
            Initiative,
            PdsaCycle,
            ProgressNote,
            ProgressRating,
        )

        audit.register(Initiative, exclude=["updated_at"])
        audit.register(ProgressNote)
        audit.register(PdsaCycle, exclude=["updated_at"])
        audit.register(ProgressRating)
        audit.register(Aim, exclude=["updated_at"])
        audit.register(DriverNode, exclude=["updated_at"])

        my_work.register_source("improvement.initiatives", "Initiatives you own",
                                sources.initiatives_owned, empty=sources.plan_hint)
        my_work.register_source("improvement.aims", "Aims to write", sources.aims_to_write,
                                empty="No active initiative of yours is waiting for an aim.")
        my_work.register_source("improvement.cycles", "PDSA cycles in progress",
                                sources.cycles_in_progress,
                                empty="No PDSA cycle is in progress on your initiatives.")
        my_work.register_source("improvement.data_due", "Measure data due", sources.data_due,
                                empty="No measure data is due from you.")
        my_work.register_status("improvement.plan", "Action plan", sources.plan_status,
                                order=20)
        my_work.register_status("improvement.measures", "Measures", sources.measures_status,
                                order=30)

        notifications.register_kinds()
        daily_jobs.register_daily_job("improvement.overdue_initiatives", overdue_initiatives)
        daily_jobs.register_daily_job("improvement.measures_data_due", measures_data_due)

        from . import board_pack

        board_pack.register()

        # An initiative that spreads takes its aim and driver diagram along.
        from .services_aims import copy_aim_on_spread
        from .services_drivers import copy_diagram_on_spread
        from .services_spread import register_spread_copier

        register_spread_copier(copy_aim_on_spread)
        register_spread_copier(copy_diagram_on_spread)

        from safetyhub.core import demo

        from .demo import load_improvement_demo

        demo.register_demo_loader(load_improvement_demo)

        _register_search()


def _register_search() -> None:
    """The action plan is read by every member (rules.py)."""
    from django.urls import reverse

    from safetyhub.core import search
    from safetyhub.core.rules import is_member

    from .models import Initiative, PdsaCycle

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
