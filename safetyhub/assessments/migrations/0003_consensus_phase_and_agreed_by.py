"""Who writes the agreed answers (default: the lead and the patient-safety leads on the
team) and when the lead opened consensus (before it, members' own answers are private to
each member and the lead). Assessments started in consensus-only mode before this change
were started on the promise that the whole team enters the agreed answers: they keep it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def keep_team_writers_of_consensus_only(apps, schema_editor):
    Assessment = apps.get_model("assessments", "Assessment")
    Assessment.objects.filter(mode="consensus").update(agreed_by="team")


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0002_official_statement_text'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='assessment',
            name='agreed_by',
            field=models.CharField(choices=[('leads', 'The lead and the patient-safety leads on the team'), ('team', 'Anyone on the team')], default='leads', help_text="who may write the team's agreed answers", max_length=10),
        ),
        migrations.AddField(
            model_name='assessment',
            name='consensus_opened_at',
            field=models.DateTimeField(blank=True, help_text="when the lead opened consensus: from then on the whole team sees each member's own answers (before, only the member and the lead do)", null=True),
        ),
        migrations.AddField(
            model_name='assessment',
            name='consensus_opened_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(keep_team_writers_of_consensus_only, migrations.RunPython.noop),
    ]
