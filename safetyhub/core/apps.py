from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "safetyhub.core"
    label = "core"
    verbose_name = "SafetyHub core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, pre_save
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from . import account_events, audit, board_pack, checks, daily_jobs, search, services  # noqa: F401 - they connect themselves
        from .inputs import guard_model_values
        from .models import ApiToken, BoardPack, Invitation, Membership, Organization, Site, User

        # every SafetyHub row's text, numbers and dates obey core/inputs.py's rules
        pre_save.connect(guard_model_values, dispatch_uid="safetyhub-input-guard")
        # A new (or lost) search index is built from the records once migrations have run.
        post_migrate.connect(search.build_if_empty, sender=self,
                             dispatch_uid="safetyhub-search-build")
        audit.register(Organization)
        audit.register(Site)
        # The PDF's bookkeeping changes each time it is made; what the pack says is recorded.
        audit.register(BoardPack, exclude=["updated_at", "status", "pdf", "pdf_pages",
                                           "generated_at", "error"])
        audit.register(Membership, exclude=["last_opened_at"])
        daily_jobs.register_daily_job("core.board_packs", services.send_scheduled_board_packs)
        audit.register(Invitation, redact=["token_hash"])
        audit.register(ApiToken, redact=["key_hash"], exclude=["last_used_at"],
                       organization_of=lambda token: None)
        audit.register(User, redact=["password"], exclude=["last_login"])
        # Second factors: set-up, confirmation and removal are recorded; the secret never is,
        # nor the bookkeeping every sign-in changes.
        audit.register(
            TOTPDevice, redact=["key"],
            exclude=["last_t", "throttling_failure_timestamp", "throttling_failure_count",
                     "drift", "last_used_at"],
            organization_of=lambda device: None,
        )
