"""Shared-goal pages: the list and a goal's charts on the network's side, the organization's
side where it takes part and sends its values. A member sees its own chart beside the
network's; another member's values never show; a lead sees the network only; outsiders get
the same 404 as for a goal that does not exist."""

import pytest
from django.urls import reverse

from safetyhub.core.models import AuditEntry, Role
from safetyhub.network.models_goals import GoalParticipation, GoalValue

from ..conftest import client_for
from ..factories import MembershipFactory
from .goals_fixtures import *  # noqa: F403 (the shared-goal fixtures)
from .goals_fixtures import months_ago, send


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def _goal_url(goal) -> str:
    return reverse("network:goal", args=[goal.network.slug, goal.pk])


def _org_url(org, goal, name: str = "org_goal") -> str:
    return reverse(f"network:{name}", args=[org.slug, goal.pk])


@pytest.fixture
def five_sent(goal, org, others):
    """Five organizations sent two months ago (the last with a value 777 that is its own);
    four sent last month."""
    for k, organization in enumerate([org, *others[:4]]):
        send(goal, organization, months_ago(2), 777 if k == 4 else k + 1, 100000)
        if k < 4:
            send(goal, organization, months_ago(1), k + 1, 100000)
    return goal


def test_a_member_sees_the_network_chart_and_its_own_beside_it(five_sent, org, member):
    body = _page(client_for(member), _goal_url(five_sent))
    assert body.count("<svg") == 2
    assert "The network" in body and "Riverside General" in body
    assert "Not drawn (fewer than 5 organizations): " + months_ago(1).strftime("%b %Y") in body
    # the network's month of five shows their sum; the fifth organization's own 777 does not
    assert "777" not in body and "Member 4" not in body


def test_another_members_values_never_show(five_sent, org, others):
    admin = MembershipFactory(organization=others[0], role=Role.ORG_ADMIN).user
    send(five_sent, org, months_ago(3), 31337, 100000)  # Riverside's own, in no network month
    send(five_sent, others[0], months_ago(3), 4242, 100000)
    client = client_for(admin)
    body = _page(client, _goal_url(five_sent))
    assert "Member 1" in body and "Riverside General" not in body
    own = _page(client, _org_url(others[0], five_sent))
    assert "4242" in own
    for page in (body, own):
        assert "31337" not in page
    _page(client, _org_url(org, five_sent), 404)  # another organization's side


def test_a_lead_sees_the_network_and_counts_never_an_organization(five_sent, lead, org):
    body = _page(client_for(lead), _goal_url(five_sent))
    assert body.count("<svg") == 1
    assert "Riverside General" not in body and "Member 1" not in body
    assert "Change the goal" in body
    # the organization's side is its own: a lead who belongs to none gets a 404
    _page(client_for(lead), _org_url(org, five_sent), 404)


def test_outsiders_and_missing_goals_get_the_same_404(five_sent, outsider, member, network):
    for user, url in ((outsider, _goal_url(five_sent)),
                      (outsider, reverse("network:goals", args=[network.slug])),
                      (member, reverse("network:goal", args=[network.slug, 999999])),
                      (outsider, _org_url(outsider.memberships.get().organization, five_sent))):
        body = _page(client_for(user), url, 404)
        assert "777" not in body


def test_only_leads_set_and_change_goals(network, lead, owner):
    new = reverse("network:goal_new", args=[network.slug])
    assert client_for(owner).get(new).status_code == 403
    data = {"title": "Pressure injuries", "numerator": "Stage 2+ pressure injuries",
            "denominator": "", "chart": "c", "direction": "decrease", "multiplier": "1",
            "start_month": months_ago(6).strftime("%Y-%m")}
    assert client_for(owner).post(new, data).status_code == 403
    assert not network.goals.exists()
    response = client_for(lead).post(new, {**data, "denominator": "Patient days"})
    assert response.status_code == 200
    assert "A C chart counts without a denominator" in response.content.decode()
    response = client_for(lead).post(new, data)
    goal = network.goals.get()
    assert response.status_code == 302 and response["Location"] == _goal_url(goal)
    edit = reverse("network:goal_edit", args=[network.slug, goal.pk])
    client_for(lead).post(edit, {**data, "title": "Pressure injuries, stage 2 or worse"})
    goal.refresh_from_db()
    assert goal.title == "Pressure injuries, stage 2 or worse"


def test_an_admin_takes_part_and_sends_a_month_and_a_correction(goal, org, owner):
    client = client_for(owner)
    response = client.post(_org_url(org, goal, "org_goal_take_part"), {"source": "entered"})
    assert response.status_code == 302
    assert GoalParticipation.objects.get().is_current
    url = _org_url(org, goal, "org_goal_value")
    month = months_ago(1).strftime("%Y-%m")
    assert client.post(url, {"month": month, "numerator": "3", "denominator": "900"}
                       ).status_code == 302
    client.post(url, {"month": month, "numerator": "4", "denominator": "900"})
    value = GoalValue.objects.get()
    assert (value.numerator, value.corrections) == (4, 1)
    assert AuditEntry.objects.filter(object_type__icontains="goalvalue", action="update",
                                     actor=owner).exists()
    body = _page(client, _org_url(org, goal))
    assert "Entered" in body


def test_a_bad_month_names_the_field_and_saves_nothing(goal, org, owner):
    client = client_for(owner)
    client.post(_org_url(org, goal, "org_goal_take_part"), {"source": "entered"})
    url = _org_url(org, goal, "org_goal_value")
    for data, text in (({"month": months_ago(0).strftime("%Y-%m"), "numerator": "1",
                         "denominator": "5"}, "not over yet"),
                       ({"month": months_ago(9).strftime("%Y-%m"), "numerator": "1",
                         "denominator": "5"}, "before the goal starts"),
                       ({"month": "March", "numerator": "1", "denominator": "5"},
                        "Write a month as 2026-03"),
                       ({"month": months_ago(1).strftime("%Y-%m"), "numerator": "1"},
                        "Denominator"),):
        response = client.post(url, data)
        assert response.status_code == 422
        assert text in response.content.decode(), data
    assert not GoalValue.objects.exists()


def test_an_upload_with_problems_lists_them_and_saves_nothing(goal, org, owner):
    client = client_for(owner)
    client.post(_org_url(org, goal, "org_goal_take_part"), {"source": "entered"})
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = (f"month,numerator,denominator\n{months_ago(1):%Y-%m},2,900\n"
               f"{months_ago(2):%Y-%m},x,900\n").encode()
    response = client.post(_org_url(org, goal, "org_goal_upload"),
                           {"file": SimpleUploadedFile("f.csv", content)})
    assert response.status_code == 422
    assert "row 3, column numerator" in response.content.decode()
    assert not GoalValue.objects.exists()
    content = f"month,numerator,denominator\n{months_ago(1):%Y-%m},2,900\n".encode()
    response = client.post(_org_url(org, goal, "org_goal_upload"),
                           {"file": SimpleUploadedFile("f.csv", content)})
    assert response.status_code == 302 and GoalValue.objects.get().numerator == 2


def test_people_without_the_role_read_but_do_not_send(goal, org, member):
    client = client_for(member)
    body = _page(client, _org_url(org, goal))
    assert "Send a month" not in body and "Take part" not in body
    assert client.post(_org_url(org, goal, "org_goal_take_part"),
                       {"source": "entered"}).status_code == 403
    assert not GoalParticipation.objects.exists()


def test_the_goal_list_counts_members_taking_part(five_sent, network, member):
    body = _page(client_for(member), reverse("network:goals", args=[network.slug]))
    assert "Falls with injury" in body and "5 members taking part" in body


def test_the_goal_list_and_my_work_cost_the_same_for_one_goal_and_three(goal, network, lead,
                                                                         org, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safetyhub.network import goals as services
    from safetyhub.network.my_work_goals import goal_data_due

    from ..queries import count_queries

    services.take_part(goal=goal, organization=org, by=None)
    list_url = reverse("network:goals", args=[network.slug])
    client = client_for(owner)

    def my_work_queries() -> tuple[int, int]:
        goal_data_due(owner, org)  # warms the role's per-request cache, as the page has
        with CaptureQueriesContext(connection) as captured:
            items = goal_data_due(owner, org)
        return len(items), len(captured)

    one = (count_queries(client, list_url), my_work_queries())
    for title in ("Pressure injuries", "Sepsis"):
        more = services.create_goal(network=network, by=lead, title=title, numerator="n",
                                    chart="c", direction="decrease",
                                    start_month=months_ago(3))
        services.take_part(goal=more, organization=org, by=None)
    three = (count_queries(client, list_url), my_work_queries())
    assert one[0] == three[0]
    assert (one[1][0], three[1][0]) == (1, 3) and one[1][1] == three[1][1]
