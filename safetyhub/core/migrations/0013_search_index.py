"""The search index (core/search.py): a plain table of every searchable record's words, and
the database's own full-text machinery over it.

- SQLite: an FTS5 table with the porter stemmer ("falls" finds "fall", not "shortfalls"),
  its content read from core_searchentry and kept in step by triggers.
- PostgreSQL: a generated tsvector column (english configuration; the title weighs more than
  the body) with a GIN index.

Existing records are indexed after migrating (core/apps.py builds an empty index)."""

from django.db import migrations, models

SQLITE = [
    """CREATE VIRTUAL TABLE core_searchentry_fts USING fts5(
        title, body, content='core_searchentry', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER core_searchentry_ai AFTER INSERT ON core_searchentry BEGIN
        INSERT INTO core_searchentry_fts(rowid, title, body)
        VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER core_searchentry_ad AFTER DELETE ON core_searchentry BEGIN
        INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER core_searchentry_au AFTER UPDATE ON core_searchentry BEGIN
        INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO core_searchentry_fts(rowid, title, body)
        VALUES (new.id, new.title, new.body);
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_searchentry_au",
    "DROP TRIGGER IF EXISTS core_searchentry_ad",
    "DROP TRIGGER IF EXISTS core_searchentry_ai",
    "DROP TABLE IF EXISTS core_searchentry_fts",
]
POSTGRESQL = [
    """ALTER TABLE core_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')) STORED""",
    "CREATE INDEX core_searchentry_document ON core_searchentry USING GIN (document)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS core_searchentry_document",
    "ALTER TABLE core_searchentry DROP COLUMN IF EXISTS document",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0012_board_pack")]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=30)),
                ("object_id", models.BigIntegerField()),
                ("title", models.TextField()),
                ("body", models.TextField(blank=True)),
                ("organization", models.ForeignKey(
                    blank=True, null=True, on_delete=models.deletion.CASCADE,
                    related_name="+", to="core.organization")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("kind", "object_id"),
                                                        name="search_entry_once")],
                "indexes": [models.Index(fields=["organization", "kind"],
                                         name="search_entry_org_kind")],
            },
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
    ]
