"""On PostgreSQL the database itself refuses UPDATE and DELETE of audit entries, so even raw
SQL from the application's role cannot rewrite history quietly. (SQLite relies on the model
guard and the hash chain.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION safetyhub_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION safetyhub_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS safetyhub_audit_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create_trigger, drop_trigger)]
