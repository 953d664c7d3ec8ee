import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from safetyhub.core import services
from safetyhub.core.models import Role

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_invitation_email_waits_in_the_queue_until_the_worker_sends_it(org, owner):
    with override_settings(TASKS=DATABASE_QUEUE):
        from django_tasks_db.models import DBTaskResult

        services.invite_member(organization=org, email="queued@example.org",
                               role=Role.ASSESSOR, invited_by=owner)
        assert DBTaskResult.objects.count() == 1
        assert mail.outbox == []
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
        assert [m.to for m in mail.outbox] == [["queued@example.org"]]
        assert DBTaskResult.objects.get().status == "SUCCESSFUL"
