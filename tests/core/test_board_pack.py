"""The board pack: sections registered by the apps, the lead's summary and key measures,
the PDF made in the background, and who may write, generate and read it."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from safetyhub.core import board_pack, services
from safetyhub.core.models import AuditEntry, BoardPack, Role
from safetyhub.core.pdf import ChartPainter
from safetyhub.improvement import services as plan
from safetyhub.measures import services as measures
from tests.assessments.test_reports import CONSENSUS, build_cycle
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory

SUMMARY = "We ask the board to fund two falls-prevention nurses for the winter."
TODAY = dt.date.today()


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    return text.replace("- ", "-")  # a line broken after a hyphen


@pytest.fixture
def falls(org, owner):
    """A monthly measure whose last eight months sit far above the first twelve: a shift."""
    measure = measures.create_measure(
        organization=org, by=owner, name="Inpatient falls", type="outcome",
        numerator="falls", direction="decrease", chart="run", unit="falls")
    for month in range(20):
        measures.save_data_point(measure=measure, period=dt.date(2025 + month // 12,
                                                                  month % 12 + 1, 1),
                                 numerator=4 + (month % 3) + (6 if month >= 12 else 0),
                                 by=owner)
    return measure


@pytest.fixture
def plan_items(org, owner):
    late = plan.create_initiative(organization=org, by=owner, title="Hourly rounding on 4 West",
                                  owner=owner, status="active",
                                  due_on=TODAY - dt.timedelta(days=30))
    plan.create_initiative(organization=org, by=owner, title="Bed alarms in the ICU",
                           owner=owner, status="proposed", due_on=TODAY + dt.timedelta(days=60))
    return late


@pytest.fixture
def assessment(org, owner, member, db):
    from safetyhub.frameworks.models import Pack

    return build_cycle(org=org, lead=owner, member=member,
                       pack=Pack.objects.get(organization=None, pack_id="safetyhub-sa"),
                       consensus=CONSENSUS, opens_on=dt.date(2026, 3, 2),
                       title="Spring 2026 self-assessment")


@pytest.fixture
def pack(org, owner, falls):
    return services.create_board_pack(
        organization=org, title="Board pack, Q3", period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 9, 30), summary=SUMMARY, key_measures=[falls.pk], by=owner)


def url(name, pack):
    return reverse(name, args=[pack.organization.slug, pack.pk])


def role_client(org, role):
    return client_for(MembershipFactory(organization=org, role=role, user=UserFactory()).user)


def test_generated_pdf_holds_summary_priorities_plan_and_a_measures_reading(
        owner_client, pack, assessment, plan_items, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url("board_pack_generate", pack))
    assert response.status_code == 302
    pack.refresh_from_db()
    assert pack.status == BoardPack.Status.READY and pack.pdf_pages >= 2

    response = owner_client.get(url("board_pack_pdf", pack))
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(b"".join(response.streaming_content))
    assert SUMMARY in text
    assert "Self-assessment, March 2026 2.35 of 4" in text  # a headline beside the summary
    # The lowest-scored element (Workforce Safety's first, agreed "Not started") leads.
    assert "Priorities, lowest score first" in text
    assert "3.1 Patient harm and workforce harm are managed in one safety system" in text
    assert "2 initiatives: 1 proposed, 1 active. 1 overdue" in text
    assert "Hourly rounding on 4 West" in text and "(overdue)" in text
    assert "Initiatives overdue 1 of 2 open" in text
    # The measure's one-line reading in plain words, from the SPC engine's explanations.
    assert "Inpatient falls Latest (Aug 2026): 11 falls. Special cause: deterioration" in text
    assert "{'text'" not in text
    # Licence, method and cautions once, in the appendix.
    assert text.count("not for ranking or comparing organizations") == 1
    assert "How to read the charts" in text
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW,
                                     object_type="core.BoardPack").count() == 1


def test_page_shows_the_sections_and_polls_while_the_pdf_is_made(owner_client, pack, falls,
                                                                  plan_items):
    html = owner_client.get(url("board_pack", pack)).content.decode()
    assert SUMMARY in html and "Hourly rounding on 4 West" in html and "<svg" in html
    assert "hx-trigger" not in html  # nothing to wait for yet
    BoardPack.objects.filter(pk=pack.pk).update(status=BoardPack.Status.QUEUED)
    status = owner_client.get(url("board_pack_status", pack)).content.decode()
    assert 'hx-trigger="every 2s"' in status and "Waiting for the worker" in status


def test_generation_failure_is_shown_and_can_be_retried(owner_client, pack, monkeypatch,
                                                        django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise RuntimeError("WeasyPrint fell over")

    monkeypatch.setattr(board_pack, "render_pdf", broken)  # a third-party failure
    with django_capture_on_commit_callbacks(execute=True):  # the worker logs the error
        services.request_board_pack(board_pack=pack)
    pack.refresh_from_db()
    assert pack.status == BoardPack.Status.FAILED and "could not be made" in pack.error
    assert "Generate the PDF" in owner_client.get(url("board_pack_status", pack)).content.decode()


def test_lead_writes_the_summary_and_picks_key_measures(org, pack, falls):
    lead = role_client(org, Role.SAFETY_LEAD)
    response = lead.post(url("board_pack_edit", pack), {
        "title": "Board pack, Q3 2026", "period_start": "2026-07-01", "period_end": "2026-09-30",
        "summary": "New words.", "key_measures": [falls.pk], "schedule": "quarter"})
    assert response.status_code == 302
    pack.refresh_from_db()
    assert (pack.summary, pack.schedule, pack.key_measures) == ("New words.", "quarter",
                                                                [falls.pk])


@pytest.mark.parametrize("change, field", [
    ({"period_end": "2026-06-01"}, "period_end"),
    ({"key_measures": ["foreign"]}, "key_measures"),
    ({"title": ""}, "title"),
])
def test_bad_input_names_the_field_and_changes_nothing(owner_client, pack, other_org, owner,
                                                      change, field):
    foreign = measures.create_measure(organization=other_org, by=owner, name="Theirs",
                                      type="outcome", numerator="n", direction="decrease")
    data = {"title": "Changed", "period_start": "2026-07-01", "period_end": "2026-09-30",
            "summary": "Changed", "key_measures": [], "schedule": ""}
    data.update({k: ([foreign.pk] if v == ["foreign"] else v) for k, v in change.items()})
    response = owner_client.post(url("board_pack_edit", pack), data)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    pack.refresh_from_db()
    assert pack.summary == SUMMARY and pack.title == "Board pack, Q3"


def test_more_than_six_key_measures_are_refused(org, owner, pack):
    many = [measures.create_measure(organization=org, by=owner, name=f"M{n}", type="process",
                                    numerator="n", direction="increase").pk for n in range(7)]
    with pytest.raises(Exception) as exc:
        services.update_board_pack(board_pack=pack, title="x", period_start=pack.period_start,
                                   period_end=pack.period_end, summary="", key_measures=many,
                                   schedule="")
    assert "at most 6" in str(exc.value.message_dict["key_measures"])


def test_who_may_write_generate_and_read(org, pack, member_client):
    executive = role_client(org, Role.EXECUTIVE_VIEWER)
    assert executive.get(url("board_pack", pack)).status_code == 200
    assert executive.get(reverse("board_packs", args=[org.slug])).status_code == 200
    assert executive.post(url("board_pack_generate", pack)).status_code == 403
    assert executive.post(url("board_pack_edit", pack), {"title": "x"}).status_code == 403
    assert executive.post(reverse("board_packs", args=[org.slug]),
                          {"title": "x"}).status_code == 403
    # An assessor works on her own part; the board's picture is for leads and executives.
    assert member_client.get(url("board_pack", pack)).status_code == 403
    assert member_client.get(reverse("board_packs", args=[org.slug])).status_code == 403
    pack.refresh_from_db()
    assert pack.status == BoardPack.Status.DRAFT and pack.title == "Board pack, Q3"


@pytest.mark.parametrize("name", ["board_pack", "board_pack_status", "board_pack_pdf",
                                  "board_pack_generate", "board_pack_edit"])
def test_outsider_gets_404(outsider_client, pack, name):
    call = outsider_client.post if name in ("board_pack_generate", "board_pack_edit") else (
        outsider_client.get)
    assert call(url(name, pack)).status_code == 404


def test_lead_makes_a_pack_from_the_list(org, owner_client, falls):
    response = owner_client.post(reverse("board_packs", args=[org.slug]), {
        "title": "Board pack, October", "period_start": "2026-10-01",
        "period_end": "2026-10-31", "summary": SUMMARY, "key_measures": [falls.pk],
        "schedule": ""})
    made = BoardPack.objects.get(organization=org)
    assert response.status_code == 302 and made.summary == SUMMARY
    assert "Board pack, October" in owner_client.get(
        reverse("board_packs", args=[org.slug])).content.decode()


def test_registered_sections_come_in_order_and_empty_ones_are_left_out(org, pack):
    calls = []

    def later(*, organization, period, options):
        calls.append(period.label)
        return {"appendix": [("How to read the charts", "twice")], "headlines": [("X", "1")]}

    board_pack.register_section("zz_later", title="Later", order=99, build=later,
                                template="core/board_pack/summary.html")
    board_pack.register_section("zz_empty", title="Empty", order=98,
                                build=lambda **kw: None, template="missing.html")
    try:
        with ChartPainter() as painter:
            built = board_pack.build_pack(
                organization=org, period=board_pack.period_of(pack),
                options=board_pack.Options(board_pack=pack, painter=painter, today=TODAY))
    finally:
        board_pack._sections.pop("zz_later")
        board_pack._sections.pop("zz_empty")
    keys = [b.section.key for b in built.sections]
    assert keys[0] == "summary" and keys[-1] == "zz_later" and "zz_empty" not in keys
    assert calls == ["Q3 2026"]
    assert [t for t, _ in built.appendix].count("How to read the charts") == 1
    assert ("X", "1") in built.headlines


def test_last_full_period():
    assert board_pack.last_full_period(schedule="quarter", today=dt.date(2026, 11, 3)) == (
        board_pack.Period(dt.date(2026, 7, 1), dt.date(2026, 9, 30)))
    assert board_pack.last_full_period(schedule="month", today=dt.date(2026, 1, 1)) == (
        board_pack.Period(dt.date(2025, 12, 1), dt.date(2025, 12, 31)))


def test_scheduled_pack_is_made_once_per_period_and_mailed_to_executives(org, pack, falls,
                                                                          mailoutbox):
    from django.core import mail

    executive = MembershipFactory(organization=org, role=Role.EXECUTIVE_VIEWER,
                                  user=UserFactory(email="exec@example.org")).user
    pack.schedule = "quarter"
    pack.save()
    # The worker's daily jobs make it (noon: after DAILY_JOBS_HOUR), the next day nothing new.
    from django.utils import timezone

    from safetyhub.core import daily_jobs

    for day in (2, 3):
        noon = timezone.make_aware(dt.datetime(2027, 1, day, 12))
        assert "core.board_packs" in daily_jobs.run_due_jobs(now=noon)
    [new] = BoardPack.objects.filter(organization=org, schedule="")
    assert new.title == "Board pack, Q4 2026"
    assert (new.period_start, new.period_end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert new.summary == SUMMARY and new.key_measures == [falls.pk]
    assert new.status == BoardPack.Status.READY and new.schedule == ""
    [sent] = [m for m in mail.outbox if new.title in m.subject]  # other jobs mail too
    assert sent.to == [executive.email]
    assert url("board_pack", new) in sent.body


def test_a_new_organizations_pack_holds_the_summary_alone(org, owner, owner_client):
    """Nothing assessed, planned or measured yet: the sections with nothing to say are left
    out rather than printed empty."""
    pack = services.create_board_pack(
        organization=org, title="First pack", period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31), summary=SUMMARY, by=owner)
    html = owner_client.get(url("board_pack", pack)).content.decode()
    assert SUMMARY in html
    for title in ("Self-assessment: headline", "Action plan: status", "Key measures</h2>",
                  "Appendix"):
        assert title not in html


def test_list_reads_the_same_number_of_queries_for_one_and_three_packs(org, owner,
                                                                       owner_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(reverse("board_packs", args=[org.slug])).status_code == 200
        return len(captured)

    def make(n):
        services.create_board_pack(organization=org, title=f"Pack {n}", by=owner,
                                   period_start=dt.date(2026, n, 1),
                                   period_end=dt.date(2026, n, 28))

    make(1)
    queries_for_list()  # warm the per-process caches
    one = queries_for_list()
    make(2), make(3)
    assert queries_for_list() == one


def test_a_pack_whose_worker_was_lost_can_be_generated_again(owner_client, pack,
                                                             django_capture_on_commit_callbacks):
    from django.utils import timezone

    BoardPack.objects.filter(pk=pack.pk).update(status=BoardPack.Status.RUNNING)
    services.request_board_pack(board_pack=pack)  # still being made: not queued twice
    assert BoardPack.objects.get(pk=pack.pk).status == BoardPack.Status.RUNNING
    BoardPack.objects.filter(pk=pack.pk).update(
        updated_at=timezone.now() - BoardPack.STALE_AFTER - dt.timedelta(minutes=1))
    status = owner_client.get(url("board_pack_status", pack)).content.decode()
    assert "worker stopped" in status and "hx-trigger" not in status
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url("board_pack_generate", pack))
    assert BoardPack.objects.get(pk=pack.pk).status == BoardPack.Status.READY


def test_the_priorities_the_team_chose_replace_the_lowest_scored(owner_client, owner, pack,
                                                                  assessment):
    from safetyhub.assessments import services as assessment_services
    from safetyhub.frameworks.models import PackItem

    item = PackItem.objects.filter(pack=assessment.pack, kind=PackItem.Kind.ITEM).last()
    assessment_services.choose_priority(
        assessment=assessment, item=item, reason="Falls at night keep rising on 4 West.",
        effort="medium", impact="high", by=owner)
    html = owner_client.get(url("board_pack", pack)).content.decode()
    assert "The priorities the team chose on Spring 2026 self-assessment" in html
    assert "Falls at night keep rising on 4 West." in html and "High" in html
    assert "Priorities, lowest score first" not in html
