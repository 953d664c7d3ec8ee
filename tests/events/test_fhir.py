"""FHIR R4 AdverseEvent export and import (events/fhir.py, api_fhir.py) and the CSV export of
the reviewers' list: every mapped field survives export → import (a property test over the
taxonomy's valid choices), bad resources are refused naming the FHIR path, what could identify
a person is never exported, and only reviewers reach any of it."""

import copy
import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetyhub.core.models import AuditEntry
from safetyhub.events import fhir
from safetyhub.events.models import EventReport
from safetyhub.events.taxonomy import KINDS, active_taxonomy_pack, taxonomy_of
from tests.conftest import client_for
from tests.factories import SiteFactory, organization_that_joined, submit_event

MAPPED = ("kind", "event_type", "category", "occurred_at", "site_id", "narrative",
          "harm_level", "medication_error_category", "people_involved", "immediate_actions",
          "contributing_factors", "answers", "reported_by")


def export_url(org, report) -> str:
    return f"/api/v1/orgs/{org.slug}/events/{report.pk}/fhir"


def import_url(org) -> str:
    return f"/api/v1/orgs/{org.slug}/events/fhir"


def _import(client, org, resource):
    return client.post(import_url(org), resource, content_type="application/json")


@pytest.fixture
def report(org, staff):
    site = SiteFactory(organization=org, name="Ward 4B")
    return submit_event(organization=org, reporter=staff, site_id=site.pk,
                        category="medication", harm_level="moderate",
                        answers={"stage": "administering", "ncc-merp": "E",
                                 "medicine": "Heparin"},
                        contributing_factors=["staffing", "look-alike"],
                        people_involved=["nurse", "patient"],
                        immediate_actions="Stopped the infusion.",
                        patient={"patient_age_band": "85+", "patient_sex": "female",
                                 "patient_race_ethnicity": ["asian"],
                                 "patient_language": "vi"}).report


# --- export ------------------------------------------------------------------------------------


def test_the_export_is_a_valid_adverse_event_with_the_mapped_fields(org, reviewer, report):
    response = client_for(reviewer).get(export_url(org, report))
    assert response.status_code == 200, response.content
    resource = response.json()
    from fhir.resources.R4B.adverseevent import AdverseEvent

    AdverseEvent.model_validate({k: v for k, v in resource.items() if k != "resourceType"})
    assert resource["resourceType"] == "AdverseEvent"
    assert resource["identifier"] == {"system": fhir.IDENTIFIER_SYSTEM,
                                      "value": report.reference}
    assert resource["actuality"] == "actual"
    assert resource["event"]["coding"][0]["code"] == "medication"
    assert resource["event"]["coding"][0]["system"] == fhir.system("event-taxonomy",
                                                                   "categories")
    assert resource["event"]["coding"][0]["display"] == "Medication or Other Substance"
    assert resource["location"] == {"display": "Ward 4B"}
    severity = {c["system"]: c["code"] for c in resource["severity"]["coding"]}
    assert severity == {fhir.system("event-taxonomy", "harm-scale"): "moderate",
                        fhir.SEVERITY: "moderate"}
    assert resource["seriousness"]["coding"][0]["code"] == "non-serious"
    merp = [e for e in resource["extension"] if e["url"] == fhir.EXT_MERP]
    assert merp[0]["valueCodeableConcept"]["coding"][0]["code"] == "E"
    factors = [e["valueCodeableConcept"]["coding"][0]["code"] for e in resource["extension"]
               if e["url"] == fhir.EXT_FACTOR]
    assert factors == ["staffing", "look-alike"]
    assert dt.datetime.fromisoformat(resource["date"]) == report.occurred_at
    assert dt.datetime.fromisoformat(resource["recordedDate"]) == report.created_at
    # Opening a report by exporting it is audited like any other opening.
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW, object_id=str(report.pk),
                                     actor_id=reviewer.pk).exists()


def _strings(value):
    """Every string in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_the_export_never_carries_the_reporter_or_patient_characteristics(org, reviewer,
                                                                          staff, report):
    resource = client_for(reviewer).get(export_url(org, report)).json()
    text = str(resource)
    assert staff.email not in text
    # Compared with each value, not the text: a timestamp's digits can read "…85+00:00".
    values = set(_strings(resource))
    assert not values & {"85+", "asian", "female"}
    assert not any("asian" in v.lower() or "female" in v.lower() for v in values)
    assert set(resource) & {"recorder", "contributor", "subjectMedicalHistory"} == set()
    assert resource["subject"] == {"extension": [{"url": fhir.DATA_ABSENT,
                                                  "valueCode": "masked"}]}
    assert str(report.site_id) not in str(resource.get("location"))  # a name, not an id


def test_a_near_miss_is_potential_and_a_death_is_serious_and_fatal(org, staff):
    near = submit_event(organization=org, reporter=staff, event_type="near-miss",
                        harm_level="").report
    assert fhir.report_to_adverse_event(near)["actuality"] == "potential"
    death = submit_event(organization=org, reporter=staff, harm_level="death").report
    resource = fhir.report_to_adverse_event(death)
    assert resource["seriousness"]["coding"][0]["code"] == "serious"
    assert resource["outcome"]["coding"][0]["code"] == "fatal"


def test_the_reporter_outsiders_and_other_members_are_answered_404(org, staff, executive,
                                                                   report):
    from safetyhub.core.models import Role
    from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

    other = OrganizationFactory(slug="elsewhere")
    outsider = MembershipFactory(organization=other, role=Role.EVENT_REVIEWER,
                                 user=UserFactory(email="out@example.org")).user
    for person in (staff, executive, outsider):  # staff is the report's named reporter
        response = client_for(person).get(export_url(org, report))
        assert response.status_code == 404, person.email
    # a reviewer elsewhere asking for this report through their own organization: 404 too
    response = client_for(outsider).get(f"/api/v1/orgs/elsewhere/events/{report.pk}/fhir")
    assert response.status_code == 404


# --- import ------------------------------------------------------------------------------------


def test_an_export_imports_as_a_new_report_with_the_same_fields_once(org, reviewer, report):
    client = client_for(reviewer)
    resource = client.get(export_url(org, report)).json()
    first = _import(client, org, resource)
    assert first.status_code == 201, first.json()
    again = _import(client, org, resource)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert EventReport.objects.count() == 2
    imported = EventReport.objects.get(pk=first.json()["id"])
    for name in MAPPED:
        assert getattr(imported, name) == getattr(report, name), name
    assert imported.channel == "api" and imported.reporter == reviewer
    assert imported.reference != report.reference
    assert imported.patient_age_band == ""  # never exported, so never imported


def _resource(report) -> dict:
    return copy.deepcopy(fhir.report_to_adverse_event(report))


def _drop_subject(r):
    r.pop("subject")


def _bad_event_system(r):
    r["event"]["coding"][0]["system"] = "http://example.org/other"


def _unknown_category(r):
    r["event"]["coding"][0]["code"] = "unicorn"


def _no_identifier(r):
    r.pop("identifier")


def _unknown_unit(r):
    r["location"] = {"display": "Nowhere ward"}


def _bad_date(r):
    r["date"] = "2025-13-01"


def _bad_actuality(r):
    r["actuality"] = "perhaps"


def _actual_near_miss(r):
    r["category"][0]["coding"][0]["code"] = "near-miss"


def _not_an_adverse_event(r):
    r["resourceType"] = "Patient"


def _future(r):
    r["date"] = (timezone.now() + dt.timedelta(days=3)).isoformat()


def _no_narrative(r):
    r["extension"] = [e for e in r["extension"] if e["url"] != fhir.EXT_NARRATIVE]


def _bad_factor(r):
    assert len(r["extension"]) == 10  # so the bad one is extension.10
    r["extension"].append({"url": fhir.EXT_FACTOR, "valueCodeableConcept": {"text": "tired"}})


@pytest.mark.parametrize(("spoil", "path"), [
    (_drop_subject, "subject"),
    (_bad_event_system, "event.coding"),
    (_unknown_category, "category"),
    (_no_identifier, "identifier.value"),
    (_unknown_unit, "location.display"),
    (_bad_date, "date"),
    (_bad_actuality, "actuality"),
    (_actual_near_miss, "actuality"),
    (_not_an_adverse_event, "resourceType"),
    (_future, "occurred_at"),
    (_no_narrative, "extension"),
    (_bad_factor, "extension.10.valueCodeableConcept"),
])
def test_a_bad_resource_is_refused_naming_its_path_and_nothing_is_stored(org, reviewer,
                                                                         report, spoil, path):
    resource = _resource(report)
    spoil(resource)
    response = _import(client_for(reviewer), org, resource)
    assert response.status_code == 422, response.content
    fields = [d["field"] for d in response.json()["detail"]]
    assert path in fields, fields
    assert EventReport.objects.count() == 1


@pytest.mark.parametrize("body", [[], "text", 5, {}])
def test_a_body_that_is_not_a_resource_is_refused(org, reviewer, body):
    response = _import(client_for(reviewer), org, body)
    # A JSON scalar is refused by the API's body parser (400, as for every endpoint).
    assert response.status_code == (400 if isinstance(body, str) else 422)
    assert not EventReport.objects.exists()


def test_only_reviewers_import_and_outsiders_learn_nothing(org, staff, report):
    from tests.factories import OrganizationFactory

    resource = _resource(report)
    assert _import(client_for(staff), org, resource).status_code == 403
    other = OrganizationFactory(slug="elsewhere")
    response = client_for(staff).post(import_url(other), resource,
                                      content_type="application/json")
    assert response.status_code == 404
    assert EventReport.objects.count() == 1


def test_a_reclassified_report_exports_and_imports_as_the_reviewers_classified_it(
        org, reviewer, staff, report):
    from safetyhub.events import triage

    triage.reclassify(report=report, by=reviewer, event_type="incident",
                      category="medication", harm_level="severe",
                      medication_error_category="G", reason="Pharmacy review")
    fall = submit_event(organization=org, reporter=staff).report  # answers {"injury": ...}
    triage.reclassify(report=fall, by=reviewer, event_type="incident", category="other",
                      harm_level="mild", reason="Not a fall")
    client = client_for(reviewer)
    for source, merp in ((report, "G"), (fall, "")):
        source.refresh_from_db()
        resource = client.get(export_url(org, source)).json()
        response = _import(client, org, resource)
        assert response.status_code == 201, response.json()
        imported = EventReport.objects.get(pk=response.json()["id"])
        assert (imported.category, imported.harm_level) == (source.category,
                                                            source.harm_level)
        assert imported.medication_error_category == merp
    # The fall's answers were to a fall's questions: not exported once it is "other".
    assert imported.answers == {}


# --- the property: export → import keeps every mapped field -------------------------------------


def _answer(question) -> st.SearchStrategy:
    keys = sorted(question.values)
    if question.type == "yes-no":
        return st.sampled_from(["yes", "no"])
    if question.type == "multi":
        return st.lists(st.sampled_from(keys), min_size=1, max_size=len(keys), unique=True)
    if question.type == "text":
        return _words(60)
    return st.sampled_from(keys)


def _words(size: int) -> st.SearchStrategy:
    return (st.text(st.characters(categories=("L", "N", "P", "Zs"), exclude_characters="\x00"),
                    min_size=1, max_size=size)
            .map(str.strip).filter(bool))


@st.composite
def report_values(draw, taxonomy, sites, earliest, span):
    kind = draw(st.sampled_from(sorted(KINDS)))
    category = draw(st.sampled_from([o.key for o in taxonomy.categories(kind)]))
    event_type = draw(st.sampled_from(sorted(taxonomy.keys("event-types"))))
    harms = [o.key for o in taxonomy.harm_levels(kind)]
    harm = draw(st.sampled_from(harms) if event_type == "incident"
                else st.sampled_from(["", *harms]))
    answers = {}
    for question in taxonomy.questions_for(category):
        if question.required or draw(st.booleans()):
            answers[question.id] = draw(_answer(question))
    occurred = earliest + dt.timedelta(seconds=draw(st.integers(3600, span)),
                                       microseconds=draw(st.integers(0, 999_999)))
    return {
        "kind": kind, "event_type": event_type, "category": category,
        "occurred_at": occurred, "harm_level": harm, "answers": answers,
        "site_id": draw(st.sampled_from(sites)),
        "narrative": draw(_words(300)),
        "immediate_actions": draw(st.one_of(st.just(""), _words(100))),
        "people_involved": draw(st.lists(st.sampled_from(sorted(taxonomy.keys("people-roles"))),
                                         unique=True, max_size=4)),
        "contributing_factors": draw(st.lists(
            st.sampled_from(sorted(taxonomy.keys("contributing-factors"))), unique=True,
            max_size=4)),
        "reported_by": draw(st.sampled_from(EventReport.ReportedBy.values))
        if kind == "workforce" else "",
    }


def test_export_then_import_round_trips_every_mapped_field(org, staff):
    import json

    pack = active_taxonomy_pack(organization=org)
    taxonomy = taxonomy_of(pack)
    sites = [None, SiteFactory(organization=org, name="ICU").pk,
             SiteFactory(organization=org, name="Émergency — night").pk]
    earliest = org.created_at + dt.timedelta(days=1)
    span = int((timezone.now() - earliest).total_seconds()) - 7200  # fixed: a stable strategy

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(values=report_values(taxonomy, sites, earliest, span))
    def check(values):
        report = submit_event(organization=org, reporter=staff, channel="staff",
                              **values).report
        resource = json.loads(json.dumps(fhir.report_to_adverse_event(report)))
        fields = fhir.adverse_event_to_report_fields(resource, taxonomy=taxonomy,
                                                     pack_id=pack.pack_id, organization=org)
        fields.pop("client_key")
        assert fields["occurred_at"] == report.occurred_at
        for name, value in fields.items():
            assert value == getattr(report, name), name
        imported = fhir.import_adverse_event(organization=org, resource=resource,
                                             user=staff).report
        for name in MAPPED:
            assert getattr(imported, name) == getattr(report, name), name

    check()


# --- CSV export of the reviewers' list ---------------------------------------------------------


def test_the_csv_export_is_spreadsheet_safe_audited_and_the_reviewers_only(
        org, reviewer, staff, report):
    formula = SiteFactory(organization=org, name='=HYPERLINK("http://evil.example","x")')
    submit_event(organization=org, reporter=staff, site_id=formula.pk,
                 narrative="Secret narrative text")
    url = f"/o/{org.slug}/events/export.csv"
    response = client_for(reviewer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "reference" and len(rows) == 3
    units = {row[9] for row in rows[1:]}
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in units and "Ward 4B" in units
    assert "Secret narrative" not in body and staff.email not in body
    assert AuditEntry.objects.filter(object_repr="Event reports exported as CSV",
                                     actor_id=reviewer.pk).count() == 1
    assert client_for(staff).get(url).status_code == 403
    from safetyhub.core.models import Role
    from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

    outsider = MembershipFactory(organization=OrganizationFactory(slug="elsewhere"),
                                 role=Role.EVENT_REVIEWER,
                                 user=UserFactory(email="out@example.org")).user
    assert client_for(outsider).get(url).status_code == 404
    assert AuditEntry.objects.filter(object_repr="Event reports exported as CSV").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_imports_of_one_resource_make_one_report():
    import threading

    from django.db import connections

    from safetyhub.core.models import Role
    from tests.factories import MembershipFactory

    org = organization_that_joined(days_ago=30)
    person = MembershipFactory(organization=org, role=Role.EVENT_REVIEWER).user
    source = submit_event(organization=org, reporter=person).report
    resource = fhir.report_to_adverse_event(source)
    resource["identifier"] = {"system": "urn:example:other-system", "value": "INC-42"}
    barrier = threading.Barrier(2)
    results, problems = [], []

    def go():
        barrier.wait()
        try:
            results.append(fhir.import_adverse_event(organization=org, resource=resource,
                                                     user=person))
        except Exception as exc:  # reported below
            problems.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems
    assert EventReport.objects.filter(organization=org).count() == 2  # the source + one
    assert sorted(r.created for r in results) == [False, True]
    assert len({r.report.pk for r in results}) == 1
