import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from safetyhub.core import services
from safetyhub.core.models import Invitation, Membership, Organization, Role, Site

from ..factories import MembershipFactory, OrganizationFactory, SiteFactory, UserFactory


def test_create_organization_makes_the_creator_its_admin(db):
    admin = UserFactory()
    org = services.create_organization(name="  Mercy Hospital ", admin=admin)
    assert (org.name, org.slug) == ("Mercy Hospital", "mercy-hospital")
    assert Membership.objects.get(organization=org).role == Role.ORG_ADMIN


def test_create_organization_refuses_a_taken_short_name(org):
    with pytest.raises(ValidationError) as exc:
        services.create_organization(name="Other", slug=org.slug, admin=UserFactory())
    assert "slug" in exc.value.message_dict
    assert Organization.objects.count() == 1


def test_add_site_builds_a_hierarchy(org):
    hospital = services.add_site(organization=org, name="Main Campus", kind="hospital")
    unit = services.add_site(organization=org, name="ICU", kind="unit", parent=hospital)
    assert unit.parent == hospital
    assert list(hospital.children.all()) == [unit]


@pytest.mark.parametrize(
    ("name", "kind", "field"),
    [("", "unit", "name"), ("   ", "unit", "name"), ("ICU", "spaceship", "kind")],
)
def test_add_site_names_the_bad_field(org, name, kind, field):
    with pytest.raises(ValidationError) as exc:
        services.add_site(organization=org, name=name, kind=kind)
    assert field in exc.value.message_dict
    assert not Site.objects.exists()


def test_add_site_refuses_a_parent_from_another_organization(org, other_org):
    foreign = SiteFactory(organization=other_org)
    with pytest.raises(ValidationError) as exc:
        services.add_site(organization=org, name="ICU", kind="unit", parent=foreign)
    assert "parent" in exc.value.message_dict


def test_add_site_refuses_a_duplicate_name_under_the_same_parent(org):
    services.add_site(organization=org, name="ICU", kind="unit")
    with pytest.raises(ValidationError, match="already a site called"):
        services.add_site(organization=org, name="icu", kind="unit")


def test_invite_member_emails_a_link_and_stores_only_a_hash(
    org, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invite_member(
            organization=org, email="New.Person@Example.org", role=Role.ASSESSOR, invited_by=owner
        )
    assert invitation.email == "new.person@example.org"
    assert token not in invitation.token_hash
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.org"]
    assert f"/invitations/{token}/" in mail.outbox[0].body


def test_invite_member_refuses_existing_members_and_duplicates(org, owner, member):
    with pytest.raises(ValidationError, match="already a member"):
        services.invite_member(organization=org, email=member.email.upper(), role=Role.ASSESSOR,
                               invited_by=owner)
    services.invite_member(organization=org, email="a@example.org", role=Role.ASSESSOR,
                           invited_by=owner)
    with pytest.raises(ValidationError, match="pending invitation"):
        services.invite_member(organization=org, email="a@example.org", role=Role.ASSESSOR,
                               invited_by=owner)


def test_accept_invitation_joins_with_the_invited_role_once(org, owner):
    _inv, token = services.invite_member(organization=org, email="p@example.org",
                                         role=Role.EVENT_REVIEWER, invited_by=owner)
    user = UserFactory(email="p@example.org")
    membership = services.accept_invitation(token=token, user=user)
    assert (membership.organization, membership.role) == (org, Role.EVENT_REVIEWER)
    with pytest.raises(ValidationError, match="unknown, used, revoked or expired"):
        services.accept_invitation(token=token, user=user)


def test_accept_invitation_refuses_another_person(org, owner):
    _inv, token = services.invite_member(organization=org, email="p@example.org",
                                         role=Role.ASSESSOR, invited_by=owner)
    with pytest.raises(ValidationError, match=r"sent to p@example\.org"):
        services.accept_invitation(token=token, user=UserFactory(email="q@example.org"))
    assert not Membership.objects.filter(user__email="q@example.org").exists()


def test_expired_and_revoked_invitations_cannot_be_used(org, owner):
    inv, token = services.invite_member(organization=org, email="p@example.org",
                                        role=Role.ASSESSOR, invited_by=owner)
    Invitation.objects.filter(pk=inv.pk).update(expires_at=timezone.now())
    assert services.open_invitation(token) is None
    inv2, token2 = services.invite_member(organization=org, email="r@example.org",
                                          role=Role.ASSESSOR, invited_by=owner)
    services.revoke_invitation(invitation=inv2)
    with pytest.raises(ValidationError):
        services.register_invited_user(token=token2, full_name="R", password="long enough pw 1")


def test_register_invited_user_checks_the_password(org, owner):
    _inv, token = services.invite_member(organization=org, email="p@example.org",
                                         role=Role.ASSESSOR, invited_by=owner)
    with pytest.raises(ValidationError) as exc:
        services.register_invited_user(token=token, full_name="P", password="short")
    assert "password" in exc.value.message_dict
    assert services.open_invitation(token) is not None  # still usable: nothing changed


def test_change_member_keeps_at_least_one_admin(org, owner):
    only_admin = Membership.objects.get(user=owner)
    with pytest.raises(ValidationError, match="at least one active admin"):
        services.change_member(membership=only_admin, role=Role.ASSESSOR, is_active=True)
    with pytest.raises(ValidationError, match="at least one active admin"):
        services.change_member(membership=only_admin, role=Role.ORG_ADMIN, is_active=False)
    only_admin.refresh_from_db()
    assert (only_admin.role, only_admin.is_active) == (Role.ORG_ADMIN, True)


def test_deactivated_member_loses_access_at_once(org, member, member_client):
    assert member_client.get(f"/o/{org.slug}/").status_code == 200
    services.change_member(membership=Membership.objects.get(user=member), role=Role.ASSESSOR,
                           is_active=False)
    assert member_client.get(f"/o/{org.slug}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin():
    org = OrganizationFactory()
    first = MembershipFactory(organization=org, role=Role.ORG_ADMIN)
    second = MembershipFactory(organization=org, role=Role.ORG_ADMIN)
    barrier = threading.Barrier(2)
    outcomes = []

    def demote(membership):
        barrier.wait()
        try:
            services.change_member(membership=membership, role=Role.ASSESSOR, is_active=True)
            outcomes.append("demoted")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=demote, args=(m,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["demoted", "refused"]
    assert Membership.objects.filter(organization=org, role=Role.ORG_ADMIN).count() == 1


def test_api_tokens_are_hashed_and_revocable(db):
    user = UserFactory()
    token, secret = services.create_api_token(user=user, name="script")
    assert secret.startswith("shub_") and secret not in token.key_hash
    assert services.live_api_token(secret) == token
    assert services.live_api_token(secret).user == user
    assert services.live_api_token(secret + "x") is None
    services.revoke_api_token(token=token)
    assert services.live_api_token(secret) is None


def test_joining_through_an_invitation_is_audited_to_the_new_member(org, owner):
    from safetyhub.core.models import AuditEntry

    _inv, token = services.invite_member(organization=org, email="p@example.org",
                                         role=Role.ASSESSOR, invited_by=owner)
    membership = services.register_invited_user(token=token, full_name="P",
                                                password="a long enough passphrase")
    joined = AuditEntry.objects.get(object_type="core.Membership", object_id=str(membership.pk))
    assert joined.actor_id == membership.user_id
    created = AuditEntry.objects.get(object_type="core.User", object_id=str(membership.user_id))
    assert created.actor_label == "p@example.org (new account from an invitation)"
