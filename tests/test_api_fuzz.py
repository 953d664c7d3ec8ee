"""Schemathesis over the whole OpenAPI schema of /api/v1/: every operation, called with an
organization admin's token on a seeded organization, with data generated from the schema
(valid and invalid), answers no 5xx, only documented status codes and content types, and
bodies that match their documented schemas.

Bounded in time: a few examples per operation and mode, no shrinking beyond what Hypothesis
does in its budget, the same examples on every run (derandomized), so the test is a check
in CI and not a search; search longer locally with FUZZ_EXAMPLES=200.
"""

import datetime as dt
import os
import time

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from safetyhub.assessments import services as assessments
from safetyhub.assessments.models import Assessment
from safetyhub.core import services as core_services
from safetyhub.core.models import Role
from safetyhub.frameworks.models import Pack, PackItem
from safetyhub.improvement import services as improvement
from safetyhub.measures import services as measures
from safetyhub.network import services as network_services

from .factories import MembershipFactory, SiteFactory, UserFactory, network_with

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
ONLY = os.environ.get("FUZZ_ONLY", "")  # e.g. FUZZ_ONLY=/priorities to walk matching paths
BUDGET_SECONDS = 180  # the whole walk takes ~30 s here; far slower means something went wrong


def not_a_server_error(ctx, response, case):  # named like schemathesis's own check
    if response.status_code >= 500:
        raise AssertionError(f"server error {response.status_code}: {response.text[:300]}")


@pytest.fixture
def seeded(org, owner):
    """An organization with one of everything the API reads and writes."""
    member = MembershipFactory(organization=org, role=Role.ASSESSOR, user=UserFactory()).user
    SiteFactory(organization=org)
    pack = Pack.objects.get(organization=None, pack_id="safetyhub-sa")
    item = pack.items.filter(kind=PackItem.Kind.ITEM).first()
    assessment = assessments.start_assessment(
        organization=org, pack=pack, title="Baseline", lead=owner, team=[member], by=owner,
        mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, opens_on=dt.date(2026, 1, 5))
    measure = measures.create_measure(
        organization=org, by=owner, name="Falls", type="outcome", numerator="Falls",
        denominator="Patient days", unit="per 1,000 patient days", multiplier=1000,
        direction="decrease", chart="u")
    for month in range(1, 13):
        measures.save_data_point(measure=measure, period=dt.date(2025, month, 1),
                                 numerator=month % 4, denominator=1000, by=owner)
    initiative = improvement.create_initiative(organization=org, by=owner, title="Fewer falls",
                                               owner=owner, team=[member])
    cycle = improvement.start_cycle(initiative=initiative, by=owner, change="Hourly rounds",
                                    measures=[measure])
    goal = _shared_goal(org, owner)
    network = goal.network
    invitation, _ = network_services.create_invitation(network=network, by=owner)
    _token, secret = core_services.create_api_token(user=owner, name="fuzz")
    membership = owner.memberships.get(organization=org)
    return {
        "headers": {"Authorization": f"Bearer {secret}"},
        "path": {"slug": org.slug, "assessment_id": assessment.pk, "item_key": item.key,
                 "initiative_id": initiative.pk, "cycle_id": cycle.pk,
                 "measure_id": measure.pk, "member_id": membership.pk,
                 "pack_id": pack.pack_id, "version": pack.version, "key": item.key,
                 "network_slug": network.slug, "goal_id": goal.pk,
                 "invitation_id": invitation.pk},
    }


def _shared_goal(org, owner):
    """A network the organization is in, led by its admin, with a shared goal it takes part
    in (values for three months)."""
    from safetyhub.network import goals

    network = network_with(org, lead=owner, slug="fuzz-network")
    goal = goals.create_goal(network=network, by=owner, title="Falls", numerator="Falls",
                             denominator="Patient days", chart="u", multiplier=1000,
                             direction="decrease", start_month=dt.date(2025, 1, 1))
    goals.take_part(goal=goal, organization=org, by=owner)
    for month in range(1, 4):
        goals.save_value(goal=goal, organization=org, month=dt.date(2025, month, 1),
                         numerator=month, denominator=1000, by=owner)
    return goal


def run_operation(operation, *, mode, path, headers) -> str | None:
    """Fuzz one operation; the first failure as text, or None."""
    names = {p.name for p in operation.path_parameters}
    strategy = operation.as_strategy(
        generation_mode=mode, path_parameters={k: v for k, v in path.items() if k in names})

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case):
        response = case.call(headers=headers)
        checks = [not_a_server_error]
        if mode == GenerationMode.POSITIVE or response.status_code < 400:
            checks += [status_code_conformance, content_type_conformance,
                       response_schema_conformance]
        else:
            checks += [status_code_conformance]
        case.validate_response(response, checks=checks, headers=headers)

    try:
        check()
    except BaseException as exc:  # one report per operation (a group of them); the walk goes on
        if isinstance(exc, KeyboardInterrupt):
            raise
        inner = getattr(exc, "exceptions", ())
        detail = "\n".join(str(e)[:1500] for e in inner) if inner else ""
        return f"{operation.label} [{mode.value}]: {str(exc)[:1500]}\n{detail}"
    return None


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler as schemathesis calls it, kept from closing the test's database
    connection at the end of each request (as Django's own test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_api_answers_every_generated_request_within_its_schema(seeded, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    started = time.monotonic()
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if ONLY not in operation.label:
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failure = run_operation(operation, mode=mode, path=seeded["path"],
                                    headers=seeded["headers"])
            if failure:
                failures.append(failure)
    elapsed = time.monotonic() - started
    assert operations >= (1 if ONLY else 40)
    assert not failures, "\n\n".join(failures)
    assert elapsed < BUDGET_SECONDS


def _schemas(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _schemas(sub)


def test_every_api_schema_has_its_own_name():
    # the OpenAPI components are keyed by class name: two `ItemRead`s made one of them
    # describe the other's answers
    from ninja import Schema

    from safetyhub.api import api

    api.get_openapi_schema()  # every router imported
    names = [s.__name__ for s in set(_schemas(Schema)) if s.__module__.startswith("safetyhub.")]
    assert sorted(n for n in names if names.count(n) > 1) == []


def test_every_operation_documents_its_error_answers():
    from safetyhub.api import api

    paths = api.get_openapi_schema()["paths"]
    me = paths["/api/v1/me"]["get"]["responses"]
    assert set(me) == {200, 401}
    update = paths["/api/v1/orgs/{slug}/measures/{measure_id}"]["patch"]["responses"]
    assert set(update) == {200, 400, 401, 403, 404, 422}
    assert update[422]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorRead"}
