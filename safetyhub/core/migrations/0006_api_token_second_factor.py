"""API tokens remember whether they were made in a session verified with a second factor."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_throttle_cache_table'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='second_factor',
            field=models.BooleanField(default=False),
        ),
    ]
