"""Services of what to investigate and of RCA²: the score and the rule, the 72-hour clock,
the team (4 to 6, people involved only consulted), the charter, causal statements against
the five rules, status, the shared lesson, stale versions, wrong roles and the audit of
refused attempts."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from safetyhub.core.models import AuditEntry
from safetyhub.investigations import services
from safetyhub.investigations.models import CausalStatement, Review, ReviewMember, SacScore

from .conftest import STATEMENT, TEAM, add_team

LATER = timezone.localdate() + dt.timedelta(days=30)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def refusals(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=services.REFUSED,
                                          changes__action=action))


# --- score and rule ------------------------------------------------------------------------------

def test_scoring_stores_who_when_and_the_basis_and_a_rescore_keeps_the_first_time(
        event, reviewer, safety_lead):
    first = services.score_event(report=event, by=reviewer, severity="major",
                                 probability="frequent", rationale="Pumps daily")
    assert (first.score, first.basis, first.scored_by, first.scheme) == (
        3, SacScore.Basis.ACTUAL, reviewer, "va-sac")
    again = services.score_event(report=event, by=safety_lead, severity="moderate",
                                 probability="remote")
    assert again.pk == first.pk and again.score == 1 and again.scored_by == safety_lead
    assert again.first_scored_at == first.first_scored_at
    assert AuditEntry.objects.filter(object_type="investigations.SacScore").count() == 2


def test_a_near_miss_is_scored_on_its_worst_case(org, reviewer):
    from tests.factories import submit_event

    near = submit_event(organization=org, anonymous=True, event_type="near-miss",
                        harm_level="").report
    row = services.score_event(report=near, by=reviewer, severity="catastrophic",
                               probability="remote")
    assert row.basis == SacScore.Basis.WORST_CASE and row.score == 3


def test_bad_scores_name_each_field_change_nothing_and_are_audited(event, reviewer):
    with pytest.raises(ValidationError) as excinfo:
        services.score_event(report=event, by=reviewer, severity="huge", probability="never")
    assert set(errors_of(excinfo)) == {"severity", "probability"}
    assert not SacScore.objects.exists()
    (entry,) = refusals("score_event")
    assert entry.changes["refused"] == ["probability", "severity"]
    assert entry.actor == reviewer and "huge" not in str(entry.changes)


def test_only_reviewers_and_safety_leads_score(event, executive, staff):
    for person in (executive, staff):
        with pytest.raises(PermissionDenied):
            services.score_event(report=event, by=person, severity="major",
                                 probability="frequent")
    assert not SacScore.objects.exists()


def test_the_rule_defaults_and_changes_but_sac_3_always_needs_an_rca2(org, safety_lead):
    assert services.review_rule(org) == {3: "rca2", 2: "light", 1: "aggregate"}
    services.set_review_rule(organization=org, by=safety_lead, review_for_3="rca2",
                             review_for_2="rca2", review_for_1="light")
    assert services.review_rule(org) == {3: "rca2", 2: "rca2", 1: "light"}
    with pytest.raises(ValidationError) as excinfo:
        services.set_review_rule(organization=org, by=safety_lead, review_for_3="light",
                                 review_for_2="banana", review_for_1="light")
    assert set(errors_of(excinfo)) == {"review_for_2"}
    with pytest.raises(ValidationError) as excinfo:
        services.set_review_rule(organization=org, by=safety_lead, review_for_3="aggregate",
                                 review_for_2="light", review_for_1="light")
    assert "always needs an RCA²" in errors_of(excinfo)["review_for_3"][0]
    assert services.review_rule(org) == {3: "rca2", 2: "rca2", 1: "light"}


def test_next_step_follows_the_rule(scored, reviewer, org, safety_lead):
    step = services.next_step(scored)
    assert step.needs == "rca2" and step.can_start
    services.score_event(report=scored, by=reviewer, severity="moderate",
                         probability="occasional")
    assert services.next_step(scored).needs == "aggregate"
    assert not services.next_step(scored).can_start


# --- starting and the clock -------------------------------------------------------------------

def test_an_event_must_be_scored_before_a_review_starts(event, reviewer):
    with pytest.raises(ValidationError) as excinfo:
        services.start_review(report=event, by=reviewer)
    assert "Score the event" in errors_of(excinfo)["kind"][0]
    assert not Review.objects.exists()


def test_an_rca2_clock_runs_72_hours_from_the_first_score(scored, reviewer):
    score = scored.sac_score
    review = services.start_review(report=scored, by=reviewer)
    assert review.kind == "rca2" and review.status == "forming"
    assert review.index_event == scored and list(review.events.all()) == [scored]
    assert review.clock_started_at == score.first_scored_at
    assert review.start_due_at == score.first_scored_at + dt.timedelta(hours=72)
    clock = services.start_clock(review, now=score.first_scored_at + dt.timedelta(hours=70))
    assert not clock.overdue and clock.words.startswith("2 hours left")
    late = services.start_clock(review, now=score.first_scored_at + dt.timedelta(hours=80))
    assert late.overdue and "8 hours late" in late.words


def test_one_open_review_of_a_kind_per_event_and_no_aggregate_here(rca, scored, reviewer):
    with pytest.raises(ValidationError, match="already has an RCA²"):
        services.start_review(report=scored, by=reviewer, kind="rca2")
    with pytest.raises(ValidationError, match="aggregate review gathers"):
        services.start_review(report=scored, by=reviewer, kind="aggregate")
    light = services.start_review(report=scored, by=reviewer, kind="light")
    assert light.start_due_at is None
    assert Review.objects.count() == 2
    assert not services.next_step(scored).can_start
    services.change_review_status(review=rca, by=reviewer, to="stopped",
                                  reason="Started on the wrong event")
    assert services.next_step(scored).can_start  # a stopped review may be started afresh
    again = services.start_review(report=scored, by=reviewer, kind="rca2")
    assert again.status == "forming"


# --- the team and the charter -----------------------------------------------------------------

def test_people_directly_involved_are_consulted_never_members(rca, reviewer, event):
    with pytest.raises(ValidationError) as excinfo:
        services.add_member(review=rca, by=reviewer, name="Night nurse", role="expert",
                            directly_involved=True)
    assert "consulted, not a team member" in errors_of(excinfo)["role"][0]
    with pytest.raises(ValidationError) as excinfo:
        services.add_member(review=rca, by=reviewer, name="The reporter", role="frontline",
                            user=event.reporter)
    assert "reported the event" in errors_of(excinfo)["role"][0]
    assert not ReviewMember.objects.exists()
    consulted = services.add_member(review=rca, by=reviewer, name="Night nurse",
                                    role="consulted", directly_involved=True)
    assert not consulted.is_team
    assert len(refusals("add_member")) == 2


def test_a_team_has_one_leader_and_at_most_six(rca, reviewer):
    add_team(rca, reviewer)
    with pytest.raises(ValidationError, match="leader already"):
        services.add_member(review=rca, by=reviewer, name="Eve", role="leader")
    add_team(rca, reviewer, [("Eve", "expert"), ("Fay", "patient_representative")])
    with pytest.raises(ValidationError, match="6 members already"):
        services.add_member(review=rca, by=reviewer, name="Gus", role="expert")
    services.add_member(review=rca, by=reviewer, name="Gus", role="consulted")
    assert rca.members.count() == 7


def test_a_charter_needs_4_to_6_with_a_leader_and_facilitator_scope_and_questions(
        rca, reviewer):
    add_team(rca, reviewer, TEAM[:3])
    with pytest.raises(ValidationError) as excinfo:
        services.charter(review=rca, by=reviewer, scope="", questions="Why?",
                         target_completion_on=timezone.localdate() - dt.timedelta(days=1))
    problems = errors_of(excinfo)
    assert set(problems) == {"scope", "target_completion_on", "team"}
    assert "4 to 6 members (this one has 3)" in problems["team"][0]
    rca.refresh_from_db()
    assert rca.status == "forming" and rca.chartered_at is None
    add_team(rca, reviewer, TEAM[3:])
    chartered = services.charter(review=rca, by=reviewer, scope="Falls at night",
                                 questions="Why?", target_completion_on=LATER)
    assert chartered.status == "chartered" and chartered.chartered_at is not None
    assert services.start_clock(chartered).met is True


def test_a_chartered_rca2_keeps_four_members(chartered, reviewer):
    member = chartered.members.first()
    with pytest.raises(ValidationError, match="at least 4"):
        services.remove_member(review=chartered, member=member, by=reviewer)
    assert chartered.members.count() == 4


# --- causal statements ------------------------------------------------------------------------

def test_a_causal_statement_needs_every_part(chartered, reviewer):
    with pytest.raises(ValidationError) as excinfo:
        services.save_causal_statement(review=chartered, by=reviewer, cause="The alarm",
                                       effect="", event=" ", rules_confirmed=[1, 2, 3, 4, 5])
    problems = errors_of(excinfo)
    assert set(problems) == {"effect", "event"}
    assert "three parts" in problems["effect"][0] and "the effect" in problems["effect"][0]
    assert not CausalStatement.objects.exists()
    (entry,) = refusals("save_causal_statement")
    assert entry.changes["refused"] == ["effect", "event"]


def test_the_five_rules_keep_judgements_and_human_error_out(chartered, reviewer):
    with pytest.raises(ValidationError) as excinfo:
        services.save_causal_statement(
            review=chartered, by=reviewer, cause="Nurse error with the alarm",
            effect="poor monitoring at night", event="the fall", rules_confirmed=[1, 2])
    problems = errors_of(excinfo)
    assert problems["cause"][0].startswith("Rule 3")
    assert problems["effect"][0].startswith("Rule 2") and "poor" in problems["effect"][0]
    assert "rule 3, rule 4, rule 5" in problems["rules_confirmed"][0]
    assert not CausalStatement.objects.exists()


def test_a_good_statement_moves_the_review_to_analysing_and_adds_its_factor(
        chartered, reviewer):
    statement = services.save_causal_statement(review=chartered, by=reviewer,
                                               contributing_factor="equipment", **STATEMENT)
    chartered.refresh_from_db()
    assert chartered.status == "analysing" and chartered.contributing_factors == ["equipment"]
    assert statement.sentence.startswith("The bed alarm could be switched off")
    assert "increased the likelihood of" in statement.sentence
    changed = services.save_causal_statement(
        review=chartered, by=reviewer, statement=statement,
        **{**STATEMENT, "event": "the fall"})
    assert changed.pk == statement.pk and CausalStatement.objects.get().event == "the fall"


def test_a_review_must_be_chartered_before_causal_statements(rca, reviewer):
    with pytest.raises(ValidationError) as excinfo:
        services.save_causal_statement(review=rca, by=reviewer, **STATEMENT)
    assert "Charter the review first" in errors_of(excinfo)["status"][0]


def test_an_unknown_contributing_factor_is_refused(chartered, reviewer):
    with pytest.raises(ValidationError) as excinfo:
        services.save_causal_statement(review=chartered, by=reviewer,
                                       contributing_factor="bad-luck", **STATEMENT)
    assert "Unknown contributing factor" in errors_of(excinfo)["contributing_factor"][0]
    with pytest.raises(ValidationError):
        services.update_review(review=chartered, by=reviewer,
                               contributing_factors=["staffing", "bad-luck"])
    chartered.refresh_from_db()
    assert chartered.contributing_factors == []


# --- concurrency, status, lesson ---------------------------------------------------------------

def test_a_stale_version_is_refused_not_overwritten(chartered, reviewer, safety_lead):
    seen = chartered.version
    services.add_timeline_entry(review=chartered, by=safety_lead,
                                at=timezone.now() - dt.timedelta(hours=3),
                                what="Alarm switched off", expected_version=seen)
    with pytest.raises(ValidationError) as excinfo:
        services.update_review(review=chartered, by=reviewer, title="Mine",
                               expected_version=seen)
    assert "Someone else changed this review" in errors_of(excinfo)["version"][0]
    chartered.refresh_from_db()
    assert chartered.title != "Mine" and chartered.timeline.count() == 1
    assert refusals("update_review")[0].changes["refused"] == ["version"]


def test_a_timeline_entry_needs_a_past_time_and_what_happened(chartered, reviewer):
    with pytest.raises(ValidationError) as excinfo:
        services.add_timeline_entry(review=chartered, by=reviewer,
                                    at=timezone.now() + dt.timedelta(days=1), what="")
    assert set(errors_of(excinfo)) == {"at", "what"}


def test_status_steps_and_done_needs_a_causal_statement(chartered, reviewer):
    reviewed = services.change_review_status(review=chartered, by=reviewer, to="analysing")
    with pytest.raises(ValidationError, match="at least one causal statement"):
        services.change_review_status(review=reviewed, by=reviewer, to="done")
    with pytest.raises(ValidationError) as excinfo:
        services.change_review_status(review=reviewed, by=reviewer, to="stopped")
    assert "reason" in errors_of(excinfo)
    services.save_causal_statement(review=reviewed, by=reviewer, **STATEMENT)
    done = services.change_review_status(review=reviewed, by=reviewer, to="done")
    assert done.status == "done" and done.done_at is not None
    with pytest.raises(ValidationError, match="reopen it"):
        services.add_timeline_entry(review=done, by=reviewer, at=timezone.now(), what="x")
    reopened = services.change_review_status(review=done, by=reviewer, to="analysing",
                                             reason="New facts from the pump log")
    assert reopened.status == "analysing" and reopened.done_at is None


def test_a_lesson_marked_for_sharing_needs_its_text(chartered, reviewer):
    with pytest.raises(ValidationError) as excinfo:
        services.update_review(review=chartered, by=reviewer, share_lesson=True)
    assert "Write the lesson" in errors_of(excinfo)["lesson"][0]
    shared = services.update_review(review=chartered, by=reviewer, share_lesson=True,
                                    lesson="Alarms that can be silenced alone get silenced.")
    assert shared.share_lesson and shared.lesson.startswith("Alarms")


def test_wrong_roles_change_nothing(chartered, executive, staff, admin):
    for person in (executive, staff, admin):
        with pytest.raises(PermissionDenied):
            services.update_review(review=chartered, by=person, title="Taken over")
        with pytest.raises(PermissionDenied):
            services.save_causal_statement(review=chartered, by=person, **STATEMENT)
    chartered.refresh_from_db()
    assert chartered.title != "Taken over" and not CausalStatement.objects.exists()

