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


def _sync_shipped_packs(sender, using="default", **kwargs) -> None:
    """The shipped packs are loaded (or brought up to date) whenever migrations run."""
    from .services import sync_builtin_packs

    sync_builtin_packs()
