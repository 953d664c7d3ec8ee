"""Network services: starting a network, leads, invitations (one-time, expiring, revocable,
declinable, safe when accepted twice at once), leaving, sharing choices, and leads told by
email of joins and leaves."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from safetyhub.core.models import AuditEntry, Role
from safetyhub.core.notifications import set_email_choices
from safetyhub.network import services
from safetyhub.network.demo import LEAD_EMAIL, MEMBER_SLUGS, NETWORK_SLUG, load_network_demo
from safetyhub.network.models import Network, NetworkInvitation, NetworkLead, NetworkMember
from safetyhub.network.services import hash_secret

from ..factories import MembershipFactory, OrganizationFactory, UserFactory, network_with


@pytest.fixture
def lead(db):
    return UserFactory(email="lead@example.org")


@pytest.fixture
def network(org, lead):
    return network_with(org, lead=lead, slug="valley", name="Valley Collaborative")


def test_create_network_checks_its_fields_and_changes_nothing_when_refused(owner, member):
    with pytest.raises(ValidationError) as refused:
        services.create_network(name="  ", by=owner)
    assert refused.value.message_dict == {"name": ["Give the network a name."]}
    with pytest.raises(ValidationError) as refused:
        services.create_network(name="A", kind="league", by=owner)
    assert "kind" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.create_network(name="A", description="x" * 4001, by=owner)
    assert refused.value.message_dict == {
        "description": ["Keep it to 4000 characters (it has 4001)."]}
    with pytest.raises(ValidationError) as refused:
        services.create_network(name="!!!", by=owner)
    assert "slug" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.create_network(name="Assessor's network", by=member)
    assert not Network.objects.exists()


def test_an_inactive_admin_cannot_start_a_network(owner, org):
    owner.memberships.update(is_active=False)
    owner.refresh_from_db()
    with pytest.raises(ValidationError):
        services.create_network(name="Network", by=owner)


def test_the_invitation_keeps_only_the_hash_and_expires_in_fourteen_days(network, lead):
    invitation, token = services.create_invitation(network=network, note="For Lakeshore",
                                                   by=lead)
    assert invitation.token_hash == hash_secret(token) and len(token) >= 40
    assert token not in str(NetworkInvitation.objects.filter(pk=invitation.pk).values().get())
    lifetime = invitation.expires_at - invitation.created_at
    assert abs(lifetime - dt.timedelta(days=14)) < dt.timedelta(seconds=5)
    # the audit log never holds the hash either
    assert all("token_hash" not in entry.changes
               for entry in AuditEntry.objects.filter(object_type="network.NetworkInvitation"))


def test_an_expired_or_revoked_invitation_cannot_be_accepted(network, lead, outsider,
                                                             other_org):
    expired, expired_token = services.create_invitation(network=network, by=lead)
    NetworkInvitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    revoked, revoked_token = services.create_invitation(network=network, by=lead)
    services.revoke_invitation(invitation=revoked, by=lead)
    for token in (expired_token, revoked_token, "not-a-token"):
        with pytest.raises(ValidationError) as refused:
            services.accept_invitation(token=token, organization=other_org, by=outsider)
        assert list(refused.value.message_dict) == ["token"]
    assert not NetworkMember.objects.filter(organization=other_org).exists()


def test_an_accepted_invitation_cannot_be_revoked(network, lead, outsider, other_org):
    invitation, token = services.create_invitation(network=network, by=lead)
    services.accept_invitation(token=token, organization=other_org, by=outsider)
    invitation.refresh_from_db()
    with pytest.raises(ValidationError, match="already accepted"):
        services.revoke_invitation(invitation=invitation, by=lead)
    assert invitation.organization == other_org and invitation.accepted_by == outsider


def test_acting_for_an_organization_needs_its_network_permission(network, lead, outsider):
    reviewer_org = OrganizationFactory()
    MembershipFactory(organization=reviewer_org, user=outsider, role=Role.EVENT_REVIEWER)
    _, token = services.create_invitation(network=network, by=lead)
    with pytest.raises(ValidationError) as refused:
        services.accept_invitation(token=token, organization=reviewer_org, by=outsider)
    assert list(refused.value.message_dict) == ["organization"]
    # a patient-safety lead may
    MembershipFactory(organization=reviewer_org, role=Role.SAFETY_LEAD,
                      user=UserFactory(email="psl@example.org"))
    safety_lead = reviewer_org.memberships.get(role=Role.SAFETY_LEAD).user
    member = services.accept_invitation(token=token, organization=reviewer_org, by=safety_lead)
    assert member.is_current


def test_leads_are_emailed_when_an_organization_joins_or_leaves(
        network, lead, outsider, other_org, django_capture_on_commit_callbacks):
    second_lead = UserFactory(email="quiet-lead@example.org")
    NetworkLead.objects.create(network=network, user=second_lead)
    set_email_choices(user=second_lead, choices={services.MEMBERSHIP_CHANGED: False})
    _, token = services.create_invitation(network=network, by=lead)
    mail.outbox.clear()
    with pytest.raises(ValidationError):  # a refused join tells nobody
        services.accept_invitation(token=token, organization=OrganizationFactory(),
                                   by=outsider)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        member = services.accept_invitation(token=token, organization=other_org, by=outsider)
    assert [m.to for m in mail.outbox] == [["lead@example.org"]]
    assert "Lakeshore Community joined Valley Collaborative" in mail.outbox[0].subject
    assert "/n/valley/" in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.leave_network(member=member, reason="Budget", by=outsider)
    assert [m.to for m in mail.outbox] == [["lead@example.org"]]
    assert "left" in mail.outbox[0].subject
    assert "Budget" not in mail.outbox[0].body  # the reason is read on the network's page


def test_leaving_twice_and_changing_sharing_after_leaving_are_refused(network, owner):
    member = NetworkMember.objects.get(network=network)
    services.leave_network(member=member, reason="Paused", by=owner)
    with pytest.raises(ValidationError, match="already left"):
        services.leave_network(member=member, reason="Again", by=owner)
    with pytest.raises(ValidationError) as refused:
        services.update_sharing(member=member, by=owner, shares_event_counts=True)
    assert list(refused.value.message_dict) == ["member"]
    member.refresh_from_db()
    assert member.left_reason == "Paused" and not member.shares_event_counts


def test_sharing_choices_change_one_by_one_and_only_by_managers(network, owner, member):
    row = NetworkMember.objects.get(network=network)
    services.update_sharing(member=row, by=owner, shares_assessment_scores=True)
    row.refresh_from_db()
    assert row.shares_assessment_scores and not row.shares_event_counts
    with pytest.raises(ValidationError):
        services.update_sharing(member=row, by=member, shares_event_counts=True)
    with pytest.raises(ValidationError) as refused:
        services.update_sharing(member=row, by=owner, shares_patient_names=True)
    assert list(refused.value.message_dict) == ["shares_patient_names"]
    before = AuditEntry.objects.count()
    services.update_sharing(member=row, by=owner, shares_assessment_scores=True)
    assert AuditEntry.objects.count() == before  # nothing changed, nothing recorded


def test_remove_lead_keeps_the_last_one(network, lead):
    only = NetworkLead.objects.get(network=network)
    with pytest.raises(ValidationError) as refused:
        services.remove_lead(lead=only, by=lead)
    assert list(refused.value.message_dict) == ["lead"]
    with pytest.raises(ValidationError, match="already leads"):
        services.add_lead(network=network, email="LEAD@example.org", by=lead)


@pytest.mark.django_db(transaction=True)
def test_one_invitation_accepted_twice_at_once_lets_exactly_one_organization_in():
    lead = UserFactory()
    network = network_with(lead=lead, slug="race")
    _, token = services.create_invitation(network=network, by=lead)
    admins = []
    for _ in range(2):
        organization = OrganizationFactory()
        admins.append((organization, MembershipFactory(organization=organization,
                                                       role=Role.ORG_ADMIN).user))
    barrier = threading.Barrier(2)
    joined, refused, problems = [], [], []

    def accept(organization, admin):
        barrier.wait()
        try:
            joined.append(services.accept_invitation(token=token, organization=organization,
                                                     by=admin))
        except ValidationError as exc:
            refused.append(exc.message_dict)
        except Exception as exc:  # reported below
            problems.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=pair) for pair in admins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems
    assert len(joined) == 1 and len(refused) == 1
    assert list(refused[0]) == ["token"]
    assert NetworkMember.objects.filter(network=network).count() == 1
    assert NetworkInvitation.objects.get().organization_id == joined[0].organization_id


@pytest.mark.django_db(transaction=True)
def test_two_leads_removing_each_other_at_once_leave_one_lead():
    first, second = UserFactory(), UserFactory()
    network = network_with(lead=first, slug="pair")
    NetworkLead.objects.create(network=network, user=second)
    leads = {lead.user_id: lead for lead in NetworkLead.objects.filter(network=network)}
    barrier = threading.Barrier(2)
    problems = []

    def remove(lead, by):
        barrier.wait()
        try:
            services.remove_lead(lead=lead, by=by)
        except ValidationError:
            pass
        except Exception as exc:  # reported below
            problems.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=remove, args=(leads[second.pk], first)),
               threading.Thread(target=remove, args=(leads[first.pk], second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems
    assert NetworkLead.objects.filter(network=network).count() == 1


def test_the_demo_network_loads_twice_without_changing(db):
    from safetyhub.core.demo import load_demo_data

    people = load_demo_data()
    assert any(email == LEAD_EMAIL for email, _ in people)
    network = Network.objects.get(slug=NETWORK_SLUG)
    counts = (network.members.count(), network.leads.count())
    # the three demo organizations, and the generated members the dashboard's demo adds
    assert set(network.members.exclude(organization__slug__startswith="generated-member-")
               .values_list("organization__slug", flat=True)) == set(MEMBER_SLUGS)
    assert counts[1] == 1
    lead = network.leads.get().user
    assert not lead.memberships.exists()
    assert load_network_demo() and (network.members.count(), network.leads.count()) == counts


def test_an_operator_starts_a_network_for_a_lead_in_no_organization(db, capsys):
    from django.core.management import CommandError, call_command

    from safetyhub.cli import ALIASES

    lead = UserFactory(email="pso-staff@example.org")
    assert ALIASES["network-create"] == "network_create"
    with pytest.raises(CommandError, match="--lead: no active account"):
        call_command("network_create", name="PSO", lead="nobody@example.org")
    call_command("network_create", name="State PSO", lead="PSO-staff@example.org", kind="pso")
    network = Network.objects.get(slug="state-pso")
    assert network.kind == "pso" and network.leads.get().user == lead
    assert "/n/state-pso/" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--slug: The short name 'state-pso' is taken"):
        call_command("network_create", name="State PSO", lead=lead.email)
