"""API tokens expire (settings.API_TOKEN_DAYS) and say why they stopped working.

Tokens made before this release expire API_TOKEN_DAYS after the upgrade rather than after
they were made, so no script stops without its owner having seen the new expiry date."""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

import safetyhub.core.models


def set_expiry(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    expires_at = timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS)
    ApiToken.objects.filter(expires_at=None).update(expires_at=expires_at)
    ApiToken.objects.exclude(revoked_at=None).update(end_reason="revoked")


class Migration(migrations.Migration):
    dependencies = [("core", "0006_recovery_codes")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="end_reason",
            field=models.CharField(
                blank=True, max_length=20,
                choices=[("revoked", "revoked by its owner"),
                         ("password_changed", "revoked: the password changed"),
                         ("deactivated", "revoked: the account was deactivated"),
                         ("expired", "expired")],
            ),
        ),
        migrations.RunPython(set_expiry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(default=safetyhub.core.models.api_token_expiry),
        ),
    ]
