"""Signing in lands where the person works: the organization they last opened (remembered
across sign-outs and devices), else where their role is highest — not the first by name."""

from django.test import Client

from safetyhub.core.models import Membership, Role

from ..factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory


def sign_in(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def landing(client) -> str:
    return client.get("/")["Location"]


def person_in(*memberships: tuple) -> object:
    user = UserFactory(email="pat@example.org")
    for org, role in memberships:
        MembershipFactory(organization=org, user=user, role=role)
    return user


def test_first_sign_in_lands_where_the_role_is_highest(db):
    alpha = OrganizationFactory(name="Alpha Clinic", slug="alpha")
    zeta = OrganizationFactory(name="Zeta General", slug="zeta")
    user = person_in((alpha, Role.STAFF_REPORTER), (zeta, Role.SAFETY_LEAD))
    assert landing(sign_in(user)) == "/o/zeta/"


def test_sign_in_lands_on_the_organization_last_opened_even_after_signing_out(db):
    alpha = OrganizationFactory(name="Alpha Clinic", slug="alpha")
    zeta = OrganizationFactory(name="Zeta General", slug="zeta")
    user = person_in((alpha, Role.ASSESSOR), (zeta, Role.ORG_ADMIN))
    client = sign_in(user)
    assert client.get("/o/alpha/").status_code == 200
    client.post("/accounts/logout/")
    assert landing(sign_in(user)) == "/o/alpha/"  # a fresh session, another device alike
    elsewhere = sign_in(user)
    elsewhere.get("/o/zeta/")
    assert landing(sign_in(user)) == "/o/zeta/"


def test_a_membership_ended_since_is_not_a_landing_place(db):
    alpha = OrganizationFactory(name="Alpha Clinic", slug="alpha")
    zeta = OrganizationFactory(name="Zeta General", slug="zeta")
    user = person_in((alpha, Role.ASSESSOR), (zeta, Role.ASSESSOR))
    sign_in(user).get("/o/zeta/")
    Membership.objects.filter(organization=zeta).update(is_active=False)
    assert landing(sign_in(user)) == "/o/alpha/"


def test_opening_an_organization_is_not_written_to_the_audit_trail(db):
    from safetyhub.core.models import AuditEntry

    alpha = OrganizationFactory(name="Alpha Clinic", slug="alpha")
    user = person_in((alpha, Role.ASSESSOR))
    client = sign_in(user)
    before = AuditEntry.objects.count()
    client.get("/o/alpha/")
    assert Membership.objects.get(user=user).last_opened_at is not None
    assert AuditEntry.objects.count() == before
