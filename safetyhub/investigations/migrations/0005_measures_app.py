import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('investigations', '0004_review_actions'),
        ('measures', '0001_initial'),
    ]

    # The measure tables kept their names when measures moved to their own app: only
    # the model the key points to changes in Django's state, not the database.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='reviewaction',
                name='measure',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='review_actions', to='measures.measure'),
            ),
        ]),
    ]
