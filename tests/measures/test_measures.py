"""Measures: definitions and the starter library, data entry with its rules, the chart a
measure's data make (and the clear message when they cannot make one), phase splits with
their audit trail, PDSA markers, who may write, and the pages.

Helpers and fixtures here are shared by the other measure tests (imported by name)."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from safetyhub import spc
from safetyhub.core.models import AuditEntry, Role
from safetyhub.improvement.models import Initiative, PdsaCycle
from safetyhub.measures import queries as measure_queries
from safetyhub.measures import services as measures
from safetyhub.measures.models import DataPoint, Measure, PhaseSplit

from ..conftest import client_for
from ..factories import MembershipFactory, UserFactory
from ..queries import count_queries

START = dt.date(2025, 1, 1)


def month(k: int) -> dt.date:
    """The first day of the k-th month from January 2025 (k = 0 is January 2025)."""
    return dt.date(START.year + (START.month - 1 + k) // 12, (START.month - 1 + k) % 12 + 1, 1)


def make_measure(org, by=None, **overrides) -> Measure:
    values = {"name": "Falls per 1,000 patient days", "type": "outcome",
              "numerator": "Inpatient falls", "denominator": "Patient days",
              "unit": "falls per 1,000 patient days", "multiplier": 1000,
              "direction": "decrease", "chart": "u"}
    values.update(overrides)
    return measures.create_measure(organization=org, by=by, **values)


def add_points(measure, values, dens=None, *, start: int = 0) -> None:
    """Store points straight in the database (no validation), one per month."""
    for k, y in enumerate(values):
        DataPoint.objects.create(measure=measure, organization=measure.organization,
                                 period=month(start + k), numerator=y,
                                 denominator=dens[k] if dens is not None else None)


SHIFT = [*[3, 4, 3, 2, 3, 4, 3, 3, 2, 4, 3, 3], *[8, 9, 8, 7, 9, 8, 9, 8, 7, 9]]  # 12 low, 10 high


def person(org, role):
    return MembershipFactory(organization=org, role=role, user=UserFactory()).user


@pytest.fixture
def lead(org):
    return MembershipFactory(organization=org, role=Role.SAFETY_LEAD,
                             user=UserFactory(email="lead@example.org")).user


@pytest.fixture
def lead_client(lead):
    return client_for(lead)


@pytest.fixture
def falls(org, owner):
    return make_measure(org, by=owner)


def url(measure, name: str = "", **extra) -> str:
    base = f"/o/{measure.organization.slug}/measures/{measure.pk}/"
    return base + name


# --- the starter library -------------------------------------------------------------------


def test_the_library_has_12_to_20_checked_measures_sourced_only_where_named():
    entries = measures.library()
    assert 12 <= len(entries) <= 20
    keys = {e.key for e in entries}
    assert {"falls-rate", "hapi-rate", "clabsi-rate", "medication-events",
            "staff-injuries-osha", "workplace-violence",
            "days-between-serious-events"} <= keys
    clabsi = measures.library_entry("clabsi-rate")
    assert "NHSN" in clabsi.source and "Patient Safety Component Manual" in clabsi.source
    assert measures.library_entry("days-between-serious-events").chart == "t"
    own = [e for e in entries if not e.source]
    assert own and all(e.provenance == "SafetyHub's own definition" for e in own)
    for e in entries:
        if e.chart in ("p", "pp", "u", "up"):
            assert e.denominator, e.key


def test_adding_from_the_library_copies_the_definition_and_its_source(org, owner):
    measure = measures.add_from_library(organization=org, key="clabsi-rate", by=owner)
    assert measure.library_key == "clabsi-rate"
    assert measure.chart == "u" and measure.multiplier == 1000
    assert measure.definition_source.startswith("CDC National Healthcare Safety Network")
    own = measures.add_from_library(organization=org, key="falls-rate", by=owner)
    assert own.definition_source.startswith("NQF #0141")
    with pytest.raises(ValidationError) as err:
        measures.add_from_library(organization=org, key="nope", by=owner)
    assert "not in the measure library" in str(err.value)


# --- definitions -----------------------------------------------------------------------------


def test_an_unknown_chart_type_is_refused_naming_the_types(org, owner):
    with pytest.raises(ValidationError) as err:
        make_measure(org, by=owner, chart="zz")
    reason = err.value.message_dict["chart"][0]
    assert reason.startswith("unknown chart type 'zz' (use one of run, i, p, pp, u, up")
    assert not Measure.objects.exists()


def test_a_rate_or_proportion_needs_a_denominator_definition(org, owner):
    with pytest.raises(ValidationError) as err:
        make_measure(org, by=owner, chart="p", denominator="")
    assert "needs a denominator" in err.value.message_dict["denominator"][0]


def test_update_changes_only_the_given_fields_and_is_audited(falls):
    measures.update_measure(measure=falls, goal=2.5, chart="i")
    falls.refresh_from_db()
    assert (falls.goal, falls.chart, falls.name) == (2.5, "i", "Falls per 1,000 patient days")
    entry = AuditEntry.objects.filter(object_type="measures.Measure",
                                      action=AuditEntry.Action.UPDATE).latest("seq")
    assert entry.changes["goal"] == {"from": None, "to": 2.5}
    with pytest.raises(ValidationError):
        measures.update_measure(measure=falls, organization=None)


# --- data entry rules ------------------------------------------------------------------------


@pytest.mark.parametrize(("chart", "numerator", "denominator", "field", "reason"), [
    ("u", 3, -5, "denominator", "Must be a number ≥ 0."),
    ("u", 3, None, "denominator", "Is required for a U chart"),
    ("p", 12, 10, "numerator", "12 is larger than the denominator 10 (a proportion needs "
                               "numerator ≤ denominator)"),
    ("u", -1, 10, "numerator", "Must be a number ≥ 0."),
    ("u", 2, 0, "denominator", "Is 0 but the numerator is 2."),
    ("c", 2, 10, "denominator", "Must be empty: a C chart uses no denominator"),
    ("t", 0, None, "numerator", "Must be a number > 0"),
    ("i", None, None, "numerator", "Is required."),
])
def test_each_bad_value_is_refused_naming_the_field_and_the_rule(
        org, owner, chart, numerator, denominator, field, reason):
    measure = make_measure(org, by=owner, chart=chart,
                           denominator="" if chart in ("c", "t", "i") else "Patient days")
    with pytest.raises(ValidationError) as err:
        measures.save_data_point(measure=measure, period=START, numerator=numerator,
                                 denominator=denominator, by=owner)
    assert err.value.message_dict[field][0].startswith(reason)
    assert not DataPoint.objects.exists()


def test_saving_a_period_again_changes_it(falls, owner):
    _point, created = measures.save_data_point(measure=falls, period=START, numerator=3,
                                              denominator=1000, by=owner)
    assert created
    _point, created = measures.save_data_point(measure=falls, period=START, numerator=4,
                                              denominator=1000, note="recount", by=owner)
    assert not created and DataPoint.objects.get().numerator == 4
    entry = AuditEntry.objects.filter(object_type="measures.DataPoint").latest("seq")
    assert entry.changes["numerator"] == {"from": 3.0, "to": 4.0}


# --- the chart -------------------------------------------------------------------------------


def test_the_chart_runs_the_data_through_qic_in_period_order(falls):
    dens = [1000 + 10 * k for k in range(len(SHIFT))]
    # Stored out of order: the chart sorts by period.
    for k in reversed(range(len(SHIFT))):
        DataPoint.objects.create(measure=falls, organization=falls.organization,
                                 period=month(k), numerator=SHIFT[k], denominator=dens[k])
    chart = measure_queries.chart_for(falls)
    assert chart.error is None
    labels = [f"{m} 2025" for m in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                    "Sep", "Oct", "Nov", "Dec")] + ["Jan 2026", "Feb 2026",
                                                                    "Mar 2026", "Apr 2026",
                                                                    "May 2026", "Jun 2026",
                                                                    "Jul 2026", "Aug 2026",
                                                                    "Sep 2026", "Oct 2026"]
    assert chart.labels == labels
    expected = spc.qic(labels, SHIFT, dens, chart="u", multiply=1000)
    assert chart.records == expected
    assert chart.explanations == spc.explain(expected)
    assert any("points in a row below the centre line" in s for s in chart.explanations)
    assert chart.status.kind == "concern"  # high points for a lower-is-better measure


def test_splits_freeze_and_exclusions_reach_qic(falls, owner):
    add_points(falls, SHIFT, [1000] * len(SHIFT))
    DataPoint.objects.filter(measure=falls, period=month(3)).update(excluded=True)
    measures.update_measure(measure=falls, freeze_after=month(11))
    chart = measure_queries.chart_for(falls)
    assert chart.freeze == 12
    assert chart.records == spc.qic(chart.labels, SHIFT, [1000] * 22, chart="u", freeze=12,
                                    exclude=[4], multiply=1000)
    measures.split_phase(measure=falls, after_period=month(11), reason="Hourly rounding",
                         by=owner)
    chart = measure_queries.chart_for(falls)
    assert chart.freeze is None  # a split chart has no frozen baseline (qicharts2 #20)
    assert [r.part for r in chart.records] == [1] * 12 + [2] * 10
    assert chart.records == spc.qic(chart.labels, SHIFT, [1000] * 22, chart="u", part=[12],
                                    exclude=[4], multiply=1000)


@pytest.mark.parametrize(("chart", "values", "dens", "message"), [
    ("u", [3, 4, 2], [1000, 1000, -5],
     "point 3 (Mar 2025): the denominator is negative"),
    ("p", [3, 12, 2], [10, 10, 10],
     "point 2 (Feb 2025): numerator 12 is larger than denominator 10 (proportions need y ≤ n)"),
    ("u", [3, 4, 2, 5], [1000, 1000, 1000, None],
     "missing denominator at point 4 (Apr 2025)"),
    ("i", [3], None, "chart 'i' needs at least 2 non-missing points for limits (got 1)"),
    ("c", [3, 4], [10, 10],
     "point 1 (Jan 2025): has a denominator, but a C chart uses none"),
    ("zz", [3, 4], None, "unknown chart type 'zz'"),
])
def test_data_that_cannot_make_the_chart_give_a_message_naming_the_point_and_rule(
        org, owner, client, chart, values, dens, message):
    measure = make_measure(org, by=owner, chart="run")
    Measure.objects.filter(pk=measure.pk).update(chart=chart)  # as if the type had changed
    add_points(measure, values, dens)
    result = measure_queries.chart_for(Measure.objects.get(pk=measure.pk))
    assert result.error.startswith(message)
    assert result.records is None
    assert result.status.kind == "error"
    response = client_for(owner).get(url(measure))
    assert response.status_code == 200
    body = response.content.decode()
    assert "The chart cannot be drawn" in body
    shown = message[0].upper() + message[1:]  # the page starts the sentence with a capital
    assert shown.replace("'", "&#x27;") in body
    assert "<svg" not in body
    svg = client_for(owner).get(url(measure, "chart.svg"))
    assert svg.status_code == 422 and message in svg.content.decode()


def test_t_charts_count_the_days_between_events_when_no_value_is_given(org, owner):
    measure = make_measure(org, by=owner, chart="t", denominator="", frequency="event",
                           multiplier=1, direction="increase", name="Days between events")
    for day in (dt.date(2025, 1, 5), dt.date(2025, 2, 4), dt.date(2025, 2, 14),
                dt.date(2025, 4, 15)):
        measures.save_data_point(measure=measure, period=day, numerator=None, by=owner)
    chart = measure_queries.chart_for(measure)
    assert chart.values == [None, 30.0, 10.0, 60.0]
    assert chart.error is None and chart.labels[0] == "5 Jan 2025"


def test_pdsa_cycles_become_markers_where_they_started(falls, org, owner):
    add_points(falls, SHIFT, [1000] * len(SHIFT))
    initiative = Initiative.objects.create(organization=org, title="Fewer falls")
    inside = PdsaCycle.objects.create(initiative=initiative, organization=org, number=2,
                                      change="Hourly rounding", started_on=dt.date(2025, 12, 16))
    before = PdsaCycle.objects.create(initiative=initiative, organization=org, number=1,
                                      change="Audit", started_on=dt.date(2024, 6, 1))
    inside.measures.add(falls)
    before.measures.add(falls)
    chart = measure_queries.chart_for(falls)
    [marker] = chart.markers
    assert marker.label == "PDSA 2: Hourly rounding" and marker.ref == inside.pk
    assert 12 < marker.position < 13  # between Dec 2025 (point 12) and Jan 2026
    assert chart.unplaced == ["PDSA 1: Audit (started 1 Jun 2024) began before the first "
                              "point."]
    svg = chart.svg()
    assert "PDSA 2: Hourly rounding" in svg


# --- phase splits ----------------------------------------------------------------------------


def test_a_phase_split_needs_a_reason_and_is_audited_with_it(falls, lead, lead_client):
    add_points(falls, SHIFT, [1000] * len(SHIFT))
    response = lead_client.post(url(falls, "split/"), {"after_period": "2025-12-01",
                                                       "reason": "  "})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not PhaseSplit.objects.exists()

    response = lead_client.post(url(falls, "split/"), {"after_period": "2025-12-01",
                                                       "reason": "Hourly rounding began"})
    assert response.status_code == 302
    split = PhaseSplit.objects.get()
    assert split.reason == "Hourly rounding began" and split.created_by == lead
    entry = AuditEntry.objects.get(object_type="measures.PhaseSplit",
                                   action=AuditEntry.Action.CREATE)
    assert entry.actor == lead
    assert entry.changes["reason"] == {"from": None, "to": "Hourly rounding began"}
    assert entry.changes["after_period"]["to"] == "2025-12-01"
    body = lead_client.get(url(falls)).content.decode()
    assert "Hourly rounding began" in body

    lead_client.post(url(falls, f"splits/{split.pk}/remove/"))
    assert not PhaseSplit.objects.exists()
    removed = AuditEntry.objects.get(object_type="measures.PhaseSplit",
                                     action=AuditEntry.Action.DELETE)
    assert removed.changes["reason"]["from"] == "Hourly rounding began"


def test_a_split_must_leave_points_on_both_sides(falls, owner):
    add_points(falls, SHIFT[:3], [1000] * 3)
    with pytest.raises(ValidationError) as err:
        measures.split_phase(measure=falls, after_period=month(2), reason="x", by=owner)
    assert "at least one point after" in err.value.message_dict["after_period"][0]
    with pytest.raises(ValidationError) as err:
        measures.split_phase(measure=falls, after_period=dt.date(2030, 1, 1), reason="x",
                             by=owner)
    assert "has data" in err.value.message_dict["after_period"][0]
    measures.split_phase(measure=falls, after_period=month(0), reason="x", by=owner)
    with pytest.raises(ValidationError) as err:
        measures.split_phase(measure=falls, after_period=month(0), reason="y", by=owner)
    assert "already has a new phase" in err.value.message_dict["after_period"][0]


# --- who may do what -------------------------------------------------------------------------


def test_members_read_and_only_leads_and_the_initiatives_team_write(org, falls, member):
    add_points(falls, SHIFT[:3], [1000] * 3)
    data = {"period": "2025-06-01", "numerator": "2", "denominator": "1000"}
    reader = client_for(member)
    assert reader.get(url(falls)).status_code == 200
    assert "Enter a period" not in reader.get(url(falls)).content.decode()
    assert reader.post(url(falls, "data/"), data).status_code == 403
    assert reader.get(f"/o/{org.slug}/measures/new/").status_code == 403
    assert reader.get(url(falls, "edit/")).status_code == 403

    initiative = Initiative.objects.create(organization=org, title="Fewer falls")
    initiative.team.add(member)
    falls.initiatives.add(initiative)
    teammate = client_for(member)  # a new request: roles and teams are read afresh
    assert teammate.post(url(falls, "data/"), data).status_code == 302
    assert DataPoint.objects.filter(measure=falls, period=dt.date(2025, 6, 1)).exists()

    executive = person(org, Role.EXECUTIVE_VIEWER)
    initiative.team.add(executive)
    assert client_for(executive).post(url(falls, "data/"), data).status_code == 403

    lead = client_for(person(org, Role.SAFETY_LEAD))
    assert lead.post(url(falls, "data/"), {**data, "period": "2025-07-01"}).status_code == 302
    assert lead.get(f"/o/{org.slug}/measures/new/").status_code == 200


def test_outsiders_get_404_everywhere(falls, outsider_client, other_org):
    add_points(falls, SHIFT[:3], [1000] * 3)
    split = PhaseSplit.objects.create(measure=falls, organization=falls.organization,
                                      after_period=month(0), reason="secret reason")
    for path in ("", "edit/", "chart.svg"):
        assert outsider_client.get(url(falls, path)).status_code == 404
    for path in ("data/", "import/", "split/", f"splits/{split.pk}/remove/"):
        assert outsider_client.post(url(falls, path), {"reason": "x"}).status_code == 404
    # Their own organization's slug with our measure's id: 404 too.
    own = f"/o/{other_org.slug}/measures/{falls.pk}/"
    assert outsider_client.get(own).status_code == 404
    assert PhaseSplit.objects.count() == 1 and DataPoint.objects.count() == 3


# --- pages -----------------------------------------------------------------------------------


def test_data_entry_form_saves_and_shows_errors_in_the_page(falls, owner_client):
    response = owner_client.post(url(falls, "data/"), {"period": "2025-01-01",
                                                       "numerator": "3",
                                                       "denominator": "-5"})
    assert response.status_code == 422
    assert "Must be a number ≥ 0." in response.content.decode()
    assert not DataPoint.objects.exists()
    response = owner_client.post(url(falls, "data/"), {"period": "2025-01-01",
                                                       "numerator": "3",
                                                       "denominator": "950"}, follow=True)
    assert "Added the point of Jan 2025." in response.content.decode()
    response = owner_client.post(url(falls, "data/"), {"remove": "2025-01-01"}, follow=True)
    assert "Removed the point of Jan 2025." in response.content.decode()
    assert not DataPoint.objects.exists()


def test_the_measure_page_shows_the_chart_its_signals_and_the_data(falls, owner_client):
    add_points(falls, SHIFT, [1000] * len(SHIFT))
    body = owner_client.get(url(falls)).content.decode()
    assert 'role="img"' in body and "<svg" in body
    assert "points in a row below the centre line" in body
    assert "Special cause: deterioration" in body
    assert "Oct 2026" in body  # the data table
    svg = owner_client.get(url(falls, "chart.svg"))
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert svg.content.decode().startswith("<svg")


def test_creating_a_measure_by_form_and_from_the_library(org, owner_client):
    response = owner_client.post(f"/o/{org.slug}/measures/new/", {
        "name": "Hand hygiene", "type": "process", "numerator": "Moments with hygiene",
        "denominator": "", "multiplier": "100", "frequency": "month",
        "direction": "increase", "chart": "p", "screened_mr": "on"})
    assert response.status_code == 422
    assert "needs a denominator" in response.content.decode()
    response = owner_client.post(f"/o/{org.slug}/measures/new/",
                                 {"library_key": "hand-hygiene"})
    measure = Measure.objects.get()
    assert response["Location"] == f"/o/{org.slug}/measures/{measure.pk}/"
    assert measure.definition_source.startswith("World Health Organization")
    page = owner_client.get(f"/o/{org.slug}/measures/new/").content.decode()
    assert "SafetyHub's own definition" in page
    assert "NHSN" in page


def test_editing_a_measure(falls, owner_client):
    form = owner_client.get(url(falls, "edit/"))
    assert form.status_code == 200
    data = {"name": "Falls (all wards)", "type": "outcome", "numerator": "Falls",
            "denominator": "Patient days", "unit": "per 1,000 patient days",
            "multiplier": "1000", "frequency": "month", "direction": "decrease",
            "goal": "2.5", "chart": "u", "screened_mr": "on"}
    assert owner_client.post(url(falls, "edit/"), data).status_code == 302
    falls.refresh_from_db()
    assert (falls.name, falls.goal) == ("Falls (all wards)", 2.5)


def test_the_list_costs_the_same_queries_for_1_and_3_measures(org, owner, owner_client):
    def count() -> int:
        return count_queries(owner_client, f"/o/{org.slug}/measures/")

    first = make_measure(org, by=owner)
    add_points(first, SHIFT, [1000] * len(SHIFT))
    one = count()
    for name in ("Pressure injuries", "CLABSI"):
        m = make_measure(org, by=owner, name=name)
        add_points(m, SHIFT, [1000] * len(SHIFT))
        initiative = Initiative.objects.create(organization=org, title=name)
        m.initiatives.add(initiative)
        cycle = PdsaCycle.objects.create(initiative=initiative, organization=org, number=1,
                                         change="x", started_on=month(5))
        cycle.measures.add(m)
    three = count()
    assert one == three
    body = owner_client.get(f"/o/{org.slug}/measures/").content.decode()
    assert len(re.findall(r'<tr id="measure-', body)) == 3


def test_the_pdf_uses_the_same_svg_as_an_image_with_the_words_as_alt_text(falls):
    from django.template.loader import render_to_string

    add_points(falls, SHIFT, [1000] * len(SHIFT))
    chart = measure_queries.chart_for(falls)
    html = render_to_string("measures/chart_figure.html", {"chart": chart, "print": True})
    assert f'src="{chart.data_uri}"' in html
    assert "data:image/svg+xml;base64," in html
    assert "points in a row below the centre line" in html  # the alt text
    web = render_to_string("measures/chart_figure.html", {"chart": chart,
                                                             "svg": chart.svg()})
    assert "<svg" in web and chart.svg() in web


def test_every_chart_option_says_in_one_line_what_it_does():
    from safetyhub.measures.views import DataPointForm, MeasureForm, SplitForm

    options = {
        MeasureForm: ["type", "frequency", "direction", "multiplier", "goal", "chart",
                      "screened_mr", "freeze_after"],
        DataPointForm: ["period", "excluded"],
        SplitForm: ["after_period", "reason"],
    }
    for form, names in options.items():
        for name in names:
            explanation = form.base_fields[name].help_text
            assert explanation and len(explanation) < 200, (form.__name__, name)
