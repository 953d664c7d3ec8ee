from django.db import migrations, models


class Migration(migrations.Migration):
    """Measures, their data points and phase splits now belong to the measures app. Their
    tables keep their names, so the database does not change: only Django's state does."""

    dependencies = [
        ("improvement", "0002_cycle_updated_at"),
        ("measures", "0001_initial"),
        # every key to a measure points at measures.Measure before the old model goes
        ("events", "0008_measures_app"),
        ("investigations", "0005_measures_app"),
        ("network", "0007_measures_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name="pdsacycle",
                name="measures",
                field=models.ManyToManyField(blank=True, related_name="cycles",
                                             to="measures.measure"),
            ),
            migrations.DeleteModel(name="DataPoint"),
            migrations.DeleteModel(name="PhaseSplit"),
            migrations.DeleteModel(name="Measure"),
        ]),
    ]
