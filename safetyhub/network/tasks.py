"""Background tasks of networks, run by `safetyhub worker` (django.tasks)."""

from django.tasks import task


@task()
def refresh_rollups(*, organization_id: int) -> bool:
    """Rebuild one organization's rollups (rollups.refresh_organization): queued when a member
    turns a sharing choice on, so its figures reach the network's dashboards without waiting
    for the night."""
    from .rollups import refresh_organization, store_network_sums

    built = refresh_organization(organization_id=organization_id)
    store_network_sums(organization_id=organization_id)
    return built
