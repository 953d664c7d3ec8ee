"""What the action plan tells people (improvement/notifications.py): made owner of an
initiative, a PDSA cycle reaching its decision."""

from safetyhub.core.models import Notification
from safetyhub.improvement import services

from .test_initiatives import make_initiative, person


def test_the_new_owner_of_an_initiative_is_told_once(org, owner, member):
    initiative = make_initiative(org, owner, owner=member)
    note = Notification.objects.get()
    assert (note.recipient, note.kind) == (member, "improvement.owner")
    assert note.link == f"/o/riverside/plan/{initiative.pk}/"
    services.update_initiative(initiative=initiative, by=owner, title="Safety rounds weekly")
    assert Notification.objects.count() == 1  # same owner: nothing new to say
    third = person(org)
    services.update_initiative(initiative=initiative, by=owner, owner=third)
    assert Notification.objects.filter(recipient=third, kind="improvement.owner").exists()


def test_making_yourself_owner_tells_nobody(org, owner):
    make_initiative(org, owner, owner=owner)
    assert not Notification.objects.exists()


def test_a_pdsa_cycle_reaching_its_decision_tells_owner_and_team(org, owner, member):
    teammate = person(org)
    initiative = make_initiative(org, owner, owner=member, team=[teammate])
    cycle = services.start_cycle(initiative=initiative, by=owner, change="Teach-back")
    services.update_cycle(cycle=cycle, by=owner, study="Fewer calls back")
    assert not Notification.objects.filter(kind="improvement.pdsa_completed").exists()
    services.update_cycle(cycle=cycle, by=member, act="adopt")
    told = Notification.objects.filter(kind="improvement.pdsa_completed")
    assert [n.recipient for n in told] == [teammate]  # the owner decided it herself
    assert "complete: adopt" in told[0].title
    services.update_cycle(cycle=cycle, by=owner, act_notes="Spread to ward 5")
    assert told.count() == 1
