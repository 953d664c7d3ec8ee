import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0007_monthly_event_stats'),
        ('measures', '0001_initial'),
    ]

    # The measure tables kept their names when measures moved to their own app: only
    # the model the key points to changes in Django's state, not the database.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='eventcountsource',
                name='measure',
                field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='event_source', to='measures.measure'),
            ),
        ]),
    ]
