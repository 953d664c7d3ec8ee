"""A measure of the improvement work counting its numerator from event reports: the right
numbers per month (filters by category, harm at least, unit), per 1,000 patient days for a
U chart, zero months as 0, kept up to date at every reading (a new report, a
reclassification), no hand-entered data, bad filters refused with the field."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from safetyhub.events.dashboard import month_range
from safetyhub.events.demo import bulk_reports
from safetyhub.events.event_measures import create_event_measure, harm_levels_at_least
from safetyhub.events.models import EventCountSource, EventReport, PatientDays
from safetyhub.events.taxonomy import active_taxonomy_pack, taxonomy_of
from safetyhub.measures import services as measure_services
from safetyhub.measures.models import DataPoint
from safetyhub.measures.queries import chart_for, measures_for
from tests.conftest import client_for
from tests.factories import SiteFactory


def _month(k: int) -> dt.date:
    return month_range(k)[0]


@pytest.fixture
def west(org):
    return SiteFactory(organization=org, name="4 West", kind="unit")


@pytest.fixture
def falls(org, west):
    icu = SiteFactory(organization=org, name="ICU", kind="unit")
    rows = []
    # 3 months ago: 2 harmful falls on 4 West, 1 no-harm fall, 1 harmful fall on ICU
    for harm in ("moderate", "severe", "none"):
        rows.append({"occurred_at": _month(3) + dt.timedelta(days=2), "category": "fall",
                     "site": west, "harm_level": harm})
    rows.append({"occurred_at": _month(3) + dt.timedelta(days=2), "category": "fall",
                 "site": icu, "harm_level": "death"})
    # last month: 1 harmful fall on 4 West, a harmful medication event on 4 West
    rows.append({"occurred_at": _month(1) + dt.timedelta(days=5), "category": "fall",
                 "site": west, "harm_level": "mild"})
    rows.append({"occurred_at": _month(1) + dt.timedelta(days=5), "category": "medication",
                 "site": west, "harm_level": "severe"})
    # this month (still under way): not counted
    rows.append({"occurred_at": dt.date.today().replace(day=1), "category": "fall",
                 "site": west, "harm_level": "severe"})
    bulk_reports(organization=org, rows=rows)


def test_harm_at_least_follows_the_scales_order(org):
    taxonomy = taxonomy_of(active_taxonomy_pack(organization=org))
    assert harm_levels_at_least(taxonomy, "mild") == ["death", "severe", "moderate", "mild"]
    assert harm_levels_at_least(taxonomy, "wf-restricted")[0] == "wf-death"
    assert harm_levels_at_least(taxonomy, "nonsense") == []


def test_falls_with_harm_on_a_unit_per_month(org, owner, west, falls):
    measure = create_event_measure(organization=org, by=owner, name="Falls with harm, 4 West",
                                   category="fall", harm_at_least="mild", site=west,
                                   since=_month(4))
    chart = chart_for(measure)
    points = [(p.period, p.numerator) for p in chart.points]
    assert points == [(_month(4), 0), (_month(3), 2), (_month(2), 0), (_month(1), 1)]
    assert chart.error is None and chart.records is not None
    assert "Fall" in measure.numerator and "4 West" in measure.numerator
    assert not DataPoint.objects.filter(measure=measure).exists()  # nothing stored


def test_u_chart_divides_by_patient_days_and_misses_months_without(org, owner, west, falls):
    PatientDays.objects.create(organization=org, site=west, month=_month(3), days=500)
    PatientDays.objects.create(organization=org, site=west, month=_month(1), days=250)
    measure = create_event_measure(organization=org, by=owner, name="Falls per 1,000",
                                   category="fall", site=west, chart="u", since=_month(3))
    assert measure.multiplier == 1000 and measure.denominator
    chart = chart_for(measure)
    rows = [(p.numerator, p.denominator) for p in chart.points]
    assert rows == [(3, 500), (None, None), (1, 250)]
    plotted = [r.y for r in chart.records]
    assert plotted[0] == pytest.approx(6.0) and plotted[2] == pytest.approx(4.0)
    assert plotted[1] is None


def test_chart_keeps_itself_up_to_date(org, owner, west, falls):
    measure = create_event_measure(organization=org, by=owner, name="Falls, 4 West",
                                   category="fall", site=west, since=_month(1))
    assert [p.numerator for p in chart_for(measure).points] == [1]
    bulk_reports(organization=org, rows=[{"occurred_at": _month(1) + dt.timedelta(days=9),
                                          "category": "fall", "site": west}])
    # a reviewer reclassifies last month's medication event as a fall
    EventReport.objects.filter(organization=org, category="medication").update(category="fall")
    measure = measures_for(organization=org).get(pk=measure.pk)
    assert [p.numerator for p in chart_for(measure).points] == [3]


def test_a_counted_measure_takes_no_hand_entered_data(org, owner, west, falls):
    measure = create_event_measure(organization=org, by=owner, name="Falls", category="fall",
                                   since=_month(2))
    with pytest.raises(ValidationError) as exc:
        measure_services.save_data_point(measure=measure, period=_month(2), numerator=5,
                                         by=owner)
    assert "computed" in str(exc.value.message_dict["numerator"])
    with pytest.raises(ValidationError):
        measure_services.import_data(measure=measure, file_name="x.csv",
                                     content=b"period,numerator\n2025-01-01,3\n", by=owner)
    assert not DataPoint.objects.filter(measure=measure).exists()
    page = client_for(owner).get(reverse("measures:measure", args=[org.slug, measure.pk]))
    text = page.content.decode()
    assert "Computed whenever this page is read" in text
    assert "Enter a period" not in text


def test_bad_filters_are_refused_with_the_field(org, owner, other_org):
    foreign = SiteFactory(organization=other_org)
    with pytest.raises(ValidationError) as exc:
        create_event_measure(organization=org, by=owner, name="", category="nonsense",
                             harm_at_least="unknown", site=foreign,
                             since=dt.date.today() + dt.timedelta(days=40), chart="p",
                             frequency="event")
    errors = exc.value.message_dict
    assert set(errors) >= {"name", "category", "harm_at_least", "site", "since", "chart",
                           "frequency"}
    assert not EventCountSource.objects.exists()


def test_a_counted_measure_costs_the_list_one_query(org, owner, west, falls):
    """Each counted chart is one GROUP BY (counted when read); finding which measures are
    counted costs nothing per measure (selected with the measures)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(owner)
    url = reverse("measures:list", args=[org.slug])
    client.get(url)

    def queries(n):
        for k in range(n):
            create_event_measure(organization=org, by=owner, name=f"Falls {n} {k}",
                                 category="fall", since=_month(3))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = queries(1)  # 1 counted measure
    assert queries(3) == one + 3  # 4 counted measures


def test_form_makes_a_counted_measure_and_changes_what_it_counts(org, owner, west, falls,
                                                                 executive):
    client = client_for(owner)
    url = reverse("events:event_measure_new", args=[org.slug])
    assert client.get(url, {"category": "fall", "site": west.pk}).status_code == 200
    response = client.post(url, {"name": "Falls on 4 West", "category": "fall",
                                 "harm_at_least": "", "site": west.pk, "kind": "",
                                 "event_type": "", "chart": "c", "direction": "decrease",
                                 "since": _month(3).strftime("%Y-%m")})
    assert response.status_code == 302
    source = EventCountSource.objects.get(measure__name="Falls on 4 West")
    edit = reverse("events:event_measure_edit", args=[org.slug, source.measure_id])
    assert client_for(executive).get(edit).status_code == 403
    response = client.post(edit, {"category": "medication", "site": west.pk,
                                  "since": _month(3).strftime("%Y-%m")})
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.category == "medication"
    measure = measures_for(organization=org).get(pk=source.measure_id)
    assert [p.numerator for p in chart_for(measure).points] == [0, 0, 1]
    bad = client.post(edit, {"category": "nope", "since": "soon"})
    assert bad.status_code == 422
    source.refresh_from_db()
    assert source.category == "medication"
