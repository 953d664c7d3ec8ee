from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "safetyhub.network"
    label = "network"
    verbose_name = "Learning networks"

    def ready(self) -> None:
        from . import rules  # noqa: F401 (permissions)

        # Each part registers its own machinery (audit, notifications, My work, demo…), in
        # this order: the demo's network exists before its lessons, figures and goals.
        _register_members()
        _register_lessons()
        _register_aggregates()
        _register_goals()


def _register_members() -> None:
    """Networks, leads, member organizations and invitations."""
    from safetyhub.core import audit

    from .models import Network, NetworkInvitation, NetworkLead, NetworkMember

    audit.register(Network, exclude=["updated_at"])
    audit.register(NetworkLead, describe=lambda lead: f"Lead of network {lead.network_id}")
    audit.register(NetworkMember, exclude=["updated_at"],
                   describe=lambda m: f"Membership of {m.organization_id} in network "
                                      f"{m.network_id}")
    audit.register(NetworkInvitation, exclude=["token_hash"],
                   describe=lambda i: f"Invitation to network {i.network_id}")

    from safetyhub.core import demo, landing, notifications

    from . import queries
    from .demo import load_network_demo
    from .services import MEMBERSHIP_CHANGED

    # Leads may belong to no organization, so they are told by email (and on the network
    # home's list of recent changes), not by core's per-organization notifications.
    notifications.register_kind(
        MEMBERSHIP_CHANGED, label="An organization joined or left a network you lead",
        description="An email to the network's leads when a member organization joins or "
                    "leaves.", default_email=True)
    # Someone who leads a network and belongs to no organization starts at the network list.
    landing.register(lambda user: "network:list" if queries.led_network_ids(user=user)
                     else None)
    demo.register_demo_loader(load_network_demo)


def _register_lessons() -> None:
    """Lessons learned: drafts, their de-identification review, the network library."""
    from safetyhub.core import audit

    from . import demo_lessons, pages
    from .models_lessons import LessonComment, LessonDraft, PublishedLesson

    # Drafts start from events: sensitive (views recorded), their texts never copied into
    # the log. Published lessons and comments hold de-identified text only.
    audit.register(LessonDraft, sensitive=True, exclude=["updated_at", "version"],
                   redact=["title", "what_happened", "contributing_factors", "results",
                           "actions", "charts", "review"],
                   describe=lambda d: f"Lesson draft {d.pk}")
    audit.register(PublishedLesson, organization_of=lambda lesson: lesson.owner,
                   describe=lambda lesson: f"Published lesson {lesson.pk} in network "
                                           f"{lesson.network_id}")
    audit.register(LessonComment, redact=["text"],
                   describe=lambda c: f"Comment on published lesson {c.lesson_id}")
    demo_lessons.register()
    pages.register(key="library", label="Lessons", url_name="network:library",
                   description="Lessons members published, with identifying details removed "
                               "and checked by a person.", order=10)


def _register_aggregates() -> None:
    """Network dashboards: suppressed aggregates and the rollups behind them."""
    from django.db import transaction
    from django.db.models.signals import post_save

    from safetyhub.core import daily_jobs, demo

    from . import pages, rollups
    from .demo_aggregates import load_aggregates_demo
    from .models import NetworkMember
    from .tasks import refresh_rollups

    def sharing_changed(sender, instance: NetworkMember, raw: bool = False, **kwargs) -> None:
        # A member that shares something has its figures built at once (after the commit, by
        # the worker); one that stops or leaves drops out of every dashboard at once (the
        # dashboard reads current sharing members only) and its rows go at night.
        if raw or instance.left_at is not None:
            return
        if (instance.shares_event_counts or instance.shares_action_strength
                or instance.shares_assessment_scores):
            organization_id = instance.organization_id
            transaction.on_commit(
                lambda: refresh_rollups.enqueue(organization_id=organization_id))

    post_save.connect(sharing_changed, sender=NetworkMember, weak=False,
                      dispatch_uid="network_rollups_sharing_changed")
    daily_jobs.register_daily_job("network.rollups", rollups.refresh_all)
    pages.register(key="dashboard", label="Dashboard", url_name="network:dashboard",
                   description="Figures members share, added up; small groups hidden.",
                   order=20)
    demo.register_demo_loader(load_aggregates_demo)


def _register_goals() -> None:
    """Shared goals and the monthly data members submit to them."""
    from safetyhub.core import audit, daily_jobs, demo, my_work

    from . import pages
    from .demo_goals import load_goals_demo
    from .goals import pull_measure_values
    from .models_goals import GoalParticipation, GoalValue, SharedGoal
    from .my_work_goals import goal_data_due

    audit.register(SharedGoal, exclude=["updated_at"],
                   describe=lambda g: f"Shared goal {g.pk} of network {g.network_id}")
    audit.register(GoalParticipation, exclude=["updated_at"],
                   describe=lambda p: f"Taking part of {p.organization_id} in shared goal "
                                      f"{p.goal_id}")
    # Every value and each correction, with what it was, in the organization's audit trail.
    audit.register(GoalValue, exclude=["updated_at"],
                   describe=lambda v: f"Value of shared goal {v.goal_id} for {v.month:%b %Y}")
    my_work.register_source("network.goal_data", "Shared-goal data due", goal_data_due,
                            empty="No shared-goal data is due from your organization.")
    daily_jobs.register_daily_job("network.goal_values_from_measures", pull_measure_values)
    pages.register(key="goals", label="Shared goals", url_name="network:goals",
                   description="Goals the network set, with the network's chart and your "
                               "own.", order=30)
    demo.register_demo_loader(load_goals_demo)
