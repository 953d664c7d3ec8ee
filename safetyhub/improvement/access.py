"""The door to the action plan's rows: the same 404 for an initiative or a cycle that does not
exist, belongs to another organization, or was asked for with a malformed id. Every member
of the organization may open them (the plan is read by all; rules.py says who writes)."""

from safetyhub.core.access import tenant_row
from safetyhub.core.models import Organization

from .models import Initiative, PdsaCycle


def access_initiative(*, user, organization: Organization, pk) -> Initiative:
    return tenant_row(
        Initiative, organization=organization, pk=pk,
        queryset=Initiative.objects.select_related(
            "organization", "site", "owner", "created_by", "recommendation__pack",
            "recommendation__parent", "tactic__pack", "tactic__parent", "source_assessment",
            "source_item__pack"),
    )


def access_cycle(*, user, organization: Organization, pk) -> PdsaCycle:
    return tenant_row(
        PdsaCycle, organization=organization, pk=pk,
        # Both the cycle's and its initiative's organization must match.
        queryset=PdsaCycle.objects.filter(initiative__organization=organization)
        .select_related("initiative__organization", "initiative__owner", "created_by"),
    )


def access_driver_node(*, user, organization: Organization, initiative: Initiative, pk):
    """A node of `initiative`'s driver diagram (the same 404 for one of another diagram)."""
    from .models_drivers import DriverNode

    return tenant_row(DriverNode, organization=organization, pk=pk,
                      queryset=DriverNode.objects.filter(initiative=initiative)
                      .select_related("tactic__pack", "parent"))
