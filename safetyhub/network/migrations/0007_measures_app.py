import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0001_initial'),
        ('network', '0006_network_figures'),
    ]

    # The measure tables kept their names when measures moved to their own app: only
    # the model the key points to changes in Django's state, not the database.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='goalparticipation',
                name='measure',
                field=models.ForeignKey(blank=True, help_text="the organization's measure its values come from", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='measures.measure'),
            ),
        ]),
    ]
