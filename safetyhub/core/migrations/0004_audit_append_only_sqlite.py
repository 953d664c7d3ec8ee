"""SQLite refuses UPDATE and DELETE of audit entries too (PostgreSQL has since 0002)."""

from django.db import migrations

from safetyhub.core import append_only


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        append_only.install(schema_editor.connection)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        append_only.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_keyed_hashes")]
    operations = [migrations.RunPython(create_trigger, drop_trigger)]
