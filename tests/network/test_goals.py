"""Shared goals' services and queries: the goal's rules, taking part, monthly values and
their corrections, CSV imports (all or nothing, every problem by row and column), values
pulled from an event-derived measure, and the network's series with months from fewer than
five organizations suppressed."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safetyhub.core import audit
from safetyhub.core.models import AuditEntry
from safetyhub.network import goal_queries as queries
from safetyhub.network import goals as services
from safetyhub.network.goal_charts import chart_of
from safetyhub.network.models_goals import GoalValue
from safetyhub.network.suppression import MIN_ORGANIZATIONS

from ..factories import OrganizationFactory, SiteFactory, joined_days_ago, submit_event
from .goals_fixtures import *  # noqa: F403 (the shared-goal fixtures)
from .goals_fixtures import months_ago, send

# --- the goal

def test_a_goal_needs_a_title_a_numerator_and_a_denominator_for_a_u_chart(network, lead):
    with pytest.raises(ValidationError) as caught:
        services.create_goal(network=network, by=lead, title=" ", numerator="", chart="u",
                             direction="sideways", start_month=months_ago(3), multiplier=0)
    errors = caught.value.message_dict
    assert set(errors) == {"title", "numerator", "denominator", "direction", "multiplier"}
    assert "U chart needs a denominator" in errors["denominator"][0]
    assert not network.goals.exists()


def test_a_goal_refuses_charts_that_are_not_monthly_sums(network, lead):
    for chart in ("g", "t", "xbar"):
        with pytest.raises(ValidationError, match="not a chart a shared goal can use"):
            services.create_goal(network=network, by=lead, title="x", numerator="n",
                                 chart=chart, direction="decrease", start_month=months_ago(1))


def test_a_goal_starts_on_the_first_of_its_month(network, lead):
    goal = services.create_goal(network=network, by=lead, title="Falls", numerator="Falls",
                                chart="c", direction="decrease",
                                start_month=dt.date(2026, 3, 17))
    assert goal.start_month == dt.date(2026, 3, 1)


# --- values

def test_a_month_is_refused_before_the_start_in_the_future_and_while_under_way(goal, org):
    services.take_part(goal=goal, organization=org, by=None)
    for month, reason in ((months_ago(7), "before the goal starts"),
                          (months_ago(0), "not over yet"),
                          (months_ago(-2), "not over yet")):
        with pytest.raises(ValidationError, match=reason) as caught:
            services.save_value(goal=goal, organization=org, month=month, numerator=1,
                                denominator=100, by=None)
        assert set(caught.value.message_dict) == {"month"}
    assert not GoalValue.objects.exists()


def test_values_are_checked_against_the_chart(goal, org, network, lead):
    services.take_part(goal=goal, organization=org, by=None)
    cases = [({"numerator": -1, "denominator": 100}, "numerator"),
             ({"numerator": 1, "denominator": None}, "denominator"),
             ({"numerator": 3, "denominator": 0}, "denominator"),
             ({"numerator": float("nan"), "denominator": 1}, "numerator"),
             ({"numerator": 1, "denominator": 1e300}, "denominator")]
    for values, field in cases:
        with pytest.raises(ValidationError) as caught:
            services.save_value(goal=goal, organization=org, month=months_ago(1), by=None,
                                **values)
        assert field in caught.value.message_dict, values
    proportion = services.create_goal(network=network, by=lead, title="Screened",
                                      numerator="Screened", denominator="Admitted",
                                      chart="p", direction="increase",
                                      start_month=months_ago(3))
    services.take_part(goal=proportion, organization=org, by=None)
    with pytest.raises(ValidationError, match="larger than the denominator"):
        services.save_value(goal=proportion, organization=org, month=months_ago(1),
                            numerator=11, denominator=10, by=None)
    # numerator = denominator is a proportion of 1: allowed
    services.save_value(goal=proportion, organization=org, month=months_ago(1), numerator=10,
                        denominator=10, by=None)
    assert GoalValue.objects.count() == 1


def test_values_need_the_organization_to_take_part_and_be_a_member(goal, org):
    with pytest.raises(ValidationError, match="take part first"):
        services.save_value(goal=goal, organization=org, month=months_ago(1), numerator=1,
                            denominator=100, by=None)
    stranger = OrganizationFactory()
    with pytest.raises(ValidationError, match="not a member"):
        services.take_part(goal=goal, organization=stranger, by=None)


def test_a_second_value_for_a_month_corrects_it_and_the_audit_keeps_the_first(goal, org,
                                                                               owner):
    services.take_part(goal=goal, organization=org, by=owner)
    first, created = services.save_value(goal=goal, organization=org, month=months_ago(2),
                                         numerator=4, denominator=900, by=owner)
    assert created
    with audit.acting_as(owner):
        again, created = services.save_value(goal=goal, organization=org,
                                             month=months_ago(2), numerator=5,
                                             denominator=900, by=owner)
    assert not created and again.pk == first.pk
    assert (again.numerator, again.corrections) == (5, 1)
    assert GoalValue.objects.count() == 1
    change = AuditEntry.objects.filter(object_type__icontains="goalvalue",
                                       action="update").get()
    assert change.organization_id == org.pk and change.actor_id == owner.pk
    assert "4" in str(change.changes["numerator"]) and "5" in str(change.changes["numerator"])
    # the same value again is no correction
    services.save_value(goal=goal, organization=org, month=months_ago(2), numerator=5,
                        denominator=900, by=owner)
    assert GoalValue.objects.get().corrections == 1


# --- CSV

def test_a_bad_file_lists_every_problem_by_row_and_column_and_saves_nothing(goal, org):
    services.take_part(goal=goal, organization=org, by=None)
    rows = ["month,numerator,denominator",
            f"{months_ago(1):%Y-%m},3,900",
            f"{months_ago(8):%Y-%m},3,900",  # before the start
            f"{months_ago(0):%Y-%m},3,900",  # under way
            f"{months_ago(2):%Y-%m},three,900",
            f"{months_ago(3):%Y-%m},3,",
            f"{months_ago(4):%Y-%m-%d},-1,900",
            f"{months_ago(1):%Y-%m},2,900"]  # the same month twice
    with pytest.raises(ValidationError) as caught:
        services.import_values(goal=goal, organization=org, file_name="falls.csv",
                               content="\n".join(rows).encode(), by=None)
    text = " | ".join(caught.value.message_dict["file"])
    assert "Nothing was imported: 6 problems" in text
    for expected in ("row 3, column period: ", "before the goal starts",
                     "row 4, column period: ", "not over yet",
                     "row 5, column numerator: “three” is not a number",
                     "row 6, column denominator: ", "row 7, column numerator: must be a number ≥ 0",
                     "row 8, column period: "):
        assert expected in text, expected
    assert not GoalValue.objects.exists()


def test_a_good_file_adds_and_corrects_in_one_go(goal, org):
    send(goal, org, months_ago(2), 1)
    content = (f"Month,Numerator,Denominator,Note\n{months_ago(2):%Y-%m},2,1000,recounted\n"
               f"{months_ago(1):%Y-%m-01},3,1100,\n").encode()
    result = services.import_values(goal=goal, organization=org, file_name="f.csv",
                                    content=content, by=None)
    assert (result.rows, result.added, result.changed) == (2, 1, 1)
    values = {v.month: v for v in GoalValue.objects.all()}
    assert values[months_ago(2)].numerator == 2 and values[months_ago(2)].corrections == 1
    assert values[months_ago(1)].via == GoalValue.Via.FILE


def test_a_file_without_the_denominator_column_is_refused_by_the_header(goal, org):
    services.take_part(goal=goal, organization=org, by=None)
    with pytest.raises(ValidationError, match="no “denominator” column"):
        services.import_values(goal=goal, organization=org, file_name="f.csv",
                               content=b"month,numerator\n2026-01,3\n", by=None)


# --- the network's series

def _five_and_four(goal, org, others):
    """Five organizations send two months ago; only four send last month."""
    organizations = [org, *others[:4]]
    for k, organization in enumerate(organizations):
        send(goal, organization, months_ago(2), k + 1, 1000)
        if k < 4:
            send(goal, organization, months_ago(1), k + 1, 1000)


def test_a_month_from_four_organizations_is_suppressed_and_one_from_five_is_shown(
        goal, org, others):
    assert MIN_ORGANIZATIONS == 5
    _five_and_four(goal, org, others)
    rows = {row.month: row for row in queries.network_series(goal)}
    five, four = rows[months_ago(2)], rows[months_ago(1)]
    assert (five.organizations, five.numerator, five.denominator, five.suppressed) == (
        5, 15, 5000, False)
    assert (four.organizations, four.numerator, four.denominator, four.suppressed) == (
        4, None, None, True)
    chart = chart_of(goal, queries.network_series(goal), title="x")
    plotted = {row.month: record.y for row, record in chart.table}
    assert plotted[months_ago(2)] == pytest.approx(3.0)  # 15 / 5000 × 1000
    assert plotted[months_ago(1)] is None
    assert chart.suppressed == [four]


def test_an_organization_that_stops_or_leaves_drops_out_of_the_network(goal, org, others):
    _five_and_four(goal, org, others)
    services.stop_taking_part(goal=goal, organization=others[0], by=None)
    rows = {row.month: row for row in queries.network_series(goal)}
    assert rows[months_ago(2)].organizations == 4 and rows[months_ago(2)].numerator is None
    services.take_part(goal=goal, organization=others[0], by=None)
    assert {r.month: r for r in queries.network_series(goal)}[months_ago(2)].numerator == 15
    goal.network.members.filter(organization=others[1]).update(left_at=timezone.now())
    assert {r.month: r for r in queries.network_series(goal)}[months_ago(2)].suppressed


def test_own_series_holds_only_the_organizations_values(goal, org, others):
    _five_and_four(goal, org, others)
    own = {row.month: row for row in queries.own_series(goal, others[2])}
    assert own[months_ago(2)].numerator == 4 and own[months_ago(3)].numerator is None


def test_my_work_names_goals_whose_last_month_is_missing(goal, org, owner, member):
    from safetyhub.network.my_work_goals import goal_data_due

    services.take_part(goal=goal, organization=org, by=None)
    items = goal_data_due(owner, org)
    assert [item.title for item in items] == ["Falls with injury"]
    assert goal_data_due(member, org) == []  # an assessor does not send the data
    send(goal, org, months_ago(1), 2)
    assert goal_data_due(owner, org) == []


# --- values from an event-derived measure

def test_values_flow_from_the_organizations_event_derived_measure(goal, org, owner):
    from safetyhub.events.event_measures import create_event_measure
    from safetyhub.events.models import PatientDays
    from safetyhub.measures.services import create_measure

    site = SiteFactory(organization=org, kind="unit")
    for k in (1, 2):
        PatientDays.objects.create(organization=org, site=site, month=months_ago(k), days=800)
    event_time = timezone.make_aware(dt.datetime.combine(months_ago(1).replace(day=5),
                                                         dt.time(12)))
    joined_days_ago(org, 400)
    submit_event(organization=org, reporter=owner, occurred_at=event_time, category="fall")
    measure = create_event_measure(organization=org, by=owner, name="Falls", chart="u",
                                   category="fall", since=months_ago(3))
    plain = create_measure(organization=org, by=owner, name="Entered", type="outcome",
                           numerator="n", direction="decrease")
    with pytest.raises(ValidationError, match="counted from event reports"):
        services.take_part(goal=goal, organization=org, by=owner, source="measure",
                           measure=plain)
    services.take_part(goal=goal, organization=org, by=owner, source="measure",
                       measure=measure)
    values = {v.month: v for v in GoalValue.objects.filter(goal=goal, organization=org)}
    assert values[months_ago(1)].numerator == 1 and values[months_ago(1)].denominator == 800
    assert values[months_ago(1)].via == GoalValue.Via.MEASURE
    assert months_ago(3) not in values  # no patient days: a month the measure cannot count
    with pytest.raises(ValidationError, match="cannot be entered"):
        services.save_value(goal=goal, organization=org, month=months_ago(2), numerator=1,
                            denominator=800, by=owner)
    # a new report shows at the next daily pull
    submit_event(organization=org, reporter=owner, category="fall",
                 occurred_at=event_time + dt.timedelta(days=1))
    assert services.pull_measure_values(today=timezone.localdate()) == 1
    assert GoalValue.objects.get(goal=goal, organization=org,
                                 month=months_ago(1)).numerator == 2


@pytest.mark.django_db(transaction=True)
def test_two_people_sending_the_same_month_at_once_leave_one_value():
    import threading

    from django.db import connections

    from ..factories import UserFactory, network_with

    organizations = [OrganizationFactory() for _ in range(2)]
    network = network_with(*organizations, lead=UserFactory())
    goal = services.create_goal(network=network, by=None, title="Falls", numerator="Falls",
                                chart="c", direction="decrease", start_month=months_ago(3))
    services.take_part(goal=goal, organization=organizations[0], by=None)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def send_value(numerator: int) -> None:
        try:
            barrier.wait()
            _value, created = services.save_value(goal=goal, organization=organizations[0],
                                                  month=months_ago(1), numerator=numerator,
                                                  by=None)
            outcomes.append("created" if created else "corrected")
        except ValidationError as exc:
            outcomes.append("refused" if "Someone else" in str(exc) else repr(exc))
        except BaseException as exc:  # a deadlock or a locked database would fail here
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send_value, args=(n,)) for n in (3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["corrected", "created"], ["created", "refused"]), outcomes
    value = GoalValue.objects.get()
    assert value.numerator in (3, 4)
    assert value.corrections == (1 if "corrected" in outcomes else 0)
