"""Equity tables: harm by a patient characteristic, small cells suppressed with their
complements on the page and in the CSV; the threshold is the organization's (leads set it,
others may not; bad values are refused with the field)."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from safetyhub.events.dashboard import month_range
from safetyhub.events.demo import bulk_reports
from safetyhub.events.models import AggregateSettings
from safetyhub.events.strata import stratum_table
from safetyhub.events.taxonomy import active_taxonomy_pack, taxonomy_of
from tests.conftest import client_for


@pytest.fixture
def taxonomy(org):
    return taxonomy_of(active_taxonomy_pack(organization=org))


@pytest.fixture
def reports(org):
    when = month_range(1)[0] + dt.timedelta(days=3)
    rows = ([{"patient_age_band": "65-84", "harm_level": "none"}] * 30
            + [{"patient_age_band": "65-84", "harm_level": "mild"}] * 20
            + [{"patient_age_band": "18-44", "harm_level": "none"}] * 25
            + [{"patient_age_band": "18-44", "harm_level": "mild"}] * 3  # small: suppressed
            + [{"patient_race_ethnicity": ["asian", "white"], "harm_level": "none"}] * 12
            + [{"patient_race_ethnicity": ["black"], "harm_level": "none"}] * 15)
    bulk_reports(organization=org, rows=[{"occurred_at": when, "category": "fall", **r}
                                         for r in rows])


def test_stratum_table_suppresses_small_cells_and_their_complements(org, reports, taxonomy):
    first, last = month_range(12)
    table = stratum_table(organization=org, stratum="age", first=first, last=last,
                          taxonomy=taxonomy)
    assert table.columns[:2] == ["Mild harm", "No harm"]  # the harm scale's order
    rows = dict(zip(table.rows, table.table.cells, strict=True))
    assert rows["18 to 44"][0] is None  # 3 mild: suppressed
    # 18–44's other cell and total would give the 3 away: suppressed too
    totals = dict(zip(table.rows, table.table.row_totals, strict=True))
    assert rows["18 to 44"][1] is None or totals["18 to 44"] is None
    assert table.table.complementary >= 1
    shown = [v for row in table.table.cells for v in row if v is not None]
    assert 3 not in shown


def test_race_with_several_categories_counts_once_as_more_than_one(org, reports, taxonomy):
    first, last = month_range(12)
    table = stratum_table(organization=org, stratum="race", first=first, last=last,
                          taxonomy=taxonomy, threshold=1)
    rows = dict(zip(table.rows, table.table.row_totals, strict=True))
    assert rows["More than one"] == 12
    assert rows["Black or African American"] == 15
    assert "Asian" not in rows and "White" not in rows
    assert rows["Not recorded"] == 78
    assert table.table.total == 105  # every report once


def test_threshold_is_the_organizations(org, reports, taxonomy):
    AggregateSettings.objects.create(organization=org, min_cell_size=2)
    first, last = month_range(12)
    table = stratum_table(organization=org, stratum="age", first=first, last=last,
                          taxonomy=taxonomy)
    assert table.table.suppressed == 0
    assert dict(zip(table.rows, table.table.cells, strict=True))["18 to 44"][0] == 3


def test_equity_page_and_csv_show_no_small_count(org, reports, executive):
    client = client_for(executive)
    url = reverse("events:equity", args=[org.slug])
    page = client.get(url, {"stratum": "age"}).content.decode()
    assert "suppressed" in page
    assert ">3<" not in page
    response = client.get(url, {"stratum": "age", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][0] == "Age band"
    body = {r[0]: r[1:] for r in rows[2:]}
    assert "suppressed" in body["18 to 44"]
    assert "3" not in body["18 to 44"]


def test_lead_sets_the_threshold_others_may_not(org, reports, safety_lead, executive):
    url = reverse("events:equity_settings", args=[org.slug])
    assert client_for(executive).post(url, {"min_cell_size": 5}).status_code == 403
    lead = client_for(safety_lead)
    response = lead.post(url, {"min_cell_size": 0})
    assert response.status_code == 422
    assert "min_cell_size" in response.content.decode()
    assert not AggregateSettings.objects.filter(organization=org).exists()
    assert lead.post(url, {"min_cell_size": 5}).status_code == 302
    assert AggregateSettings.objects.get(organization=org).min_cell_size == 5
