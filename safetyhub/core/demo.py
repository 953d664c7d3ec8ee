"""Demo data: two organizations in one health system, one outside it, a person for every
role, sites and units. Loading twice changes nothing."""

from collections.abc import Callable

from django.db import transaction

from . import audit
from .models import HealthSystem, Membership, Organization, Role, Site, User

DEMO_PASSWORD = "safetyhub-demo"  # noqa: S105 - a published demo login, local data only

SYSTEM = "Riverside Health"
ORGANIZATIONS = [
    # slug, name, in the health system?, sites: (name, kind, [units])
    ("riverside-general", "Riverside General Hospital", True, [
        ("Riverside General - Main Campus", "hospital",
         ["Emergency Department", "Medical-Surgical Unit 4 West", "Intensive Care Unit"]),
        ("Riverside Outpatient Surgery Center", "clinic", ["Pre-op and Recovery"]),
    ]),
    ("riverside-childrens", "Riverside Children's Hospital", True, [
        ("Riverside Children's - Main Campus", "hospital",
         ["Pediatric Intensive Care Unit", "Neonatal Intensive Care Unit"]),
    ]),
    ("lakeshore", "Lakeshore Community Hospital", False, [
        ("Lakeshore Community Hospital", "hospital", ["Emergency Department", "Birthing Center"]),
    ]),
]
PEOPLE = [
    # email, name, {org slug: role}
    ("admin@riverside.example", "Alex Admin",
     {"riverside-general": Role.ORG_ADMIN, "riverside-childrens": Role.ORG_ADMIN}),
    ("lead@riverside.example", "Sam Safety-Lead",
     {"riverside-general": Role.SAFETY_LEAD, "riverside-childrens": Role.ASSESSOR}),
    ("assessor@riverside.example", "Ana Assessor", {"riverside-general": Role.ASSESSOR}),
    ("nurse@riverside.example", "Noor Nurse", {"riverside-general": Role.ASSESSOR}),
    ("reviewer@riverside.example", "Rae Reviewer", {"riverside-general": Role.EVENT_REVIEWER}),
    ("staff@riverside.example", "Sol Staff", {"riverside-general": Role.STAFF_REPORTER}),
    ("exec@riverside.example", "Eli Executive", {"riverside-general": Role.EXECUTIVE_VIEWER}),
    ("advisor@riverside.example", "Pat Advisor",
     {"riverside-general": Role.PATIENT_FAMILY_ADVISOR}),
    ("support@riverside.example", "Kai Support-Coordinator",
     {"riverside-general": Role.SUPPORT_COORDINATOR}),
    ("admin@lakeshore.example", "Lee Lakeshore", {"lakeshore": Role.ORG_ADMIN}),
]


# Domain apps add their demo data from their AppConfig.ready() (core imports no domain app).
_loaders: list[Callable[[], list[tuple[str, str]] | None]] = []


def register_demo_loader(loader: Callable[[], list[tuple[str, str]] | None]) -> None:
    """Run `loader()` after the core demo data (organizations, people, units) exist. A
    loader must be fast (bulk writes) and add nothing when run twice; it may return
    (email, description) for people it adds, printed with the others."""
    if loader not in _loaders:
        _loaders.append(loader)


@transaction.atomic
def load_demo_data() -> list[tuple[str, str]]:
    """Create whatever demo rows are missing; return (email, description) per person."""
    with audit.acting_as(label="demo-data"):
        system, _ = HealthSystem.objects.get_or_create(name=SYSTEM)
        orgs = {}
        for slug, name, in_system, sites in ORGANIZATIONS:
            org, _ = Organization.objects.get_or_create(
                slug=slug, defaults={"name": name, "health_system": system if in_system else None}
            )
            orgs[slug] = org
            for site_name, kind, units in sites:
                site, _ = Site.objects.get_or_create(
                    organization=org, parent=None, name=site_name, defaults={"kind": kind}
                )
                for unit in units:
                    Site.objects.get_or_create(
                        organization=org, parent=site, name=unit,
                        defaults={"kind": Site.Kind.UNIT},
                    )
        summary = []
        for email, full_name, roles in PEOPLE:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
            for slug, role in roles.items():
                Membership.objects.get_or_create(
                    organization=orgs[slug], user=user, defaults={"role": role}
                )
            described = ", ".join(f"{Role(r).label} at {orgs[s].name}" for s, r in roles.items())
            summary.append((email, described))
        for loader in _loaders:
            # a loader may add people of its own (a network's lead, in no organization)
            summary += loader() or []
    return summary
