"""The cache table settings.CACHES names (throttle counts live there: core/throttle.py), made
by migrate so that operators have nothing more to run."""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    for cache in settings.CACHES.values():
        if cache["BACKEND"].endswith("db.DatabaseCache"):
            schema_editor.execute(
                f"DROP TABLE IF EXISTS {schema_editor.quote_name(cache['LOCATION'])}")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_append_only_sqlite")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
