"""The pages of actions that work: a review's action plan, one action, editing it, making
it an initiative, the organization's actions. Outsiders and roles that may not see an
action get the same 404; roles that see it but may not change it get 403; bad input is a
422 that names the field and changes nothing."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safetyhub.core.models import AuditEntry
from safetyhub.improvement.models import Initiative
from safetyhub.investigations import services_actions as services
from safetyhub.investigations.models_actions import ReviewAction
from tests.conftest import client_for

DUE = (timezone.localdate() + dt.timedelta(days=30)).isoformat()


def _url(org, name, pk=None):
    base = f"/o/{org.slug}/investigations/"
    return base + {"plan": f"reviews/{pk}/actions/", "action": f"actions/{pk}/",
                   "edit": f"actions/{pk}/edit/", "initiative": f"actions/{pk}/initiative/",
                   "list": "actions/"}[name]


def _action(review, by, owner, **kw):
    values = {"description": "Bed alarms stay on unless two nurses agree",
              "strength": "stronger", "owner": owner,
              "due_on": timezone.localdate() + dt.timedelta(days=30)}
    values.update(kw)
    return services.create_action(review=review, by=by, **values)


def test_reviewer_adds_an_action_on_the_plan_page(review, reviewer, manager):
    client = client_for(reviewer)
    page = client.get(_url(review.organization, "plan", review.pk))
    assert page.status_code == 200
    assert "Adapted from the VA NCPS action hierarchy" in page.content.decode()
    response = client.post(_url(review.organization, "plan", review.pk), {
        "action": "add", "description": "Alarms that cannot be switched off alone",
        "strength": "stronger", "owner": manager.pk, "due_on": DUE,
        "new_measure_name": "Falls with injury on 4 West", "new_measure_type": "outcome",
        "new_measure_direction": "decrease"})
    action = ReviewAction.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/actions/{action.pk}/")
    assert action.owner == manager and action.measure.name == "Falls with injury on 4 West"


def test_action_without_owner_or_due_date_is_422_naming_the_fields(review, reviewer):
    response = client_for(reviewer).post(_url(review.organization, "plan", review.pk), {
        "action": "add", "description": "Something", "strength": "weaker"})
    body = response.content.decode()
    assert response.status_code == 422
    assert "Name one person who answers for this action" in body
    assert "Give the date the action is due." in body
    assert not ReviewAction.objects.exists()
    assert AuditEntry.objects.filter(action="event", object_type="investigations.Refused",
                                     changes__action="create_action").exists()


def test_weaker_only_plan_shows_the_warning_and_takes_a_reason(review, reviewer, manager):
    _action(review, reviewer, manager, strength="weaker", description="Remind staff")
    client = client_for(reviewer)
    page = client.get(_url(review.organization, "plan", review.pk)).content.decode()
    assert "Every action here is weaker" in page
    client.post(_url(review.organization, "plan", review.pk), {
        "action": "reason", "weaker_only_reason": "The new beds arrive in May."})
    review.refresh_from_db()
    assert review.weaker_only_reason == "The new beds arrive in May."
    page = client.get(_url(review.organization, "plan", review.pk)).content.decode()
    assert "Every action here is weaker" not in page


def test_owner_sees_and_moves_their_action_but_not_the_review(review, reviewer, manager):
    action = _action(review, reviewer, manager)
    client = client_for(manager)
    assert client.get(_url(review.organization, "action", action.pk)).status_code == 200
    assert client.get(_url(review.organization, "plan", review.pk)).status_code == 404
    assert client.get(_url(review.organization, "edit", action.pk)).status_code == 403
    response = client.post(_url(review.organization, "action", action.pk),
                           {"status": "in_progress", "version": action.version})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "in_progress"


def test_stale_progress_is_refused_with_the_reason(review, reviewer, manager):
    action = _action(review, reviewer, manager)
    services.update_action(action=action, by=reviewer, status="in_progress")
    response = client_for(manager).post(_url(review.organization, "action", action.pk),
                                        {"status": "done", "version": action.version})
    assert response.status_code == 422
    assert "Someone else changed this action" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "in_progress"


def test_others_in_the_organization_get_404_for_an_action_they_do_not_own(
        review, reviewer, manager, executive):
    action = _action(review, reviewer, manager)
    for url in (_url(review.organization, "action", action.pk),
                _url(review.organization, "edit", action.pk)):
        assert client_for(executive).get(url).status_code == 404
    assert client_for(executive).post(
        _url(review.organization, "initiative", action.pk)).status_code == 404


def test_make_it_an_initiative_needs_a_patient_safety_lead(review, reviewer, lead, manager):
    action = _action(review, reviewer, manager)
    url = _url(review.organization, "initiative", action.pk)
    assert client_for(reviewer).post(url).status_code == 403
    assert not Initiative.objects.exists()
    response = client_for(lead).post(url)
    initiative = Initiative.objects.get()
    assert response["Location"].endswith(f"/plan/{initiative.pk}/") or \
        str(initiative.pk) in response["Location"]
    assert initiative.owner == manager


def test_edit_changes_the_plan_and_refuses_bad_input(review, reviewer, manager):
    action = _action(review, reviewer, manager)
    client = client_for(reviewer)
    form = {"description": "Alarms on for everyone at risk", "strength": "intermediate",
            "owner": manager.pk, "due_on": DUE, "status": "cancelled", "cancel_reason": "",
            "version": action.version}
    response = client.post(_url(review.organization, "edit", action.pk), form)
    assert response.status_code == 422
    assert "Say why the action is cancelled." in response.content.decode()
    form.update(status="planned")
    assert client.post(_url(review.organization, "edit", action.pk), form).status_code == 302
    action.refresh_from_db()
    assert action.strength == "intermediate"


def test_action_list_costs_the_same_queries_at_1_and_3_actions(review, reviewer, manager):
    client = client_for(reviewer)
    url = _url(review.organization, "list")

    def count(expected: int) -> int:
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.content.decode().count('id="action-') == expected
        return len(queries)

    _action(review, reviewer, manager, description="Action 1")
    one = count(1)
    for k in (2, 3):
        _action(review, reviewer, manager, description=f"Action {k}")
    assert count(3) == one


def test_event_triage_page_and_review_page_show_the_actions(review, reviewer, manager):
    late = _action(review, reviewer, manager, strength="intermediate")
    ReviewAction.objects.filter(pk=late.pk).update(due_on=dt.date(2026, 1, 1))
    client = client_for(reviewer)
    triage = client.get(f"/o/{review.organization.slug}/events/{review.index_event_id}/triage/")
    body = triage.content.decode()
    assert "Actions from reviews" in body
    assert f"/investigations/reviews/{review.pk}/actions/" in body
    assert 'class="overdue-flag">1<' in body
    page = client.get(f"/o/{review.organization.slug}/investigations/reviews/{review.pk}/")
    assert "1 action planned." in page.content.decode()
