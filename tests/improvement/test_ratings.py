"""Progress ratings: the scale as data, rating a month (once per month, re-rating updates it,
audited), the initiative page (outsider 404, a reader cannot rate, bad input keeps what was
typed), the board's current rating, and the API."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from safetyhub.core.models import AuditEntry
from safetyhub.improvement import services_ratings as ratings
from safetyhub.improvement.models import ProgressRating

from .test_initiatives import detail_url, errors_of, make_initiative

TODAY = dt.date.today()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - dt.timedelta(days=1)).replace(day=1)
NEXT_MONTH = (THIS_MONTH + dt.timedelta(days=32)).replace(day=1)
API = "/api/v1/orgs"


@pytest.fixture
def initiative(org, owner):
    return make_initiative(org, owner, title="Leader rounds")


def rate_url(initiative) -> str:
    return detail_url(initiative) + "ratings/"


# --- the scale and the service -------------------------------------------------------------


def test_the_scale_has_ten_half_steps_with_ihi_names_and_our_paraphrase():
    scale = ratings.scale()
    assert [str(p.value) for p in scale.points] == [
        "0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"]
    assert scale.points[0].name == "Intent to participate"
    assert scale.points[-1].name == "Outstanding sustainable results"
    assert "IHI Assessment Scale for Collaboratives" in scale.source
    assert "SafetyHub's own paraphrase" in scale.descriptions_by


def test_rating_a_month_twice_updates_it_and_both_writes_are_audited(org, owner, initiative):
    first = ratings.rate_month(initiative=initiative, by=owner, month=LAST_MONTH.replace(day=17),
                               rating="2", note="Baseline")
    again = ratings.rate_month(initiative=initiative, by=owner, month=first.month,
                               rating="2.5", note="First PDSA")
    assert again.pk == first.pk
    row = ProgressRating.objects.get()
    assert (row.month.day, row.rating, row.note, row.rated_by, row.organization) == (
        1, Decimal("2.5"), "First PDSA", owner, org)
    entries = AuditEntry.objects.filter(object_type="improvement.ProgressRating",
                                        object_id=str(row.pk)).order_by("pk")
    assert [e.action for e in entries] == [AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE]
    assert entries[1].changes["rating"] == {"from": "2.0", "to": "2.5"}


@pytest.mark.parametrize(("fields", "field"), [
    ({"rating": "2.3"}, "rating"), ({"rating": "6"}, "rating"), ({"rating": "0"}, "rating"),
    ({"rating": "NaN"}, "rating"), ({"rating": "lots"}, "rating"),
    ({"month": "2026-13"}, "month"), ({"month": "soon"}, "month"),
    ({"month": NEXT_MONTH}, "month"), ({"note": "x" * 2001}, "note"),
])
def test_bad_ratings_are_refused_naming_the_field(owner, initiative, fields, field):
    fields = {"rating": "3", "month": THIS_MONTH, **fields}
    with pytest.raises(ValidationError) as exc:
        ratings.rate_month(initiative=initiative, by=owner, **fields)
    assert field in errors_of(exc)
    assert not ProgressRating.objects.exists()


def test_the_database_refuses_a_value_off_the_scale(org, owner, initiative):
    from django.db import IntegrityError, transaction
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressRating.objects.create(organization=org, initiative=initiative,
                                      month=THIS_MONTH, rating=Decimal("2.2"),
                                      rated_at=dt.datetime.now(dt.UTC))


def test_is_stale_when_this_month_is_not_rated(owner, initiative):
    assert ratings.is_stale(None)
    old = ratings.rate_month(initiative=initiative, by=owner, month=LAST_MONTH, rating="1")
    assert ratings.is_stale(old)
    assert not ratings.is_stale(ratings.rate_month(initiative=initiative, by=owner,
                                                   month=THIS_MONTH, rating="1.5"))


# --- pages ---------------------------------------------------------------------------------


def test_the_page_rates_a_month_and_shows_the_history_chart(org, owner_client, initiative):
    for month, value in [(LAST_MONTH, "1.5"), (THIS_MONTH, "2.5")]:
        response = owner_client.post(rate_url(initiative), {
            "month": f"{month:%Y-%m}", "rating": value, "note": "n"})
        assert response.status_code == 302
        assert response["Location"].endswith("#ratings")
    page = owner_client.get(detail_url(initiative)).content.decode()
    assert 'role="img"' in page and "<title>" in page
    assert f"{LAST_MONTH:%B %Y}" in page and f"{THIS_MONTH:%B %Y}" in page
    assert "Current rating: <strong>2.5</strong>" in page
    assert "SafetyHub&#x27;s own paraphrase" in page or "SafetyHub's own paraphrase" in page


def test_bad_input_keeps_what_was_typed_and_saves_nothing(owner_client, initiative):
    response = owner_client.post(rate_url(initiative), {
        "month": f"{NEXT_MONTH:%Y-%m}", "rating": "3.0", "note": "Hopeful"})
    assert response.status_code == 422
    form = response.context["rating_form"]
    assert "month" in form.errors
    page = response.content.decode()
    assert f'value="{NEXT_MONTH:%Y-%m}"' in page and "Hopeful" in page
    assert not ProgressRating.objects.exists()
    response = owner_client.post(rate_url(initiative), {"month": f"{LAST_MONTH:%Y-%m}",
                                                        "rating": "2.2"})
    assert response.status_code == 422 and "rating" in response.context["rating_form"].errors


def test_a_reader_sees_ratings_but_cannot_rate(owner, member_client, initiative):
    ratings.rate_month(initiative=initiative, by=owner, month=THIS_MONTH, rating="3")
    page = member_client.get(detail_url(initiative)).content.decode()
    assert "Current rating: <strong>3.0</strong>" in page
    assert 'name="rating"' not in page
    response = member_client.post(rate_url(initiative), {"month": f"{THIS_MONTH:%Y-%m}",
                                                         "rating": "5"})
    assert response.status_code == 403
    assert ProgressRating.objects.get().rating == Decimal("3.0")


def test_an_outsider_gets_404(outsider_client, initiative):
    response = outsider_client.post(rate_url(initiative), {"month": f"{THIS_MONTH:%Y-%m}",
                                                           "rating": "5"})
    assert response.status_code == 404
    assert outsider_client.get(detail_url(initiative)).status_code == 404
    assert not ProgressRating.objects.exists()


def test_the_board_shows_the_current_rating_or_not_rated_this_month(org, owner, owner_client):
    rated = make_initiative(org, owner, title="Rated now")
    stale = make_initiative(org, owner, title="Rated last month")
    make_initiative(org, owner, title="Never rated")
    ratings.rate_month(initiative=rated, by=owner, month=THIS_MONTH, rating="4")
    ratings.rate_month(initiative=stale, by=owner, month=LAST_MONTH, rating="2")
    page = owner_client.get(f"/o/{org.slug}/plan/board/").content.decode()
    card = {i.title: page.split(f'id="initiative-{i.pk}"')[1].split("</li>")[0]
            for i in (rated, stale)}
    assert "4.0" in card["Rated now"] and "not rated this month" not in card["Rated now"]
    assert "2.0" in card["Rated last month"]
    assert "not rated this month" in card["Rated last month"]
    assert page.count("not rated this month") == 2


# --- API -----------------------------------------------------------------------------------


def put(client, initiative, month, body):
    return client.put(f"{API}/{initiative.organization.slug}/initiatives/{initiative.pk}"
                      f"/ratings/{month}", data=json.dumps(body),
                      content_type="application/json")


def test_the_api_rates_and_lists(owner_client, member_client, initiative):
    response = put(owner_client, initiative, f"{LAST_MONTH:%Y-%m}", {"rating": "1.5"})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Planning for the project has begun"
    put(owner_client, initiative, f"{THIS_MONTH:%Y-%m}", {"rating": "2.0", "note": "Data in"})
    listed = member_client.get(
        f"{API}/{initiative.organization.slug}/initiatives/{initiative.pk}/ratings").json()
    assert [(r["month"], r["rating"]) for r in listed] == [
        (f"{LAST_MONTH:%Y-%m}", "1.5"), (f"{THIS_MONTH:%Y-%m}", "2.0")]


@pytest.mark.parametrize(("month", "body", "field"), [
    ("2026-13", {"rating": "2"}, "month"), (f"{NEXT_MONTH:%Y-%m}", {"rating": "2"}, "month"),
    (f"{LAST_MONTH:%Y-%m}", {"rating": "7"}, "rating"),
    (f"{LAST_MONTH:%Y-%m}", {}, "rating"),
])
def test_the_api_refuses_bad_input_naming_the_field(owner_client, initiative, month, body,
                                                    field):
    response = put(owner_client, initiative, month, body)
    assert response.status_code == 422
    assert field in json.dumps(response.json()["detail"])
    assert not ProgressRating.objects.exists()


def test_the_api_refuses_readers_and_outsiders(member_client, outsider_client, initiative):
    assert put(member_client, initiative, f"{THIS_MONTH:%Y-%m}",
               {"rating": "2"}).status_code == 403
    assert put(outsider_client, initiative, f"{THIS_MONTH:%Y-%m}",
               {"rating": "2"}).status_code == 404
    assert outsider_client.get(f"{API}/{initiative.organization.slug}/initiatives/"
                               f"{initiative.pk}/ratings").status_code == 404
    assert not ProgressRating.objects.exists()


def test_the_board_reads_ratings_in_one_query_whatever_the_number_of_cards(org, owner,
                                                                           owner_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_with(n: int) -> int:
        for k in range(n - ProgressRating.objects.count()):
            rated = make_initiative(org, owner, title=f"Rated {k}")
            ratings.rate_month(initiative=rated, by=owner, month=THIS_MONTH, rating="2")
        owner_client.get(f"/o/{org.slug}/plan/board/")  # the session's first-visit reads
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(f"/o/{org.slug}/plan/board/").status_code == 200
        return len(captured)

    assert queries_with(1) == queries_with(3)
