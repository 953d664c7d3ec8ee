from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "safetyhub.frameworks"
    label = "frameworks"
    verbose_name = "Frameworks and content packs"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from safetyhub.core import audit

        from .models import Pack

        # The content is large; its SHA-256 (audited) changes whenever it does.
        audit.register(Pack, exclude=["content"])
        post_migrate.connect(_sync_shipped_packs, sender=self, dispatch_uid="sync_packs")
        _register_search()


def _register_search() -> None:
    """Framework texts are searchable in every organization: the shipped packs' (shared)
    and the organization's own, newest versions only (as the explorer shows them)."""
    from django.urls import reverse

    from safetyhub.core import search
    from safetyhub.core.rules import is_member

    from .models import PackItem
    from .queries import newest_versions
    from .services import flatten_text

    def visible(user, organization):
        if not is_member(user, organization):
            return PackItem.objects.none()
        return PackItem.objects.filter(
            pack__in=newest_versions(organization=organization)).select_related("pack")

    search.register_source(
        PackItem, key="framework", label="Framework texts", shared=True, related=["pack"],
        fields=[lambda i: f"{i.number} {i.title}".strip(), lambda i: flatten_text(i.data)],
        organization_of=lambda item: item.pack.organization_id,
        url=lambda item, org: reverse("frameworks:item", args=[
            org.slug, item.pack.pack_id, item.pack.version, item.key]),
        visible=visible,
    )


def _sync_shipped_packs(sender, using="default", **kwargs) -> None:
    """The shipped packs are loaded (or brought up to date) whenever migrations run."""
    from .services import sync_builtin_packs

    sync_builtin_packs()
