"""On PostgreSQL the database itself refuses UPDATE and DELETE of audit entries
(safetyhub/core/append_only.py; SQLite got the same guard in 0004)."""

from django.db import migrations

from safetyhub.core import append_only


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        append_only.install(schema_editor.connection)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        append_only.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create_trigger, drop_trigger)]
