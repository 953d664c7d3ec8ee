"""The investigation pages: who may open them (404 for those who may not see the event or
review, 403 for the wrong role), the forms' errors (422, the field named, nothing changed),
a stale page refused, the triage page's score and next step, and the list's query count."""

import datetime as dt

import pytest
from django.utils import timezone

from safetyhub.investigations import services
from safetyhub.investigations.models import CausalStatement, Review, ReviewMember, SacScore
from tests.conftest import client_for
from tests.factories import submit_event
from tests.queries import count_queries

from .conftest import STATEMENT, add_team


def url(org, tail: str = "") -> str:
    return f"/o/{org.slug}/investigations/{tail}"


def review_url(review, tail: str = "") -> str:
    return url(review.organization, f"reviews/{review.pk}/{tail}")


def test_the_triage_page_shows_the_score_and_the_next_step(event, reviewer, org):
    client = client_for(reviewer)
    triage = f"/o/{org.slug}/events/{event.pk}/triage/"
    page = client.get(triage).text
    assert "Not scored yet" in page and url(org, f"events/{event.pk}/score/") in page
    response = client.post(url(org, f"events/{event.pk}/score/"),
                           {"severity": "major", "probability": "frequent"})
    assert response.status_code == 302 and response["Location"].endswith("#sac")
    page = client.get(triage).text
    assert "SAC score <strong>3</strong>" in page and "Start an RCA²" in page
    response = client.post(url(org, f"events/{event.pk}/start/"), {"kind": "rca2"})
    review = Review.objects.get()
    assert response["Location"] == review_url(review)
    page = client.get(triage).text
    assert "Start an RCA²" not in page and review.title in page


def test_scoring_pages_refuse_the_wrong_people(event, org, staff, executive, outsider):
    own = submit_event(organization=org, reporter=staff).report
    score = url(org, f"events/{event.pk}/score/")
    assert client_for(executive).get(score).status_code == 404  # cannot see the event
    assert client_for(outsider).get(score).status_code == 404
    assert client_for(staff).get(url(org, f"events/{own.pk}/score/")).status_code == 403
    assert client_for(staff).post(url(org, f"events/{own.pk}/start/"),
                                  {"kind": "rca2"}).status_code == 403
    assert not SacScore.objects.exists() and not Review.objects.exists()


def test_a_bad_score_names_the_field_and_changes_nothing(event, reviewer, org):
    response = client_for(reviewer).post(url(org, f"events/{event.pk}/score/"),
                                         {"severity": "major"})
    assert response.status_code == 422
    assert "Nothing was saved" in response.text and "This field is required" in response.text
    assert not SacScore.objects.exists()


def test_the_review_page_opens_for_reviewers_and_leads_only(rca, reviewer, safety_lead,
                                                           executive, admin, staff, outsider):
    page = review_url(rca)
    assert client_for(reviewer).get(page).status_code == 200
    assert client_for(safety_lead).get(page).status_code == 200
    for person in (executive, admin, staff, outsider):
        assert client_for(person).get(page).status_code == 404
        assert client_for(person).post(page, {"action": "timeline"}).status_code == 404


def test_the_page_says_the_review_is_about_the_system_and_shows_the_clock(rca, reviewer):
    page = client_for(reviewer).get(review_url(rca)).text
    assert "about the system" in page and "No form here asks who is at fault" in page
    assert "to charter the review" in page and "72 hours" in page


def test_someone_involved_cannot_join_the_team_through_the_page(rca, reviewer):
    response = client_for(reviewer).post(review_url(rca), {
        "action": "member", "member-version": rca.version, "member-name": "Night nurse",
        "member-role": "expert", "member-directly_involved": "on"})
    assert response.status_code == 422
    assert "consulted, not a team member" in response.text
    assert not ReviewMember.objects.exists()


def test_chartering_through_the_page(rca, reviewer):
    client = client_for(reviewer)
    form = {"action": "charter", "charter-scope": "Falls at night",
            "charter-questions": "Why was the alarm off?",
            "charter-target_completion_on": (timezone.localdate()
                                             + dt.timedelta(days=30)).isoformat()}
    response = client.post(review_url(rca), {**form, "charter-version": rca.version})
    assert response.status_code == 422 and "4 to 6 members" in response.text
    add_team(rca, reviewer)
    rca.refresh_from_db()
    response = client.post(review_url(rca), {**form, "charter-version": rca.version})
    assert response.status_code == 302
    rca.refresh_from_db()
    assert rca.status == "chartered"
    page = client.get(review_url(rca)).text
    assert "Chartered within 72 hours" in page and "Falls at night" in page


def test_a_stale_page_is_refused(chartered, reviewer, safety_lead):
    seen = chartered.version
    services.update_review(review=chartered, by=safety_lead, title="Theirs")
    response = client_for(reviewer).post(review_url(chartered), {
        "action": "details", "details-version": seen, "details-title": "Mine"})
    assert response.status_code == 422 and "Someone else changed this review" in response.text
    chartered.refresh_from_db()
    assert chartered.title == "Theirs"


def test_the_guided_causal_statement_form(chartered, reviewer):
    client = client_for(reviewer)
    new = review_url(chartered, "causes/new/")
    page = client.get(new).text
    assert "Rule 5" in page and "Adapted from RCA² (NPSF, 2015)" in page
    assert "fault" in page and "who is at fault" not in page.split("<form")[1]
    response = client.post(new, {"version": chartered.version, "cause": STATEMENT["cause"],
                                 "effect": "", "event": STATEMENT["event"],
                                 "rules_confirmed": ["1", "2", "3", "4", "5"]})
    assert response.status_code == 422 and "three parts" in response.text
    assert not CausalStatement.objects.exists()
    response = client.post(new, {"version": chartered.version, "cause": STATEMENT["cause"],
                                 "effect": STATEMENT["effect"], "event": STATEMENT["event"],
                                 "contributing_factor": "equipment",
                                 "rules_confirmed": ["1", "2", "3", "4", "5"]})
    assert response.status_code == 302
    statement = CausalStatement.objects.get()
    page = client.get(review_url(chartered)).text
    assert "increased the likelihood of" in page and "Equipment or supplies" in page
    edit = review_url(chartered, f"causes/{statement.pk}/")
    assert client.get(edit).status_code == 200


def test_a_causal_statement_of_another_review_is_missing(chartered, reviewer, scored):
    other = services.start_review(report=scored, by=reviewer, kind="light")
    statement = services.save_causal_statement(review=chartered, by=reviewer, **STATEMENT)
    assert client_for(reviewer).get(
        review_url(other, f"causes/{statement.pk}/")).status_code == 404


def test_the_lesson_is_shown_on_the_review_page(chartered, reviewer):
    client = client_for(reviewer)
    response = client.post(review_url(chartered), {
        "action": "lesson", "lesson-version": chartered.version, "lesson-share_lesson": "on",
        "lesson-lesson": ""})
    assert response.status_code == 422 and "Write the lesson to share" in response.text
    chartered.refresh_from_db()
    response = client.post(review_url(chartered), {
        "action": "lesson", "lesson-version": chartered.version, "lesson-share_lesson": "on",
        "lesson-lesson": "Alarms one person can silence get silenced."})
    assert response.status_code == 302
    page = client.get(review_url(chartered)).text
    assert "Marked for sharing" in page and "Alarms one person can silence" in page


def test_the_rule_page_is_for_leads_and_admins(org, safety_lead, admin, reviewer):
    page = url(org, "settings/")
    assert client_for(reviewer).get(page).status_code == 403
    assert client_for(admin).get(page).status_code == 200
    response = client_for(safety_lead).post(page, {"review_for_3": "light",
                                                   "review_for_2": "light",
                                                   "review_for_1": "aggregate"})
    assert response.status_code == 422 and "always needs an RCA²" in response.text
    response = client_for(safety_lead).post(page, {"review_for_3": "rca2",
                                                   "review_for_2": "rca2",
                                                   "review_for_1": "light"})
    assert response.status_code == 302
    assert services.review_rule(org)[2] == "rca2"


def test_the_list_is_for_reviewers(rca, reviewer, executive, org):
    assert rca.title in client_for(reviewer).get(url(org)).text
    assert client_for(reviewer).get(url(org) + "?kind=light").text.count(rca.title) == 0
    assert client_for(executive).get(url(org)).status_code == 403


@pytest.mark.parametrize("count", [1, 3])
def test_the_list_costs_the_same_queries_for_1_and_3_reviews(org, reviewer, count):
    for _ in range(count):
        report = submit_event(organization=org, anonymous=True, harm_level="severe").report
        services.score_event(report=report, by=reviewer, severity="major",
                             probability="frequent")
        services.start_review(report=report, by=reviewer)
    assert count_queries(client_for(reviewer), url(org)) <= 12


def test_my_work_lists_rca2s_to_charter_for_reviewers_only(rca, reviewer, executive, org):
    from safetyhub.investigations.my_work import reviews_to_charter

    (item,) = reviews_to_charter(reviewer, org)
    assert item.title == rca.title and "to charter the review" in item.detail
    assert not item.overdue
    assert reviews_to_charter(executive, org) == []
    add_team(rca, reviewer)
    services.charter(review=rca, by=reviewer, scope="s", questions="q",
                     target_completion_on=timezone.localdate())
    assert reviews_to_charter(reviewer, org) == []


def test_search_finds_reviews_for_reviewers_only(chartered, reviewer, executive, admin, org):
    services.update_review(review=chartered, by=reviewer, title="Bedside alarm review")
    found = client_for(reviewer).get(f"/o/{org.slug}/search/?q=bedside").text
    assert review_url(chartered) in found
    for person in (executive, admin):
        assert review_url(chartered) not in client_for(person).get(
            f"/o/{org.slug}/search/?q=bedside").text
