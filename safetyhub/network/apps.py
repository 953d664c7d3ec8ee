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


def _register_lessons() -> None:
    """Lessons learned: drafts, their de-identification review, the network library."""


def _register_aggregates() -> None:
    """Network dashboards: suppressed aggregates and the rollups behind them."""


def _register_goals() -> None:
    """Shared goals and the monthly data members submit to them."""
    from safetyhub.core import audit, daily_jobs, demo, my_work

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
    demo.register_demo_loader(load_goals_demo)
