"""PDSA cycles carry the moment they last changed, so that saving the whole cycle page (every
stage at once) refuses a change made by someone else in between instead of overwriting it.
Existing cycles start from the moment of the migration."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("improvement", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="pdsacycle",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
    ]
