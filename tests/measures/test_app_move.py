"""Measures moved out of the improvement app without moving their data: the tables keep
their names, so a database migrated before the move reads the same rows after it, and the
audit entries written under the old labels still read as sentences."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from safetyhub.core.audit_text import record_name
from safetyhub.core.models import AuditEntry
from safetyhub.measures.models import DataPoint, Measure

from .test_measures import add_points, make_measure


def migrate(targets: list[tuple]) -> None:
    MigrationExecutor(connection).migrate(targets)


def test_a_measure_made_before_the_move_is_read_after_it(org, transactional_db):
    measure = make_measure(org, name="Falls with injury")
    add_points(measure, [3, 4, 2])
    newest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    migrate([("measures", None)])  # back to before the move: the rows stay where they are
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM improvement_measure")
            assert cursor.fetchall() == [("Falls with injury",)]
    finally:
        migrate(newest)
    assert Measure.objects.get().name == "Falls with injury"
    assert DataPoint.objects.filter(measure=measure).count() == 3


def test_audit_entries_written_under_the_old_label_still_read(org, db):
    measure = make_measure(org, name="Pressure injuries")
    entry = AuditEntry.objects.filter(object_type="measures.Measure").latest("seq")
    assert record_name(entry) == "the measure “Pressure injuries”"
    entry.object_type = "improvement.Measure"  # as written before the move (not saved)
    assert record_name(entry) == "the measure “Pressure injuries”"
    assert measure.pk
