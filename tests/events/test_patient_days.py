"""Patient days: entered one month at a time or imported (CSV/XLSX, all rows or none), by
patient-safety leads and admins only; bad input is refused naming the field or the row."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from safetyhub.events.models import PatientDays
from safetyhub.events.patient_days import import_patient_days, save_patient_days
from tests.conftest import client_for
from tests.factories import SiteFactory


@pytest.fixture
def west(org):
    return SiteFactory(organization=org, name="4 West", kind="unit")


def test_save_and_change_a_month(org, owner, west):
    row, created = save_patient_days(organization=org, site=west, month=dt.date(2025, 3, 17),
                                     days=812, by=owner)
    assert created and row.month == dt.date(2025, 3, 1)
    row, created = save_patient_days(organization=org, site=west, month=dt.date(2025, 3, 1),
                                     days=820, by=owner)
    assert not created and PatientDays.objects.get().days == 820


def test_bad_values_are_refused_with_the_field(org, owner, west, other_org):
    foreign = SiteFactory(organization=other_org)
    with pytest.raises(ValidationError) as exc:
        save_patient_days(organization=org, site=foreign, month=dt.date(2099, 1, 1), days=-1,
                          by=owner)
    assert set(exc.value.message_dict) == {"site", "month", "days"}
    with pytest.raises(ValidationError) as exc:
        save_patient_days(organization=org, site=west, month=dt.date(2025, 1, 1), days=2.5,
                          by=owner)
    assert "whole number" in exc.value.message_dict["days"][0]
    assert not PatientDays.objects.exists()


def test_import_all_rows_or_none(org, owner, west):
    icu = SiteFactory(organization=org, name="Intensive Care Unit", kind="unit")
    good = b"Unit,Month,Patient days\n4 West,2025-01,800\nintensive care unit,2025-01,410\n"
    result = import_patient_days(organization=org, file_name="days.csv", content=good,
                                 by=owner)
    assert (result.added, result.updated) == (2, 0)
    assert PatientDays.objects.get(site=icu).days == 410
    bad = (b"unit,month,patient days\n4 West,2025-02,800\nNowhere,2025-02,5\n"
           b"4 West,2025-13,1\n4 West,2025-03,lots\n4 West,2025-02,9\n")
    with pytest.raises(ValidationError) as exc:
        import_patient_days(organization=org, file_name="days.csv", content=bad, by=owner)
    messages = exc.value.message_dict["file"]
    assert messages[0].startswith("Nothing was imported: 4 problems")
    assert any("row 3, column unit" in m and "Nowhere" in m for m in messages)
    assert any("row 4, column month" in m for m in messages)
    assert any("row 5, column patient days" in m for m in messages)
    assert any("row 6" in m and "also on row 2" in m for m in messages)
    assert PatientDays.objects.count() == 2
    with pytest.raises(ValidationError) as exc:
        import_patient_days(organization=org, file_name="days.csv", content=b"ward,when\n",
                            by=owner)
    assert any("month" in m for m in exc.value.message_dict["file"])


def test_pages_enter_and_import_for_leads_only(org, owner, west, executive):
    url = reverse("events:patient_days", args=[org.slug])
    lead = client_for(owner)
    assert lead.post(url, {"site": west.pk, "month": "2025-04", "days": "700"}).status_code \
        == 302
    assert PatientDays.objects.get().days == 700
    response = lead.post(url, {"site": west.pk, "month": "2025-04", "days": "-5"})
    assert response.status_code == 422
    assert PatientDays.objects.get().days == 700
    exec_client = client_for(executive)
    assert exec_client.get(url).status_code == 200  # reads the grid
    assert exec_client.post(url, {"site": west.pk, "month": "2025-04",
                                  "days": "1"}).status_code == 403
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("d.csv", b"unit,month,patient days\n4 West,2025-05,650\n")
    imp = reverse("events:patient_days_import", args=[org.slug])
    assert exec_client.post(imp, {"file": upload}).status_code == 403
    upload.seek(0)
    assert lead.post(imp, {"file": upload}).status_code == 302
    assert PatientDays.objects.count() == 2
