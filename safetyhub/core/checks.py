"""System checks of SafetyHub's own settings (`safetyhub check --deploy`)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def audit_key_outside_the_database(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.AUDIT_KEYS[0][0] != settings.LOCAL_AUDIT_KEY_ID:
        return []
    return [checks.Warning(
        "The audit trail is signed with the key kept in the data folder, beside the "
        "database: whoever can copy one can copy the other.",
        hint="Set AUDIT_KEYS from your secret store (docs/operations.md, 'Audit trail').",
        id="safetyhub.W001",
    )]


@checks.register()
def daily_jobs_hour(app_configs, **kwargs) -> list[checks.CheckMessage]:
    hour = settings.DAILY_JOBS_HOUR
    if isinstance(hour, int) and 0 <= hour <= 23:
        return []
    return [checks.Error(
        f"DAILY_JOBS_HOUR is {hour!r}: it must be an hour of the day, 0 to 23.",
        hint="The worker runs the daily jobs from this hour on (docs/operations.md, "
             "'Daily jobs and reminders').",
        id="safetyhub.E002",
    )]
