"""Spread: an initiative adopted by other units. The service (exactly the definition copied,
no data, the links both ways, audited, all or nothing on bad input, the copier registry,
one adoption when two people spread to the same unit at once) and the pages (outsiders get
404, readers 403, bad units named on the form with nothing created, the link back, and
"Where this spread" with each unit's chart beside the original's at a fixed query count).
Data that could leak (another organization's site and initiative) is in place first."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from safetyhub.core.models import AuditEntry, Notification, Role, Site
from safetyhub.improvement import services, services_spread
from safetyhub.improvement.models import Initiative
from safetyhub.improvement.queries_spread import spread_candidates
from safetyhub.improvement.services_spread import Adoption, spread_initiative
from safetyhub.measures.models import DataPoint, Measure, PhaseSplit

from ..conftest import client_for
from ..factories import MembershipFactory, OrganizationFactory, SiteFactory, UserFactory
from ..queries import count_queries

COPIED = ("name", "type", "numerator", "denominator", "unit", "multiplier", "frequency",
          "direction", "goal", "chart", "screened_mr", "definition_source", "library_key")


def person(org, role=Role.ASSESSOR, **user):
    return MembershipFactory(organization=org, role=role, user=UserFactory(**user)).user


def unit(org, name, parent=None, **fields):
    return SiteFactory(organization=org, name=name, kind=Site.Kind.UNIT, parent=parent,
                       **fields)


def falls_measure(org, site, **fields) -> Measure:
    values = dict(name="Falls per 1,000 patient days", type=Measure.Type.OUTCOME,
                  numerator="Falls", denominator="Patient days", unit="per 1,000 patient days",
                  multiplier=1000, frequency=Measure.Frequency.MONTH,
                  direction=Measure.Direction.DECREASE, goal=2.0, chart=Measure.Chart.U,
                  screened_mr=False, freeze_after=dt.date(2025, 6, 1),
                  definition_source="NQF #0141 Patient Fall Rate", library_key="falls")
    values.update(fields)
    return Measure.objects.create(organization=org, site=site, **values)


def add_points(measure, values, start=dt.date(2025, 1, 1)):
    for k, v in enumerate(values):
        DataPoint.objects.create(measure=measure, organization_id=measure.organization_id,
                                 period=dt.date(start.year + (start.month + k - 1) // 12,
                                                (start.month + k - 1) % 12 + 1, 1),
                                 numerator=v, denominator=1000)


@pytest.fixture
def hospital(org):
    return SiteFactory(organization=org, name="Riverside Main")


@pytest.fixture
def west(org, hospital):
    return unit(org, "4 West", parent=hospital)


@pytest.fixture
def east(org, hospital):
    return unit(org, "5 East", parent=hospital)


@pytest.fixture
def lead(org):
    return person(org, Role.SAFETY_LEAD, email="lead@example.org", full_name="Lee Adeyemi")


def make_original(org, lead, owner, site) -> Initiative:
    """Hourly rounding on 4 West: active, with a team and dates, and two measures (falls with
    six months of data and a phase split; call bells)."""
    initiative = services.create_initiative(
        organization=org, by=lead, title="Hourly rounding", description="Round every hour.",
        site=site, owner=owner, team=[lead], status=Initiative.Status.ACTIVE,
        start_on=dt.date(2025, 1, 1), due_on=dt.date(2026, 12, 31))
    falls = falls_measure(org, site)
    falls.initiatives.add(initiative)
    add_points(falls, [5, 6, 4, 5, 6, 5])
    PhaseSplit.objects.create(measure=falls, organization=org,
                              after_period=dt.date(2025, 3, 1), reason="Rounding began")
    balancing = Measure.objects.create(
        organization=org, site=site, name="Call bells per day", type=Measure.Type.BALANCING,
        numerator="Call bells", direction=Measure.Direction.NEUTRAL)
    balancing.initiatives.add(initiative)
    return initiative


@pytest.fixture
def original(org, lead, member, west):
    return make_original(org, lead, member, west)


def spread_url(initiative) -> str:
    return f"/o/{initiative.organization.slug}/plan/{initiative.pk}/spread/"


def detail_url(initiative) -> str:
    return f"/o/{initiative.organization.slug}/plan/{initiative.pk}/"


# --- the service ---------------------------------------------------------------------------


def test_spread_copies_the_definition_and_no_data(org, lead, member, original, east):
    untouched = falls_measure(org, None, name="Not on this initiative")
    [adopted] = spread_initiative(initiative=original, by=lead,
                                  units=[Adoption(site=east, owner=lead)])
    adopted.refresh_from_db()
    assert (adopted.title, adopted.description, adopted.recommendation_id,
            adopted.tactic_id) == ("Hourly rounding", "Round every hour.",
                                   original.recommendation_id, original.tactic_id)
    assert (adopted.organization, adopted.site, adopted.owner, adopted.spread_from,
            adopted.created_by) == (org, east, lead, original, lead)
    # The unit's own: proposed, no team, no dates, no cycles.
    assert adopted.status == Initiative.Status.PROPOSED
    assert (adopted.start_on, adopted.due_on, list(adopted.team.all())) == (None, None, [])

    originals = {m.pk: m for m in original.measures.all()}
    copies = list(Measure.objects.filter(initiatives=adopted))
    assert len(copies) == 2 and untouched.pk not in {c.copied_from_id for c in copies}
    for copy in copies:
        source = originals[copy.copied_from_id]
        assert {f: getattr(copy, f) for f in COPIED} == {f: getattr(source, f) for f in COPIED}
        assert (copy.organization, copy.site, copy.created_by) == (org, east, lead)
        assert copy.freeze_after is None
        assert not copy.points.exists() and not copy.splits.exists()
        assert list(copy.initiatives.all()) == [adopted]
    # The original keeps its data and links.
    falls = original.measures.get(name="Falls per 1,000 patient days")
    assert falls.points.count() == 6 and falls.splits.count() == 1
    assert list(falls.initiatives.all()) == [original]


def test_spread_is_audited_and_tells_the_owner(org, lead, member, original, east):
    [adopted] = spread_initiative(initiative=original, by=lead,
                                  units=[Adoption(site=east, owner=member)])
    created = AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, actor=lead)
    assert created.filter(object_type="improvement.Initiative",
                          object_id=str(adopted.pk)).exists()
    copy_ids = {str(m.pk) for m in Measure.objects.filter(initiatives=adopted)}
    assert set(created.filter(object_type="measures.Measure")
               .values_list("object_id", flat=True)) == copy_ids
    entry = AuditEntry.objects.get(object_type="improvement.Initiative",
                                   object_id=str(original.pk), changes__has_key="spread_to")
    assert entry.actor == lead
    assert entry.changes["spread_to"]["site"] == "5 East"
    assert entry.changes["spread_to"]["initiative"] == adopted.pk
    assert {str(pk) for pk in entry.changes["spread_to"]["measures"]} == copy_ids
    assert Notification.objects.filter(recipient=member, link__endswith=f"/{adopted.pk}/"
                                       ).exists()


def test_spread_to_several_units_in_the_order_given(org, lead, original, east, hospital):
    adopted = spread_initiative(initiative=original, by=lead,
                                units=[Adoption(site=hospital), Adoption(site=east)])
    assert [a.site for a in adopted] == [hospital, east]
    assert all(a.owner is None for a in adopted)
    assert Measure.objects.filter(copied_from__isnull=False).count() == 4
    assert spread_candidates(initiative=original) == []  # own and adopted are left out
    # an adopter may spread further, but not to a unit that runs the same work already
    further = unit(org, "6 North", parent=hospital)
    assert [s for s, _ in spread_candidates(initiative=adopted[1])] == [further]
    [grandchild] = spread_initiative(initiative=adopted[1], by=lead,
                                     units=[Adoption(site=further)])
    assert spread_candidates(initiative=grandchild) == []
    assert spread_candidates(initiative=original) == []


@pytest.mark.parametrize("case", ["other_org", "own", "adopted", "closed", "twice", "none",
                                  "stranger", "back_to_origin", "sibling"])
def test_bad_units_are_refused_by_name_and_nothing_is_created(
        case, org, lead, original, west, east, hospital, other_org, outsider):
    [adopted] = spread_initiative(initiative=original, by=lead,
                                  units=[Adoption(site=hospital)])
    theirs = unit(other_org, "Secret Cardiac Unit")
    closed = unit(org, "Old ward", is_active=False)
    if case == "back_to_origin":  # the adopted one, spread back to where it came from
        original = adopted
    if case == "sibling":  # the adopted one, spread to a unit that adopted the same original
        spread_initiative(initiative=original, by=lead, units=[Adoption(site=east)])
        original = adopted
    units, field, words = {
        "other_org": ([Adoption(site=east), Adoption(site=theirs)], "units",
                      "No such site or unit in this organization."),
        "own": ([Adoption(site=west)], "units", "“4 West” is this initiative's own"),
        "adopted": ([Adoption(site=east), Adoption(site=hospital)], "units",
                    "“Riverside Main” already adopted this initiative."),
        "closed": ([Adoption(site=closed)], "units", "“Old ward” is closed"),
        "twice": ([Adoption(site=east), Adoption(site=east)], "units", "named twice"),
        "none": ([], "units", "Choose at least one"),
        "stranger": ([Adoption(site=east, owner=outsider)], "owner",
                     "outsider@example.org"),
        "back_to_origin": ([Adoption(site=west)], "units",
                           "“4 West” already runs this initiative (spread from the same "
                           "original)."),
        "sibling": ([Adoption(site=east)], "units", "“5 East” already runs this initiative"),
    }[case]
    initiatives, measures = Initiative.objects.count(), Measure.objects.count()
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        spread_initiative(initiative=original, by=lead, units=units)
    assert words in " ".join(exc.value.message_dict[field])
    assert (Initiative.objects.count(), Measure.objects.count()) == (initiatives, measures)
    assert AuditEntry.objects.count() == entries


def test_copiers_run_for_each_unit_and_can_refuse(monkeypatch, org, lead, original, east,
                                                  hospital):
    monkeypatch.setattr(services_spread, "_COPIERS", [])
    seen = []

    def copier(orig, adopted):
        seen.append((orig.pk, adopted.site_id, set(services_spread.measure_copies(adopted))))

    services_spread.register_spread_copier(copier)
    services_spread.register_spread_copier(copier)  # once only
    spread_initiative(initiative=original, by=lead, units=[Adoption(site=east)])
    originals = set(original.measures.values_list("pk", flat=True))
    assert seen == [(original.pk, east.pk, originals)]

    def refuses(orig, adopted):
        raise ValidationError({"aim": "The aim cannot be copied."})

    services_spread.register_spread_copier(refuses)
    count = Initiative.objects.count()
    with pytest.raises(ValidationError):
        spread_initiative(initiative=original, by=lead, units=[Adoption(site=hospital)])
    assert Initiative.objects.count() == count


def test_a_deleted_original_leaves_the_adopters_standing(org, lead, original, east):
    [adopted] = spread_initiative(initiative=original, by=lead, units=[Adoption(site=east)])
    copy = Measure.objects.filter(initiatives=adopted).first()
    Measure.objects.filter(initiatives=original).delete()
    original.delete()
    adopted.refresh_from_db()
    copy.refresh_from_db()
    assert adopted.spread_from is None and copy.copied_from is None


@pytest.mark.django_db(transaction=True)
def test_two_people_spreading_to_the_same_unit_at_once_make_one():
    org = OrganizationFactory()
    first, second = (person(org, Role.SAFETY_LEAD) for _ in range(2))
    west, east = unit(org, "4 West"), unit(org, "5 East")
    initiative = services.create_initiative(organization=org, by=first, title="Rounding",
                                            site=west)
    falls_measure(org, west).initiatives.add(initiative)
    barrier = threading.Barrier(2)
    made, refused, problems = [], [], []

    def go(user):
        barrier.wait()
        try:
            made.extend(spread_initiative(initiative=initiative, by=user,
                                          units=[Adoption(site=east)]))
        except ValidationError as exc:
            refused.append(exc.message_dict)
        except Exception as exc:  # reported below
            problems.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(u,)) for u in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems
    assert len(made) == 1 and len(refused) == 1 and "units" in refused[0]
    assert Initiative.objects.filter(spread_from=initiative, site=east).count() == 1
    assert Measure.objects.filter(copied_from__isnull=False).count() == 1


# --- pages ---------------------------------------------------------------------------------


def test_outsiders_get_404_and_readers_403(org, original, other_org, outsider, east):
    outsider_client = client_for(outsider)
    for method in ("get", "post"):
        assert getattr(outsider_client, method)(spread_url(original)).status_code == 404
    # an assessor not on the initiative, and an executive viewer, only read
    reader = client_for(person(org, Role.ASSESSOR))
    viewer = client_for(person(org, Role.EXECUTIVE_VIEWER))
    for client in (reader, viewer):
        assert client.get(spread_url(original)).status_code == 403
        assert client.post(spread_url(original), {"units": [east.pk]}).status_code == 403
        page = client.get(detail_url(original)).content.decode()
        assert "Where this spread" in page and "Spread to other units" not in page
    assert not Initiative.objects.filter(spread_from=original).exists()


def test_the_page_offers_the_other_open_units_with_an_owner_each(org, lead, original, east,
                                                                 hospital, other_org):
    unit(other_org, "Secret Cardiac Unit")
    unit(org, "Old ward", is_active=False)
    spread_initiative(initiative=original, by=lead, units=[Adoption(site=hospital)])
    page = client_for(lead).get(spread_url(original)).content.decode()
    assert f'id="unit-{east.pk}"' in page and "Owner in 5 East" in page
    for absent in ("Secret Cardiac Unit", "Old ward", f'id="unit-{hospital.pk}"',
                   "Owner in 4 West"):
        assert absent not in page


def test_spreading_through_the_page(org, lead, member, original, east):
    client = client_for(lead)
    response = client.post(spread_url(original), {"units": [east.pk],
                                                  f"owner_{east.pk}": member.pk})
    assert response.status_code == 302 and response["Location"].endswith(
        f"/plan/{original.pk}/#spread")
    adopted = Initiative.objects.get(spread_from=original)
    assert (adopted.site, adopted.owner) == (east, member)
    # The adopter links back; the original shows where it spread.
    page = client.get(detail_url(adopted)).content.decode()
    assert "Spread from:" in page and f'href="{detail_url(original)}"' in page
    assert "on 4 West" in page
    page = client.get(detail_url(original)).content.decode()
    assert f'href="{detail_url(adopted)}"' in page and "5 East" in page
    assert "Proposed" in page and str(member) in page
    assert "No data yet." in page  # the unit's copy has no data


def test_where_this_spread_shows_each_units_chart_beside_the_originals(org, lead, original,
                                                                       east):
    [adopted] = spread_initiative(initiative=original, by=lead, units=[Adoption(site=east)])
    copy = Measure.objects.get(initiatives=adopted, name__startswith="Falls")
    add_points(copy, [7, 6, 5, 6])
    falls = original.measures.get(name__startswith="Falls")
    page = client_for(lead).get(detail_url(original)).content.decode()
    for measure in (falls, copy):
        assert f"/measures/{measure.pk}/chart.svg?compact=1" in page
    assert 'alt="5 East: ' in page and 'alt="4 West (this initiative): ' in page


@pytest.mark.parametrize("case", ["adopted", "other_org", "nothing", "bad_owner"])
def test_bad_units_on_the_page_are_named_and_nothing_is_created(
        case, org, lead, original, east, hospital, other_org):
    spread_initiative(initiative=original, by=lead, units=[Adoption(site=hospital)])
    theirs = unit(other_org, "Secret Cardiac Unit")
    data, field_error = {
        "adopted": ({"units": [east.pk, hospital.pk]},
                    "“Riverside Main” already adopted this initiative."),
        "other_org": ({"units": [east.pk, theirs.pk]},
                      "No such site or unit in this organization."),
        "nothing": ({}, "Choose at least one site or unit"),
        "bad_owner": ({"units": [east.pk], f"owner_{east.pk}": "999999"},
                      "Select a valid choice"),
    }[case]
    count = Initiative.objects.count()
    response = client_for(lead).post(spread_url(original), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "The initiative was not spread" in page and field_error in page
    assert "Secret Cardiac Unit" not in page
    if data.get("units"):  # what was chosen is kept
        assert f'value="{east.pk}" id="unit-{east.pk}" checked' in page
    assert Initiative.objects.count() == count


def _adopt_n(org, lead, original, n):
    for k in range(n):
        spread_initiative(initiative=original, by=lead,
                          units=[Adoption(site=unit(org, f"Unit {k}"), owner=lead)])


def test_the_initiative_page_makes_the_same_queries_for_1_and_3_adopters(org, lead,
                                                                         original):
    client = client_for(lead)
    _adopt_n(org, lead, original, 1)
    one = count_queries(client, detail_url(original))
    _adopt_n(org, lead, original, 2)
    three = count_queries(client, detail_url(original))
    assert one == three


def test_the_aim_and_the_driver_diagram_spread_with_the_unit_s_own_measure(
        org, lead, member, original, east):
    from safetyhub.improvement import services_aims, services_drivers
    from safetyhub.improvement.models import Aim, DriverNode

    falls = original.measures.get(name="Falls per 1,000 patient days")
    services_aims.set_aim(initiative=original, by=lead, what="Reduce falls with injury",
                          who="adult inpatients on 4 West", target=2.0, unit=falls.unit,
                          by_when=dt.date.today() + dt.timedelta(days=200), measure=falls)
    Kind = DriverNode.Kind
    primary = services_drivers.add_node(initiative=original, by=lead, kind=Kind.PRIMARY,
                                        text="Reliable rounding")
    secondary = services_drivers.add_node(initiative=original, by=lead, kind=Kind.SECONDARY,
                                          text="Staff know the round", parent=primary)
    cycle = services.start_cycle(initiative=original, by=lead, change="Hourly rounds",
                                 started_on=dt.date(2025, 2, 1))
    services_drivers.add_node(initiative=original, by=lead, kind=Kind.CHANGE,
                              text="Round every hour", parent=secondary, cycles=[cycle],
                              measures=[falls])

    [adopted] = spread_initiative(initiative=original, by=lead,
                                  units=[Adoption(site=east, owner=member)])

    copy_of_falls = Measure.objects.get(initiatives=adopted, copied_from=falls)
    aim = Aim.objects.get(initiative=adopted)
    assert (aim.what, aim.who, aim.target, aim.baseline, aim.measure) == (
        "Reduce falls with injury", "adult inpatients on 5 East", 2.0, None, copy_of_falls)
    nodes = {n.kind: n for n in DriverNode.objects.filter(initiative=adopted)}
    assert [nodes[k].text for k in (Kind.PRIMARY, Kind.SECONDARY, Kind.CHANGE)] == [
        "Reliable rounding", "Staff know the round", "Round every hour"]
    assert nodes[Kind.CHANGE].parent == nodes[Kind.SECONDARY]
    assert nodes[Kind.SECONDARY].parent == nodes[Kind.PRIMARY]
    assert list(nodes[Kind.CHANGE].measures.all()) == [copy_of_falls]
    assert not nodes[Kind.CHANGE].cycles.exists()  # the unit tests the change itself
    # The original keeps its own.
    assert DriverNode.objects.filter(initiative=original).count() == 3
    assert Aim.objects.get(initiative=original).measure == falls
