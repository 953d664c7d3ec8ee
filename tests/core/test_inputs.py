"""Numbers, ids, dates and text are bounded and checked everywhere (core/inputs.py): each bad
value is a 4xx naming the field, in the pages and the API, and changes nothing."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from safetyhub.assessments import services as assessments
from safetyhub.core import services as core_services
from safetyhub.core.inputs import text_problem
from safetyhub.core.models import Organization, Site
from safetyhub.frameworks.models import Pack
from safetyhub.measures import services as measures
from safetyhub.measures.models import DataPoint, Measure

from ..factories import SiteFactory

HUGE = 10**20
MEASURE = {"name": "Falls", "type": "outcome", "numerator": "Falls",
           "denominator": "Patient days", "unit": "per 1,000 patient days",
           "multiplier": 1000, "direction": "decrease", "chart": "u"}


def api_client(user) -> Client:
    _token, secret = core_services.create_api_token(user=user, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


@pytest.fixture
def falls(org, owner):
    return measures.create_measure(organization=org, by=owner, **MEASURE)


def fields(response) -> list[str]:
    assert response.status_code == 422, response.content[:500]
    return [error["field"] for error in response.json()["detail"]]


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("goal", [1e308, -1e13])
def test_a_goal_beyond_a_trillion_is_refused_in_the_api_the_page_and_the_service(
        org, owner, owner_client, goal):
    api = api_client(owner)
    response = api.post(f"/api/v1/orgs/{org.slug}/measures", {**MEASURE, "goal": goal},
                        content_type="application/json")
    assert fields(response) == ["goal"]
    page = owner_client.post(f"/o/{org.slug}/measures/new/", {
        **MEASURE, "frequency": "month", "goal": repr(goal)})
    assert page.status_code == 422
    assert "Must be between -1,000,000,000,000 and 1,000,000,000,000." in page.content.decode()
    with pytest.raises(ValidationError) as err:
        measures.create_measure(organization=org, by=owner, **MEASURE, goal=goal)
    assert list(err.value.message_dict) == ["goal"]
    assert not Measure.objects.exists()


def test_data_values_beyond_a_trillion_are_refused_and_the_chart_stays_finite(falls, owner):
    api = api_client(owner)
    points = f"/api/v1/orgs/{falls.organization.slug}/measures/{falls.pk}/points"
    response = api.post(points, {"period": "2025-01-01", "numerator": 1e308,
                                 "denominator": 1e308}, content_type="application/json")
    assert fields(response) == ["numerator", "denominator"]
    with pytest.raises(ValidationError):
        measures.save_data_point(measure=falls, period=dt.date(2025, 1, 1), numerator=1e200,
                                 denominator=1e300, by=owner)
    assert not DataPoint.objects.exists()
    # the largest values accepted still make a chart that strict JSON can carry
    for month in range(1, 13):
        measures.save_data_point(measure=falls, period=dt.date(2025, month, 1),
                                 numerator=1e12 if month % 2 else 1, denominator=1e12, by=owner)
    chart = api.get(f"/api/v1/orgs/{falls.organization.slug}/measures/{falls.pk}/chart")
    assert chart.status_code == 200

    def no_constants(name):
        raise AssertionError(f"{name} in the answer")
    json.loads(chart.content, parse_constant=no_constants)


# --- ids, paging and dates -------------------------------------------------------------------


def test_ids_beyond_a_bigint_are_not_found_or_refused_never_a_server_error(
        falls, owner, owner_client):
    org = falls.organization
    api = api_client(owner)
    assert api.get(f"/api/v1/orgs/{org.slug}/measures/{HUGE}").status_code == 404
    assert owner_client.get(f"/o/{org.slug}/measures/{HUGE}/").status_code == 404
    response = api.patch(f"/api/v1/orgs/{org.slug}/measures/{falls.pk}",
                         {"initiative_ids": [HUGE]}, content_type="application/json")
    assert fields(response) == ["initiative_ids.0"]
    response = api.post(f"/api/v1/orgs/{org.slug}/sites", {"name": "Ward", "parent_id": HUGE},
                        content_type="application/json")
    assert fields(response) == ["parent_id"]


@pytest.mark.parametrize("query", [f"limit={HUGE}", f"offset={HUGE}", "limit=0",
                                   "since=9999-12-31", "until=0001-01-01"])
def test_audit_paging_and_dates_are_bounded(org, owner, query):
    response = api_client(owner).get(f"/api/v1/orgs/{org.slug}/audit?{query}")
    assert fields(response) == [query.split("=")[0]]


def test_a_window_of_a_trillion_days_is_refused_not_overflowed(org, owner, member):
    pack = Pack.objects.get(organization=None, pack_id="safetyhub-sa")
    response = api_client(owner).post(f"/api/v1/orgs/{org.slug}/assessments", {
        "title": "Baseline", "pack_id": "safetyhub-sa", "window_days": 10**12},
        content_type="application/json")
    assert fields(response) == ["window_days"]
    with pytest.raises(ValidationError) as err:
        assessments.start_assessment(organization=org, pack=pack, title="Baseline",
                                     mode="independent", lead=owner, team=[member], by=owner,
                                     window_days=10**12)
    assert list(err.value.message_dict) == ["window_days"]
    with pytest.raises(ValidationError) as err:
        assessments.start_assessment(organization=org, pack=pack, title="Baseline",
                                     mode="independent", lead=owner, team=[member], by=owner,
                                     opens_on=dt.date(9999, 12, 1))
    assert list(err.value.message_dict) == ["opens_on"]


def test_far_dates_are_refused_in_the_api(falls, owner):
    api = api_client(owner)
    base = f"/api/v1/orgs/{falls.organization.slug}"
    response = api.post(f"{base}/measures/{falls.pk}/points",
                        {"period": "9999-12-31", "numerator": 1, "denominator": 10},
                        content_type="application/json")
    assert fields(response) == ["period"]
    response = api.post(f"{base}/initiatives", {"title": "Rounds", "due_on": "1066-10-14"},
                        content_type="application/json")
    assert fields(response) == ["due_on"]


# --- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "single", "problem"), [
    ("Riverside General", True, None),
    ("two\nlines", False, None),
    ("tab\tand\r\nbreak", False, None),
    ("two\nlines", True, "Must be a single line (no line breaks)."),
    ("line\u2028separator", True, "Must be a single line (no line breaks)."),
    ("nul\x00byte", False, "Contains a control character (U+0000); remove it."),
    ("bell\x07", False, "Contains a control character (U+0007); remove it."),
    ("tab\there", True, "Contains a control character (U+0009); remove it."),
    ("del\x7f", True, "Contains a control character (U+007F); remove it."),
])
def test_the_one_text_rule(value, single, problem):
    assert text_problem(value, single_line=single) == problem


def test_an_organization_name_with_a_line_break_is_refused(org, owner_client):
    # a name with a newline once silently stopped every invitation mail (a header injection
    # the mail library refused)
    response = owner_client.post(f"/o/{org.slug}/settings/",
                                 {"name": "Riverside\nBcc: everyone@example.org"})
    assert response.status_code == 422
    assert "Must be a single line (no line breaks)." in response.content.decode()
    with pytest.raises(ValidationError) as err:
        core_services.update_organization(organization=org, name="Riverside\r\nGeneral",
                                          require_two_factor=False)
    assert err.value.message_dict == {"name": ["Must be a single line (no line breaks)."]}
    assert Organization.objects.get(pk=org.pk).name == "Riverside General"


def test_a_nul_byte_is_refused_in_a_json_body_a_query_and_a_form(org, owner, owner_client):
    api = api_client(owner)
    response = api.post(f"/api/v1/orgs/{org.slug}/sites", {"name": "Ward\x00 4"},
                        content_type="application/json")
    assert fields(response) == ["name"]
    assert fields(api.get(f"/api/v1/orgs/{org.slug}/search?q=falls%00")) == ["q"]
    assert owner_client.get(f"/o/{org.slug}/audit/?actor=x%00").status_code == 400
    # a form shows it on the field and keeps the rest of what was typed
    page = owner_client.post(f"/o/{org.slug}/sites/", {"name": "Ward\x0b4", "kind": "unit"})
    assert page.status_code == 422
    assert "Contains a control character (U+000B); remove it." in page.content.decode()
    assert not Site.objects.filter(name__startswith="Ward").exists()


def test_a_multi_line_text_keeps_its_line_breaks(falls, owner):
    site = SiteFactory(organization=falls.organization)
    site.name = "Ward 4"
    site.save()  # a plain save of good values is untouched by the guard
    cycle_api = api_client(owner)
    response = cycle_api.post(f"/api/v1/orgs/{falls.organization.slug}/initiatives",
                              {"title": "Rounds", "description": "Why:\n- falls\n- harm"},
                              content_type="application/json")
    assert response.status_code == 201
    assert response.json()["description"] == "Why:\n- falls\n- harm"
