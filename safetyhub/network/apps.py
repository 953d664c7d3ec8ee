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
    from django.db import transaction
    from django.db.models.signals import post_save

    from safetyhub.core import daily_jobs, demo

    from . import rollups
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
    demo.register_demo_loader(load_aggregates_demo)


def _register_goals() -> None:
    """Shared goals and the monthly data members submit to them."""
