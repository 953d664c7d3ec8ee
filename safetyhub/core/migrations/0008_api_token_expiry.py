"""API tokens expire (settings.API_TOKEN_DAYS) and say why they stopped working.

Tokens made before this release expire API_TOKEN_DAYS after the upgrade rather than after
they were made (the column's default is computed once, when it is added), so no script stops
without its owner having had time to see the new expiry date."""

from django.db import migrations, models

import safetyhub.core.models


def mark_revoked(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    ApiToken.objects.exclude(revoked_at=None).update(end_reason="revoked")


class Migration(migrations.Migration):
    dependencies = [("core", "0007_recovery_codes")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(default=safetyhub.core.models.api_token_expiry),
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
        # Last: on PostgreSQL no ALTER TABLE may follow an UPDATE in the same transaction.
        migrations.RunPython(mark_revoked, migrations.RunPython.noop),
    ]
