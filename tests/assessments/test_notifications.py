"""What self-assessments tell people (assessments/notifications.py): put on a team, consensus
opened, assessment finalized — each person on the team, never the one who did it."""

from django.core import mail

from safetyhub.assessments import services
from safetyhub.core.models import Notification

from ..conftest import client_for
from .test_results import answer_all, start


def kinds_of(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_a_new_team_member_is_told_and_sees_it_in_the_header(org, owner, member, outsider):
    assessment = start(org, owner, [member])
    note = Notification.objects.get(recipient=member)
    assert note.kind == "assessments.team_added"
    assert note.link == f"/o/riverside/assessments/{assessment.pk}/answer/"
    assert "Baseline 2026" in note.title
    assert kinds_of(owner) == []  # the lead started it: nothing to tell her
    assert [m.to for m in mail.outbox] == [["member@example.org"]]
    page = client_for(member).get("/o/riverside/notifications/").content.decode()
    assert "Baseline 2026" in page and note.link in page


def test_opening_consensus_tells_the_team(org, owner, member):
    assessment = start(org, owner, [member])
    services.open_consensus(assessment=assessment, by=owner)
    assert kinds_of(member) == ["assessments.consensus_opened", "assessments.team_added"]
    assert Notification.objects.get(kind="assessments.consensus_opened").link.endswith(
        f"/{assessment.pk}/consensus/")


def test_finalizing_tells_the_team_the_results_are_ready(org, owner, member):
    assessment = start(org, owner, [member])
    answer_all(assessment, owner, "2")
    services.finalize(assessment=assessment, by=owner)
    note = Notification.objects.get(kind="assessments.finalized")
    assert note.recipient == member
    assert note.link.endswith(f"/{assessment.pk}/results/")
