"""Aim statements: the four checked parts and their errors, the composed sentence, the
measure's goal line set from the target (audited) and read back from its chart, the page,
My work, the board pack, and the API (GET/PUT, 422 naming the field, 404 for outsiders)."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError

from safetyhub.core.models import AuditEntry, Role
from safetyhub.improvement import services_aims
from safetyhub.improvement.models import Aim
from safetyhub.improvement.my_work import aims_to_write, initiatives_owned

from ..conftest import client_for
from ..measures.test_measures import add_points
from ..measures.test_measures import make_measure as make_rate_measure
from .test_initiatives import make_initiative, person

TODAY = dt.date.today()
LATER = TODAY + dt.timedelta(days=200)
API = "/api/v1/orgs"


def aim_values(**overrides) -> dict:
    values = {"what": "Reduce falls with injury", "who": "adult inpatients on 4 West",
              "baseline": 3.0, "target": 2.0, "unit": "per 1,000 patient days",
              "by_when": dt.date(2099, 6, 30)}
    values.update(overrides)
    return values


@pytest.fixture
def initiative(org, owner, member):
    return make_initiative(org, owner, title="Fewer falls", owner=member, status="active",
                           start_on=TODAY)


def test_the_sentence_is_composed_from_the_four_parts(initiative, owner):
    aim = services_aims.set_aim(initiative=initiative, by=owner, **aim_values())
    assert services_aims.sentence(aim) == (
        "Reduce falls with injury for adult inpatients on 4 West from 3.0 to 2.0 per 1,000 "
        "patient days by 30 June 2099.")
    aim = services_aims.set_aim(initiative=initiative, by=owner, **aim_values(
        target=50, target_is_percent=True, baseline=None, unit=""))
    assert services_aims.sentence(aim).endswith("on 4 West by 50% by 30 June 2099.")
    assert Aim.objects.filter(initiative=initiative).count() == 1  # rewritten, not added


@pytest.mark.parametrize(("change", "field", "said"), [
    ({"what": "  "}, "what", "What: say what will improve"),
    ({"who": ""}, "who", "For whom: name the patients or unit"),
    ({"target": None}, "target", "How much: give a number, e.g. 2.0 per 1,000 patient days"),
    ({"target": float("nan")}, "target", "How much: give a number"),
    ({"target": 150, "target_is_percent": True}, "target", "between 0 and 100"),
    ({"by_when": None}, "by_when", "By when: give the date"),
    ({"by_when": TODAY}, "by_when", "By when: a date after today"),
])
def test_each_missing_or_bad_part_is_named_and_nothing_saved(initiative, owner, change, field,
                                                             said):
    with pytest.raises(ValidationError) as exc_info:
        services_aims.set_aim(initiative=initiative, by=owner, **aim_values(**change))
    assert said in exc_info.value.message_dict[field][0]
    assert not Aim.objects.exists()


def test_by_when_not_before_the_initiative_starts(org, owner):
    later_start = make_initiative(org, owner, title="Later", start_on=dt.date(2099, 1, 1))
    with pytest.raises(ValidationError) as exc_info:
        services_aims.set_aim(initiative=later_start, by=owner,
                              **aim_values(by_when=dt.date(2098, 12, 1)))
    assert "not before the initiative starts" in exc_info.value.message_dict["by_when"][0]


def test_the_target_becomes_the_measures_goal_audited_and_its_chart_says_if_met(
        org, owner, initiative, other_org):
    falls = make_rate_measure(org, by=owner, goal=None)
    theirs = make_rate_measure(other_org, name="Their falls")
    with pytest.raises(ValidationError) as exc_info:
        services_aims.set_aim(initiative=initiative, by=owner, measure=theirs, **aim_values())
    assert "measure" in exc_info.value.message_dict
    theirs.refresh_from_db()
    assert theirs.goal is None

    aim = services_aims.set_aim(initiative=initiative, by=owner, measure=falls,
                                **aim_values(unit=""))
    falls.refresh_from_db()
    assert falls.goal == 2.0 and aim.unit == falls.unit  # the measure's unit when none given
    entry = AuditEntry.objects.filter(object_type__iendswith=".measure",
                                      object_id=str(falls.pk)).order_by("pk").last()
    assert entry.changes["goal"]["to"] == 2.0
    assert services_aims.goal_reading(aim).met is None  # no data yet

    add_points(falls, [3] * 12, dens=[1000] * 12)  # 3.0 per 1,000: not met
    reading = services_aims.goal_reading(Aim.objects.select_related("measure").get())
    assert reading.met is False and "not met yet" in reading.text
    falls.points.all().delete()
    add_points(falls, [1] * 12, dens=[1000] * 12)
    assert services_aims.goal_reading(Aim.objects.select_related("measure").get()).met is True


def test_a_percent_aim_sets_the_goal_from_the_baseline_in_the_better_direction(
        org, owner, initiative):
    falls = make_rate_measure(org, by=owner)
    services_aims.set_aim(initiative=initiative, by=owner, measure=falls,
                          **aim_values(target=50, target_is_percent=True, baseline=3.0))
    falls.refresh_from_db()
    assert falls.goal == 1.5


# --- the page ------------------------------------------------------------------------------


def aim_url(i) -> str:
    return f"/o/{i.organization.slug}/plan/{i.pk}/aim/"


def form_data(**overrides) -> dict:
    data = {"what": "Reduce falls with injury", "who": "adult inpatients on 4 West",
            "target_is_percent": "value", "baseline": "3.0", "target": "2.0",
            "unit": "per 1,000 patient days", "by_when": "2099-06-30", "measure": ""}
    data.update(overrides)
    return data


def test_the_owner_writes_the_aim_and_the_page_shows_its_four_parts_checked(
        initiative, member):
    client = client_for(member)
    response = client.post(aim_url(initiative), form_data())
    assert response.status_code == 302 and response["Location"].endswith("#aim")
    page = client.get(f"/o/{initiative.organization.slug}/plan/{initiative.pk}/").content.decode()
    assert ("Reduce falls with injury for adult inpatients on 4 West from 3.0 to 2.0 per "
            "1,000 patient days by 30 June 2099.") in page
    assert page.count("Checked: ") == 4 and "Change the aim" in page


def test_bad_input_names_the_part_keeps_what_was_typed_and_saves_nothing(initiative, member):
    response = client_for(member).post(aim_url(initiative), form_data(target="two",
                                                                      who="ICU patients"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "How much: give a number, e.g. 2.0 per 1,000 patient days" in page
    assert 'value="ICU patients"' in page and 'value="two"' in page
    assert not Aim.objects.exists()


def test_viewers_read_but_cannot_write_and_outsiders_get_404(org, initiative, outsider):
    viewer = person(org, Role.EXECUTIVE_VIEWER)
    assert client_for(viewer).get(aim_url(initiative)).status_code == 403
    assert client_for(viewer).post(aim_url(initiative), form_data()).status_code == 403
    assert client_for(outsider).get(aim_url(initiative)).status_code == 404
    assert client_for(outsider).post(aim_url(initiative), form_data()).status_code == 404
    assert not Aim.objects.exists()


# --- My work and the board pack ------------------------------------------------------------


def test_my_work_asks_for_an_aim_then_shows_its_sentence(org, initiative, member, owner):
    items = aims_to_write(member, org)
    assert [i.title for i in items] == ["Write an aim for “Fewer falls”"]
    assert aims_to_write(owner, org) == []  # not theirs
    services_aims.set_aim(initiative=initiative, by=member, **aim_values())
    assert aims_to_write(member, org) == []
    detail = initiatives_owned(member, org)[0].detail
    assert "Aim: Reduce falls with injury for adult inpatients" in detail


def test_the_board_pack_shows_each_aim_and_whether_its_goal_is_met(org, owner, initiative):
    from safetyhub.core import board_pack as core_pack
    from safetyhub.improvement.board_pack import plan_section

    falls = make_rate_measure(org, by=owner)
    add_points(falls, [1] * 12, dens=[1000] * 12)
    services_aims.set_aim(initiative=initiative, by=owner, measure=falls, **aim_values())

    class Options:
        today = TODAY

    section = plan_section(organization=org, period=None, options=Options())
    row = section["rows"][0]
    assert row["aim"].startswith("Reduce falls with injury")
    assert row["goal"].met is True and "Goal 2.0" in row["goal"].text
    assert core_pack  # the section is registered with core's board pack


def test_the_board_pack_reads_every_aims_chart_in_a_fixed_number_of_queries(org, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safetyhub.improvement.board_pack import plan_section

    class Options:
        today = TODAY

    def queries_with(aims: int) -> int:
        for k in range(aims):
            initiative = make_initiative(org, owner, title=f"Initiative {k}", owner=owner)
            measure = make_rate_measure(org, by=owner, name=f"Measure {k}")
            add_points(measure, [1] * 12, dens=[1000] * 12)
            services_aims.set_aim(initiative=initiative, by=owner, measure=measure,
                                  **aim_values())
        with CaptureQueriesContext(connection) as captured:
            section = plan_section(organization=org, period=None, options=Options())
        assert all(row["goal"].met is True for row in section["rows"])
        return len(captured)

    assert queries_with(1) == queries_with(2)  # 1 aim, then 3


# --- API -----------------------------------------------------------------------------------


def put(client, initiative, body):
    return client.put(f"{API}/{initiative.organization.slug}/initiatives/{initiative.pk}/aim",
                      data=json.dumps(body), content_type="application/json")


def api_body(**overrides) -> dict:
    body = {"what": "Reduce falls with injury", "who": "adult inpatients on 4 West",
            "baseline": 3.0, "target": 2.0, "unit": "per 1,000 patient days",
            "by_when": "2099-06-30"}
    body.update(overrides)
    return body


def test_api_put_and_get_the_aim(org, owner, initiative, member, other_org, outsider):
    url = f"{API}/{org.slug}/initiatives/{initiative.pk}/aim"
    client = client_for(member)
    assert client.get(url).status_code == 404  # none yet
    falls = make_rate_measure(org, by=owner)
    response = put(client, initiative, api_body(measure_id=falls.pk))
    assert response.status_code == 200, response.content
    assert response.json()["sentence"].startswith("Reduce falls with injury for adult")
    got = client.get(url).json()
    assert got["target"] == 2.0 and got["measure_id"] == falls.pk and got["goal_met"] is None

    theirs = make_rate_measure(other_org, name="Theirs")
    bad = put(client, initiative, api_body(measure_id=theirs.pk, target=1.0))
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "measure_id"
    bad = put(client, initiative, api_body(who=" "))
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "who"
    assert Aim.objects.get().target == 2.0

    assert client_for(outsider).get(url).status_code == 404
    assert put(client_for(outsider), initiative, api_body()).status_code == 404
    viewer = person(org, Role.EXECUTIVE_VIEWER)
    assert client_for(viewer).get(url).status_code == 200
    assert put(client_for(viewer), initiative, api_body()).status_code == 403


def test_two_people_editing_the_aim_at_once_nothing_is_lost(initiative, member, owner):
    first, second = client_for(owner), client_for(member)
    assert first.post(aim_url(initiative), form_data()).status_code == 302
    loaded = Aim.objects.get(initiative=initiative).updated_at.isoformat()
    # Both open the aim; the owner saves first.
    assert first.post(aim_url(initiative), form_data(
        who="all adult inpatients", updated_at=loaded)).status_code == 302
    refused = second.post(aim_url(initiative), form_data(
        who="inpatients on 4 West over 65", updated_at=loaded))
    page = refused.content.decode()
    assert refused.status_code == 422 and "Someone else saved this aim" in page
    assert "inpatients on 4 West over 65" in page  # what they typed is kept
    assert Aim.objects.get(initiative=initiative).who == "all adult inpatients"
    # Having been told, saving again replaces the other version.
    resent = dict(refused.context["form"].data.items())
    assert second.post(aim_url(initiative), resent).status_code == 302
    assert Aim.objects.get(initiative=initiative).who == "inpatients on 4 West over 65"


def test_a_first_aim_written_twice_at_once_is_refused_the_second_time(initiative, member):
    client = client_for(member)
    assert client.post(aim_url(initiative), form_data(updated_at="")).status_code == 302
    again = client.post(aim_url(initiative), form_data(who="someone else", updated_at=""))
    assert again.status_code == 422
    assert Aim.objects.get(initiative=initiative).who == "adult inpatients on 4 West"


def test_the_api_refuses_a_stale_version(org, owner, initiative):
    client = client_for(owner)
    made = put(client, initiative, api_body())
    assert made.status_code == 200
    version = made.json()["updated_at"]
    assert put(client, initiative, api_body(who="everyone", updated_at=version)
               ).status_code == 200
    stale = put(client, initiative, api_body(who="no one", updated_at=version))
    assert stale.status_code == 422
    assert [e["field"] for e in stale.json()["detail"]] == ["updated_at"]
    assert Aim.objects.get(initiative=initiative).who == "everyone"
