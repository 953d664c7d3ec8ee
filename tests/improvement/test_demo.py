"""The demo's improvement work: an initiative with its aim, driver diagram, a measure whose
chart states the change since its new phase, progress ratings and a spread to a second unit;
loading twice adds nothing."""

from safetyhub.core.demo import load_demo_data
from safetyhub.improvement.demo import ORGANIZATION, SPREAD_TO, TITLE
from safetyhub.improvement.models import Aim, DriverNode, Initiative, ProgressRating
from safetyhub.measures.models import Measure
from safetyhub.measures.queries import chart_for


def test_the_demo_shows_the_improvement_tools_at_work(db):
    load_demo_data()
    initiative = Initiative.objects.get(organization__slug=ORGANIZATION, title=TITLE,
                                        spread_from=None)
    aim = Aim.objects.get(initiative=initiative)
    chart = chart_for(aim.measure)
    assert aim.measure.goal == aim.target == 2.0
    assert chart.statement.endswith("per 1,000 patient days; goal 2.0 met"), chart.statement
    assert not chart.suggested_split  # the shift is already a phase of its own
    nodes = DriverNode.objects.filter(initiative=initiative)
    assert {n.kind for n in nodes} == set(DriverNode.Kind.values)
    tested = nodes.get(cycles__isnull=False)
    assert list(tested.measures.all()) == [aim.measure]
    assert ProgressRating.objects.filter(initiative=initiative).count() == 6
    adopted = Initiative.objects.get(spread_from=initiative)
    assert adopted.site.name == SPREAD_TO
    assert Measure.objects.get(initiatives=adopted).copied_from == aim.measure
    assert DriverNode.objects.filter(initiative=adopted).count() == nodes.count()

    counts = (Initiative.objects.count(), DriverNode.objects.count(), Measure.objects.count())
    load_demo_data()
    assert (Initiative.objects.count(), DriverNode.objects.count(),
            Measure.objects.count()) == counts
