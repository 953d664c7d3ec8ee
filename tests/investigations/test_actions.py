"""Review actions: rated on the action hierarchy, with one owner, a due date and a measure of
their effect; refused bad input changes nothing and is audited; the plan of weaker actions
only needs a reason; an action becomes an initiative; the roll-up, My work, the owner's
notification and the daily overdue job."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safetyhub.core.models import AuditEntry, Notification
from safetyhub.core.my_work import my_work
from safetyhub.improvement.models import Initiative
from safetyhub.improvement.services import create_initiative
from safetyhub.investigations import action_queries, hierarchy
from safetyhub.investigations import services_actions as services
from safetyhub.investigations.models_actions import ReviewAction
from safetyhub.investigations.my_work_actions import overdue_actions
from safetyhub.investigations.notifications_actions import ACTION_OVERDUE, ACTION_OWNER
from safetyhub.measures.models import Measure
from tests.factories import OrganizationFactory, UserFactory

IN_A_MONTH = timezone.localdate() + dt.timedelta(days=30)


def _measure(org, **kw):
    from safetyhub.measures.services import create_measure

    values = {"name": "Bed alarms on for high-risk patients", "type": "process",
              "numerator": "patients at high risk with the alarm on", "direction": "increase"}
    values.update(kw)
    return create_measure(organization=org, by=None, **values)


def _add(review, by, **kw):
    values = {"description": "Bed alarms cannot be switched off without a second nurse",
              "strength": "stronger", "owner": None, "due_on": IN_A_MONTH}
    values.update(kw)
    return services.create_action(review=review, by=by, **values)


def test_hierarchy_is_labelled_data_with_examples_at_every_level():
    assert hierarchy.STRENGTHS == ("stronger", "intermediate", "weaker")
    assert all(level.examples for level in hierarchy.LEVELS)
    assert "Adapted from" in hierarchy.SOURCE and "RCA²" in hierarchy.SOURCE
    assert hierarchy.only_weaker(["weaker", "weaker"])
    assert not hierarchy.only_weaker([])
    assert not hierarchy.only_weaker(["weaker", "intermediate"])
    assert hierarchy.strength_mix(["weaker", "stronger", "weaker", "bogus"]) == {
        "stronger": 1, "intermediate": 0, "weaker": 2}


def test_action_with_owner_due_date_and_measure_notifies_the_owner(review, lead, manager):
    measure = _measure(review.organization)
    action = _add(review, lead, owner=manager, measure=measure,
                  expected_effect="90% of high-risk patients with the alarm on by March")
    assert action.measure == measure and action.status == ReviewAction.Status.PLANNED
    note = Notification.objects.get(recipient=manager, kind=ACTION_OWNER)
    assert f"/actions/{action.pk}/" in note.link
    assert AuditEntry.objects.filter(object_type="investigations.ReviewAction",
                                     object_id=str(action.pk), action="create").exists()


def test_new_measure_made_from_the_action(review, lead, manager):
    action = _add(review, lead, owner=manager, new_measure={
        "name": "Falls with injury per 1,000 patient days on 4 West", "type": "outcome",
        "direction": "decrease"})
    assert action.measure.type == Measure.Type.OUTCOME
    assert action.measure.organization == review.organization


@pytest.mark.parametrize(("change", "field"), [
    ({"owner": None}, "owner"),
    ({"due_on": None}, "due_on"),
    ({"strength": "strong-ish"}, "strength"),
    ({"description": "  "}, "description"),
])
def test_bad_action_is_refused_naming_the_field_changes_nothing_and_is_audited(
        review, lead, manager, change, field):
    values = {"owner": manager, **change}
    with pytest.raises(ValidationError) as caught:
        _add(review, lead, **values)
    assert field in caught.value.message_dict
    assert not ReviewAction.objects.exists()
    refusal = AuditEntry.objects.get(action=AuditEntry.Action.EVENT,
                                     object_type="investigations.Refused")
    assert refusal.changes["action"] == "create_action" and field in refusal.changes["refused"]
    assert refusal.actor_id == lead.pk


def test_owner_must_be_an_active_member_who_may_write(review, lead, executive):
    with pytest.raises(ValidationError) as caught:
        _add(review, lead, owner=executive)
    assert "executive viewer" in caught.value.message_dict["owner"][0]
    stranger = UserFactory(email="stranger@example.org")
    with pytest.raises(ValidationError) as caught:
        _add(review, lead, owner=stranger)
    assert "not an active member" in caught.value.message_dict["owner"][0]


def test_measure_of_another_organization_or_balancing_is_refused(review, lead, manager):
    other = _measure(OrganizationFactory(slug="elsewhere"))
    with pytest.raises(ValidationError) as caught:
        _add(review, lead, owner=manager, measure=other)
    assert "measure" in caught.value.message_dict
    balancing = _measure(review.organization, type="balancing", name="Sedation use")
    with pytest.raises(ValidationError) as caught:
        _add(review, lead, owner=manager, measure=balancing)
    assert "balancing" in caught.value.message_dict["measure"][0]


def test_concurrent_edit_is_refused_not_overwritten(review, lead, manager):
    action = _add(review, lead, owner=manager)
    services.update_action(action=action, by=lead, expected_version=action.version,
                           status="in_progress")
    with pytest.raises(ValidationError) as caught:
        services.update_action(action=action, by=lead, expected_version=action.version,
                               description="Something else")
    assert "version" in caught.value.message_dict
    action.refresh_from_db()
    assert action.status == "in_progress"
    assert action.description.startswith("Bed alarms")


def test_cancel_needs_a_reason_and_done_is_timed(review, lead, manager):
    action = _add(review, lead, owner=manager)
    with pytest.raises(ValidationError) as caught:
        services.update_action(action=action, by=lead, status="cancelled")
    assert "cancel_reason" in caught.value.message_dict
    done = services.update_action(action=action, by=lead, status="done")
    assert done.done_at is not None


def test_weaker_only_plan_needs_a_reason_before_the_review_moves_on(review, lead, manager):
    _add(review, lead, owner=manager, strength="weaker", description="Teach staff again")
    assert services.plan_needs_reason(review)
    with pytest.raises(ValidationError) as caught:
        services.check_plan_for_status(review, "done")
    assert "weaker_only_reason" in caught.value.message_dict
    services.check_plan_for_status(review, "analysing")  # earlier steps are not held up
    review = services.set_weaker_only_reason(
        review=review, by=lead, reason="A new bed with a built-in alarm is on order for May.")
    assert not services.plan_needs_reason(review)
    services.check_plan_for_status(review, "done")


def test_a_stronger_action_lifts_the_weaker_only_warning(review, lead, manager):
    _add(review, lead, owner=manager, strength="weaker", description="Teach staff again")
    _add(review, lead, owner=manager, strength="stronger")
    assert not services.plan_needs_reason(review)


def test_make_it_an_initiative_carries_owner_due_date_and_measure(review, lead, manager):
    measure = _measure(review.organization)
    action = _add(review, lead, owner=manager, measure=measure)
    initiative = services.make_initiative(action=action, by=lead)
    assert initiative.owner == manager and initiative.due_on == IN_A_MONTH
    assert list(initiative.measures.all()) == [measure]
    assert initiative.review_action == ReviewAction.objects.get(pk=action.pk)
    with pytest.raises(ValidationError) as caught:
        services.make_initiative(action=action, by=lead)
    assert "initiative" in caught.value.message_dict
    assert Initiative.objects.count() == 1


def test_rollup_counts_by_status_and_strength_and_overdue(review, lead, manager, event):
    late = _add(review, lead, owner=manager, strength="intermediate")
    ReviewAction.objects.filter(pk=late.pk).update(due_on=dt.date(2026, 1, 1))
    _add(review, lead, owner=manager)
    rollup = action_queries.review_rollup(review)
    assert rollup.total == 2 and rollup.overdue == 1 and rollup.open == 2
    assert rollup.by_strength == {"stronger": 1, "intermediate": 1, "weaker": 0}
    assert action_queries.event_rollup(event).total == 2
    assert action_queries.stronger_share(review.organization).share == 0.5
    assert list(action_queries.overdue_actions(review.organization)) == [
        ReviewAction.objects.get(pk=late.pk)]


def test_my_work_lists_actions_the_person_owns_and_the_daily_job_tells_once(
        review, lead, manager):
    late = _add(review, lead, owner=manager)
    ReviewAction.objects.filter(pk=late.pk).update(due_on=dt.date(2026, 1, 1))
    section = next(s for s in my_work(user=manager, organization=review.organization).sections
                   if s.key == "investigations.actions")
    assert len(section.items) == 1 and section.items[0].overdue
    today = timezone.localdate()
    assert overdue_actions(today=today) == 1
    assert overdue_actions(today=today) == 0
    assert Notification.objects.filter(recipient=manager, kind=ACTION_OVERDUE).count() == 1


def test_initiative_made_directly_is_not_linked_to_any_action(org, lead):
    initiative = create_initiative(organization=org, by=lead, title="Other work")
    assert not ReviewAction.objects.filter(initiative=initiative).exists()


def test_review_status_change_holds_a_weaker_only_plan_until_a_reason_is_given(
        chartered, reviewer, manager):
    from safetyhub.investigations import services as review_services
    from tests.investigations.conftest import STATEMENT

    review = review_services.save_causal_statement(review=chartered, by=reviewer,
                                                   **STATEMENT).review
    _add(review, reviewer, owner=manager, strength="weaker", description="Remind staff")
    with pytest.raises(ValidationError) as caught:
        review_services.change_review_status(review=review, by=reviewer, to="actions")
    assert "weaker_only_reason" in caught.value.message_dict
    review.refresh_from_db()
    assert review.status == "analysing"
    services.set_weaker_only_reason(review=review, by=reviewer,
                                    reason="The new beds with built-in alarms arrive in May.")
    moved = review_services.change_review_status(review=review, by=reviewer, to="actions")
    assert moved.status == "actions"
