"""Throttles: the helper itself, password-reset mails per account and per address, reports
rendered at once per organization, and wrong invitation links per address."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from safetyhub.assessments import services as assessment_services
from safetyhub.assessments.models import Assessment
from safetyhub.core import services, throttle
from safetyhub.frameworks.models import Pack

from ..factories import UserFactory

# --- the helper -----------------------------------------------------------------------------


def test_hit_counts_within_a_window_and_starts_again_after_it(db, monkeypatch):
    now = time.time() // 60 * 60 + 40  # 40 s into a minute
    monkeypatch.setattr(throttle.time, "time", lambda: now)
    counts = [throttle.hit("k", limit=2, window=60) for _ in range(3)]
    assert [(c.count, c.exceeded) for c in counts] == [(1, False), (2, False), (3, True)]
    assert counts[0].retry_after == 20
    assert throttle.blocked("k", limit=3, window=60).count == 3
    assert throttle.blocked("other", limit=3, window=60) is None
    now += 60
    assert throttle.blocked("k", limit=3, window=60) is None
    assert throttle.hit("k", limit=2, window=60).count == 1


def test_a_count_lasts_as_long_as_its_window_however_long_between_hits(db, monkeypatch):
    """The database cache's incr would store the count for its default five minutes only."""
    now = time.time() // 3600 * 3600 + 10
    monkeypatch.setattr(throttle.time, "time", lambda: now)
    throttle.hit("slow", limit=5, window=3600)
    throttle.hit("slow", limit=5, window=3600)
    now += 20 * 60  # twenty quiet minutes, same window
    assert throttle.hit("slow", limit=5, window=3600).count == 3


def test_concurrent_refuses_beyond_the_limit_and_frees_a_slot_however_the_block_ends(db):
    with throttle.concurrent("c", limit=1, timeout=60, message="busy"):
        with (pytest.raises(throttle.Throttled, match="busy") as refused,
              throttle.concurrent("c", limit=1, timeout=60, message="busy")):
            pass  # never entered
        assert refused.value.retry_after > 0
    with pytest.raises(RuntimeError), throttle.concurrent("c", limit=1, timeout=60, message=""):
        raise RuntimeError("the report failed")
    with throttle.concurrent("c", limit=1, timeout=60, message="busy"):
        pass  # free again


def test_hit_in_memory_counts_within_a_window_and_starts_again_after_it(monkeypatch):
    throttle.forget_memory()
    now = time.time() // 60 * 60 + 40
    monkeypatch.setattr(throttle.time, "time", lambda: now)
    counts = [throttle.hit_in_memory("m", limit=2, window=60) for _ in range(3)]
    assert [(c.count, c.exceeded) for c in counts] == [(1, False), (2, False), (3, True)]
    assert counts[0].retry_after == 20
    assert throttle.blocked_in_memory("m", limit=3, window=60).count == 3
    assert throttle.blocked_in_memory("other", limit=3, window=60) is None
    now += 60
    assert throttle.blocked_in_memory("m", limit=3, window=60) is None
    assert throttle.hit_in_memory("m", limit=2, window=60).count == 1


def test_hit_in_memory_writes_nothing_down_and_keeps_no_address_in_clear(db, monkeypatch):
    """The public page's promise: an address counted in memory is in no table (the cache is
    one), and not even in the process's own keys."""
    from django.db import connection

    throttle.forget_memory()
    address = "203.0.113.77"
    throttle.hit_in_memory(f"follow-up:{address}", limit=5, window=60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM safetyhub_cache")
        assert cursor.fetchone()[0] == 0
    assert throttle._memory and not any(address in key for key in throttle._memory)
    plain = throttle._key(f"follow-up:{address}")  # what the shared cache would have used
    assert not any(plain.removeprefix("throttle:") in key for key in throttle._memory)


def test_hit_in_memory_drops_expired_counts_when_it_grows(monkeypatch):
    throttle.forget_memory()
    monkeypatch.setattr(throttle, "MEMORY_PRUNE_AT", 3)
    now = time.time() // 60 * 60
    monkeypatch.setattr(throttle.time, "time", lambda: now)
    for number in range(3):
        throttle.hit_in_memory(f"a{number}", limit=1, window=60)
    now += 61
    throttle.hit_in_memory("fresh", limit=1, window=60)
    assert len(throttle._memory) == 1


# --- password reset -------------------------------------------------------------------------


def ask_reset(email: str, address: str):
    response = Client().post("/accounts/password-reset/", {"email": email},
                             REMOTE_ADDR=address)
    # Whatever the limits did, the answer is the one everybody gets.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    return response


def test_password_reset_mails_are_limited_per_account(member, settings, mailoutbox):
    settings.PASSWORD_RESET_MAILS_PER_ACCOUNT = 3
    for number in range(5):
        ask_reset(member.email, f"198.51.100.{number}")
    assert len(mailoutbox) == 3
    other = UserFactory(email="other@example.org")
    ask_reset(other.email, "198.51.100.9")
    assert mailoutbox[-1].to == [other.email]


def test_password_reset_requests_are_limited_per_address(db, settings, mailoutbox):
    settings.PASSWORD_RESET_REQUESTS_PER_ADDRESS = 4
    people = [UserFactory() for _ in range(6)]
    for person in people[:2]:
        ask_reset("nobody@example.org", "203.0.113.7")  # unknown addresses count too
        ask_reset(person.email, "203.0.113.7")
    for person in people[2:5]:
        ask_reset(person.email, "203.0.113.7")
    assert [m.to[0] for m in mailoutbox] == [people[0].email, people[1].email]
    ask_reset(people[5].email, "198.51.100.4")  # another address is not affected
    assert mailoutbox[-1].to == [people[5].email]


# --- reports --------------------------------------------------------------------------------


@pytest.fixture
def draft(org, owner, member):
    return assessment_services.start_assessment(
        organization=org, pack=Pack.objects.get(organization=None, pack_id="safetyhub-sa"),
        title="Spring", mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, lead=owner,
        team=[member], by=owner, opens_on=None)


def report_url(name: str, assessment) -> str:
    return reverse(f"assessments:{name}", args=[assessment.organization.slug, assessment.pk])


@pytest.mark.parametrize("name", ["report", "xlsx"])
def test_reports_rendered_at_once_are_limited_per_organization(owner_client, org, draft,
                                                               settings, name):
    settings.REPORTS_AT_ONCE_PER_ORGANIZATION = 2
    with throttle.report_slot(organization=org), throttle.report_slot(organization=org):
        busy = owner_client.get(report_url(name, draft))
        assert busy.status_code == 429
        assert int(busy["Retry-After"]) > 0
        assert "Riverside General already has 2 reports being prepared" in busy.content.decode()
    assert owner_client.get(report_url(name, draft)).status_code == 200  # slots given back


def test_another_organizations_reports_do_not_wait(owner_client, org, other_org, draft,
                                                   settings):
    settings.REPORTS_AT_ONCE_PER_ORGANIZATION = 1
    with throttle.report_slot(organization=other_org):
        assert owner_client.get(report_url("xlsx", draft)).status_code == 200


def test_pdf_report_waits_for_a_slot_too(owner_client, org, draft, settings):
    settings.REPORTS_AT_ONCE_PER_ORGANIZATION = 1
    with throttle.report_slot(organization=org):
        assert owner_client.get(report_url("report_pdf", draft)).status_code == 429


# --- invitations ----------------------------------------------------------------------------


def test_wrong_invitation_links_are_limited_per_address(org, owner, settings):
    settings.INVITATION_FAILURES_PER_ADDRESS = 3
    _, token = services.invite_member(organization=org, email="new@example.org",
                                      role="assessor", invited_by=owner)
    for number in range(3):
        response = Client().get(f"/invitations/guess-{number}/", REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 404
    stopped = Client().get(f"/invitations/{token}/", REMOTE_ADDR="203.0.113.7")
    assert stopped.status_code == 429
    assert 0 < int(stopped["Retry-After"]) <= 3600
    assert "Too many invitation links that do not work" in stopped.content.decode()
    # The invitee elsewhere is not affected, nor is a good link counted against anyone.
    for _ in range(4):
        assert Client().get(f"/invitations/{token}/",
                            REMOTE_ADDR="198.51.100.4").status_code == 200


def test_invitation_failures_start_again_after_the_hour(org, settings, monkeypatch):
    settings.INVITATION_FAILURES_PER_ADDRESS = 1
    Client().get("/invitations/guess/", REMOTE_ADDR="203.0.113.7")
    assert Client().get("/invitations/guess/", REMOTE_ADDR="203.0.113.7").status_code == 429
    later = time.time() + 3600
    monkeypatch.setattr(throttle.time, "time", lambda: later)
    assert Client().get("/invitations/guess/", REMOTE_ADDR="203.0.113.7").status_code == 404


