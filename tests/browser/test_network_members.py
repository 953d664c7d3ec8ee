"""A network forms: an organization's admin starts a network, makes an invitation link, and
another organization's admin opens it on a phone, joins and turns one sharing choice on; a
lead in no organization lands on the network list and sees the member. Every page is
checked with axe-core and for sideways scrolling (see conftest)."""

import re

import pytest
from playwright.sync_api import expect

from safetyhub.network.models import NetworkLead, NetworkMember

from ..factories import PASSWORD, UserFactory
from .conftest import field, fits, login

pytestmark = pytest.mark.browser


def test_a_network_is_started_an_organization_joins_and_chooses_what_it_shares(
        page, new_page, live_server, owner, outsider, other_org):
    login(page, live_server, owner.email, PASSWORD)
    page.goto(f"{live_server.url}/networks/")
    field(page, "Name").fill("Valley Collaborative")
    field(page, "What the network is for").fill("Hospitals of the valley.")
    page.get_by_role("button", name="Start the network").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Members and invitations")
    field(page, "Who it is for").fill("Lakeshore")
    page.get_by_role("button", name="Make an invitation link").click()
    link = page.locator("code.invitation-link")
    expect(link).to_be_visible()
    path = re.sub(r"^https?://[^/]+", "", link.inner_text())

    phone = new_page(width=390)
    login(phone, live_server, outsider.email, PASSWORD)
    phone.goto(f"{live_server.url}{path}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Join Valley Collaborative")
    fits(phone)
    phone.get_by_role("button", name="Join the network").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Learning networks")
    expect(phone.get_by_role("status")).to_contain_text(f"{other_org.name} joined")
    fits(phone)
    counts = phone.get_by_role("checkbox", name="Event counts and harm rates")
    expect(counts).not_to_be_checked()
    counts.check()
    phone.get_by_role("button", name=re.compile("^Save sharing")).click()
    expect(phone.get_by_role("status")).to_contain_text("Sharing with Valley Collaborative "
                                                        "saved")
    member = NetworkMember.objects.get(organization=other_org)
    assert member.shares_event_counts and not member.shares_assessment_scores

    # a second lead with no organization starts at the network list
    lead = UserFactory(email="network-lead@example.org")
    NetworkLead.objects.create(network=member.network, user=lead)
    third = new_page()
    login(third, live_server, lead.email, PASSWORD)
    expect(third).to_have_url(re.compile(r"/networks/$"))
    third.get_by_role("link", name="Valley Collaborative").click()
    members = third.get_by_role("region", name=re.compile("Member organizations")).or_(
        third.locator("section", has=third.get_by_role("heading",
                                                        name=re.compile("Member organizations"))))
    expect(members.first).to_contain_text(other_org.name)
    expect(third.get_by_role("heading", name=re.compile("Joined and left"))).to_be_visible()
