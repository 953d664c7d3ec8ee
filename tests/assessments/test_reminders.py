import datetime as dt
import threading

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connections
from django.test import override_settings
from django.utils import timezone

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment, Reminder
from safetyhub.assessments.notifications import TEAM_ADDED
from safetyhub.assessments.reminders import send_due_reminders
from safetyhub.assessments.tasks import send_reminders_task
from safetyhub.core import notifications
from safetyhub.core.models import AuditEntry, Membership, Role
from safetyhub.frameworks.models import Pack

from ..factories import MembershipFactory, UserFactory

OPENS = dt.date(2026, 3, 2)  # day 1 of the window
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def day(n: int) -> dt.date:
    return OPENS + dt.timedelta(days=n - 1)


@pytest.fixture
def lead(org):
    return MembershipFactory(organization=org, role=Role.SAFETY_LEAD,
                             user=UserFactory(email="lead@example.org", full_name="Lee Lead")).user


@pytest.fixture
def colleague(org):
    return MembershipFactory(organization=org, role=Role.ASSESSOR,
                             user=UserFactory(email="colleague@example.org",
                                              full_name="Cam Colleague")).user


def start(org, lead, team, **kwargs) -> Assessment:
    # These tests count reminder emails only: the team's "you are on the team" email
    # (tests/assessments/test_notifications.py) is turned off.
    for user in team:
        notifications.set_email_choices(user=user, choices={TEAM_ADDED: False})
    return services.start_assessment(
        organization=org, pack=Pack.objects.get(organization=None, pack_id="safetyhub-sa"),
        title=kwargs.pop("title", "Baseline & culture 2026"),
        mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, lead=lead, team=team, by=lead,
        opens_on=OPENS, **kwargs)


@pytest.fixture
def assessment(org, lead, member, colleague):
    return start(org, lead, [member, colleague])


def recipients() -> list[str]:
    return sorted(addr for m in mail.outbox for addr in m.to)


def test_reminders_go_out_on_days_7_15_and_29_only(assessment):
    sent_on = {}
    for n in range(1, 31):
        mail.outbox.clear()
        send_due_reminders(today=day(n))
        if mail.outbox:
            sent_on[n] = recipients()
    everyone = ["colleague@example.org", "lead@example.org", "member@example.org"]
    assert sent_on == {7: everyone, 15: everyone, 29: everyone}
    assert set(Reminder.objects.values_list("day", flat=True)) == {7, 15, 29}


def test_nothing_before_the_window_opens(assessment):
    assert send_due_reminders(today=OPENS - dt.timedelta(days=1)) == 0
    assert mail.outbox == []


def test_members_who_finished_are_not_reminded(assessment, member, lead):
    services.mark_finished(assessment=assessment, user=member)
    services.mark_finished(assessment=assessment, user=lead)
    assert send_due_reminders(today=day(7)) == 1
    assert recipients() == ["colleague@example.org"]


def test_a_second_run_sends_nothing_twice(assessment):
    assert send_due_reminders(today=day(15)) == 3
    assert send_due_reminders(today=day(15)) == 0
    assert len(mail.outbox) == 3
    assert Reminder.objects.count() == 3


def test_reminder_names_the_assessment_and_links_to_the_answer_sheet(assessment, org, settings):
    settings.SITE_URL = "https://safety.example.org"
    send_due_reminders(today=day(7))
    message = next(m for m in mail.outbox if m.to == ["member@example.org"])
    link = f"https://safety.example.org/o/{org.slug}/assessments/{assessment.pk}/answer/"
    assert link in message.body
    assert "Baseline & culture 2026" in message.subject  # plain text, not HTML-escaped
    assert "Baseline & culture 2026" in message.body
    assert "24 days" in message.subject  # day 7 of a 30-day window
    assert org.name in message.body


def test_lead_is_told_once_when_the_window_closes(assessment, member, colleague):
    services.mark_finished(assessment=assessment, user=member)
    closes = assessment.closes_on
    assert send_due_reminders(today=closes - dt.timedelta(days=1)) == 0
    assert send_due_reminders(today=closes) == 1
    assert recipients() == ["lead@example.org"]
    body = mail.outbox[0].body
    finished, unfinished = body.split("Not finished")
    assert member.email in finished and colleague.email not in finished
    assert colleague.email in unfinished and "lead@example.org" in unfinished
    assert "1 of 3" in mail.outbox[0].subject
    assert f"/assessments/{assessment.pk}/" in body
    assessment.refresh_from_db()
    assert assessment.lead_notified_at is not None
    assert send_due_reminders(today=closes) == 0
    assert send_due_reminders(today=closes + dt.timedelta(days=3)) == 0
    assert len(mail.outbox) == 1


def test_a_late_run_still_tells_the_lead(assessment):
    assert send_due_reminders(today=assessment.closes_on + dt.timedelta(days=10)) == 1
    assert recipients() == ["lead@example.org"]


def test_finalized_assessments_are_left_alone(assessment, lead):
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.FINALIZED)
    assert send_due_reminders(today=day(7)) == 0
    assert send_due_reminders(today=assessment.closes_on) == 0
    assert mail.outbox == []


def test_custom_reminder_days_are_respected(org, lead, member):
    start(org, lead, [member], window_days=10, reminder_days=[2, 9])
    sent_on = [n for n in range(1, 11) if send_due_reminders(today=day(n))]
    assert sent_on == [2, 9]


def test_people_who_left_the_organization_are_not_reminded(assessment, colleague, org):
    Membership.objects.filter(user=colleague, organization=org).update(is_active=False)
    send_due_reminders(today=day(7))
    assert "colleague@example.org" not in recipients()
    assert len(mail.outbox) == 2


def test_lead_notice_is_audited_to_the_task(assessment):
    send_due_reminders(today=assessment.closes_on)
    entry = AuditEntry.objects.filter(object_type="assessments.Assessment",
                                      object_id=str(assessment.pk)).latest("seq")
    assert entry.actor_label == "task:send_reminders"
    assert entry.actor_id is None
    assert "lead_notified_at" in entry.changes


def test_task_runs_for_today(org, lead, member, monkeypatch):
    start(org, lead, [member])
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day(15))
    result = send_reminders_task.enqueue()
    assert result.return_value == 2
    assert recipients() == ["lead@example.org", "member@example.org"]


def test_command_takes_a_date(assessment, capsys):
    call_command("send_reminders", "--date", day(29).isoformat())
    assert "queued 3 email(s)" in capsys.readouterr().out
    assert len(mail.outbox) == 3
    with pytest.raises(CommandError, match="--date"):
        call_command("send_reminders", "--date", "29/03/2026")


def test_command_can_hand_the_run_to_the_worker(org, lead, member, monkeypatch, capsys):
    start(org, lead, [member])
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day(7))
    call_command("send_reminders", "--enqueue")
    assert "Queued the reminders task" in capsys.readouterr().out
    assert recipients() == ["lead@example.org", "member@example.org"]


@pytest.mark.django_db(transaction=True)
def test_reminder_and_its_email_share_one_transaction_on_the_real_queue(org, lead, member):
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS=DATABASE_QUEUE):
        assessment = start(org, lead, [member])
        assert send_due_reminders(today=day(7)) == 2
        assert send_due_reminders(today=day(7)) == 0
        assert DBTaskResult.objects.count() == 2
        assert mail.outbox == []
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
        assert recipients() == ["lead@example.org", "member@example.org"]
        assert Reminder.objects.filter(assessment=assessment).count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_each_reminder_once(org, lead, member, colleague):
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS=DATABASE_QUEUE):
        assessment = start(org, lead, [member, colleague])
        counts: list[int] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(2)

        def run(today):
            try:
                barrier.wait()
                counts.append(send_due_reminders(today=today))
            except BaseException as exc:
                errors.append(exc)
            finally:
                connections.close_all()

        for today in (day(7), assessment.closes_on):
            counts.clear()
            threads = [threading.Thread(target=run, args=(today,)) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert errors == []
            assert sorted(counts)[-1] >= 1 and sum(counts) == (3 if today == day(7) else 1)
        assert Reminder.objects.count() == 3
        assert DBTaskResult.objects.count() == 4
