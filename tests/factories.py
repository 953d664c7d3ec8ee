"""factory_boy factories for every model the tests need; no fixture files."""

import factory
from django.utils import timezone

from safetyhub.core.models import (
    HealthSystem,
    Invitation,
    Membership,
    Organization,
    Role,
    Site,
    User,
)

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class HealthSystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthSystem

    name = factory.Sequence(lambda n: f"Health System {n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Hospital {n}")
    slug = factory.Sequence(lambda n: f"hospital-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ASSESSOR


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    kind = Site.Kind.HOSPITAL


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.ASSESSOR
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=14))


def submit_event(*, organization, reporter=None, anonymous: bool = False, **fields):
    """A valid staff report through the real service (the taxonomy pack, validation, audit),
    with any field overridden. Returns the services.Submission."""
    import datetime as dt

    from safetyhub.events.services import submit_report

    values = {
        "kind": "patient_safety", "event_type": "incident", "category": "fall",
        # Two hours ago, but never before the organization joined (a day check: a factory
        # organization made just after midnight would otherwise refuse last night's event).
        "occurred_at": max(timezone.now() - dt.timedelta(hours=2), organization.created_at),
        "narrative": "Patient found on the floor beside the bed.", "harm_level": "mild",
        "channel": "staff", "answers": {"injury": "minor"},
    }
    values.update(fields)
    return submit_report(organization=organization, reporter=reporter, anonymous=anonymous,
                         **values)


def joined_days_ago(organization: Organization, days: int) -> Organization:
    """Move the organization's joining day back (created_at is set on insert): reports may
    not predate it."""
    import datetime as dt

    Organization.objects.filter(pk=organization.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days))
    organization.refresh_from_db()
    return organization


def organization_that_joined(*, days_ago: int, **fields) -> Organization:
    """A new organization that joined SafetyHub `days_ago` days ago."""
    return joined_days_ago(OrganizationFactory(**fields), days_ago)


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "network.Network"

    name = factory.Sequence(lambda n: f"Network {n}")
    slug = factory.Sequence(lambda n: f"network-{n}")


def network_with(*organizations: Organization, lead=None, **fields):
    """A network whose current members are `organizations`, led by `lead` (a user) if given."""
    from safetyhub.network.models import NetworkLead, NetworkMember

    network = NetworkFactory(**fields)
    for organization in organizations:
        NetworkMember.objects.create(network=network, organization=organization)
    if lead is not None:
        NetworkLead.objects.create(network=network, user=lead)
    return network
