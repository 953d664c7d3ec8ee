"""The demo's shared goal: falls with injury per 1,000 patient days in the demo network,
every current member taking part, Riverside General's values flowing from its own
event-derived measure; loading twice adds nothing."""

from safetyhub.core.demo import load_demo_data
from safetyhub.network import goal_queries as queries
from safetyhub.network.demo import NETWORK_SLUG
from safetyhub.network.models_goals import GoalParticipation, GoalValue, SharedGoal


def test_the_demo_goal_takes_its_members_data(db):
    load_demo_data()
    goal = SharedGoal.objects.get(network__slug=NETWORK_SLUG,
                                  title="Falls with injury per 1,000 patient days")
    members = set(goal.network.members.filter(left_at__isnull=True)
                  .values_list("organization__slug", flat=True))
    taking_part = {p.organization.slug: p for p in GoalParticipation.objects.filter(goal=goal)
                   .select_related("organization", "measure")}
    assert set(taking_part) == members and len(members) >= 3
    fed = taking_part["riverside-general"]
    assert fed.source == GoalParticipation.Source.MEASURE and fed.measure.event_source
    from_measure = GoalValue.objects.filter(goal=goal, organization=fed.organization)
    assert from_measure.count() >= 12
    assert from_measure.filter(numerator__gt=0).exists()
    months = queries.network_series(goal)
    assert len(months) == 18
    # every month has a value from every member; with fewer than five members, none is drawn
    assert all(row.organizations == len(members) for row in months)
    assert all((row.numerator is None) == (len(members) < 5) for row in months)
    count = GoalValue.objects.count()
    load_demo_data()
    assert GoalValue.objects.count() == count and SharedGoal.objects.count() == 1
