
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0014_support_coordinator_role'),
        ('improvement', '0002_cycle_updated_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables already exist (they were created by improvement's migrations and keep their
    # names, see the models' db_table): only Django's idea of which app owns them changes.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='Measure',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=200)),
                    ('type', models.CharField(choices=[('outcome', 'Outcome'), ('process', 'Process'), ('balancing', 'Balancing')], max_length=10)),
                    ('numerator', models.TextField(help_text='what is counted')),
                    ('denominator', models.TextField(blank=True, help_text='what it is counted against, if any')),
                    ('unit', models.CharField(blank=True, max_length=100)),
                    ('multiplier', models.PositiveIntegerField(default=1, help_text='e.g. 1000 for per 1,000')),
                    ('frequency', models.CharField(choices=[('week', 'Weekly'), ('month', 'Monthly'), ('quarter', 'Quarterly'), ('event', 'Per event (rare events: G and T charts)')], default='month', max_length=10)),
                    ('direction', models.CharField(choices=[('increase', 'Higher is better'), ('decrease', 'Lower is better'), ('neutral', 'Neither')], max_length=10)),
                    ('goal', models.FloatField(blank=True, help_text="on the chart's scale", null=True)),
                    ('chart', models.CharField(choices=[('run', 'Run chart'), ('i', 'I chart (individuals)'), ('p', 'P chart (proportion)'), ('pp', 'P′ chart (Laney)'), ('u', 'U chart (rate)'), ('up', 'U′ chart (Laney)'), ('c', 'C chart (count)'), ('g', 'G chart (cases between events)'), ('t', 'T chart (time between events)')], default='run', max_length=5)),
                    ('screened_mr', models.BooleanField(default=True, help_text='moving-range screening')),
                    ('freeze_after', models.DateField(blank=True, help_text='last period of the baseline', null=True)),
                    ('definition_source', models.CharField(blank=True, help_text="where the definition comes from; empty means SafetyHub's own", max_length=300)),
                    ('library_key', models.CharField(blank=True, max_length=60)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('initiatives', models.ManyToManyField(blank=True, related_name='measures', to='improvement.initiative')),
                    ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='measures', to='core.organization')),
                    ('site', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.site')),
                ],
                options={
                    'db_table': 'improvement_measure',
                    'ordering': ['name', 'pk'],
                },
            ),
            migrations.CreateModel(
                name='DataPoint',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('period', models.DateField(help_text="start of the period, or the event's date")),
                    ('numerator', models.FloatField(blank=True, null=True)),
                    ('denominator', models.FloatField(blank=True, null=True)),
                    ('excluded', models.BooleanField(default=False)),
                    ('note', models.CharField(blank=True, max_length=500)),
                    ('updated_at', models.DateTimeField(auto_now=True)),
                    ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.organization')),
                    ('measure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='points', to='measures.measure')),
                ],
                options={
                    'db_table': 'improvement_datapoint',
                    'ordering': ['measure', 'period'],
                    'constraints': [models.UniqueConstraint(fields=('measure', 'period'), name='datapoint_one_per_period')],
                },
            ),
            migrations.CreateModel(
                name='PhaseSplit',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('after_period', models.DateField()),
                    ('reason', models.CharField(max_length=300)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('measure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='splits', to='measures.measure')),
                    ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.organization')),
                ],
                options={
                    'db_table': 'improvement_phasesplit',
                    'ordering': ['after_period'],
                    'constraints': [models.UniqueConstraint(fields=('measure', 'after_period'), name='split_unique')],
                },
            ),
        ]),
    ]
