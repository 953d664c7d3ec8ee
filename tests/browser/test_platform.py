"""The platform as people use it: an admin of two organizations switches between them,
invites a colleague, the colleague joins through the link, and the admin finds it all in the
audit log and its CSV. Every page visited is also checked with axe-core (see conftest)."""

import csv
import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from safetyhub.core import services
from safetyhub.core.models import Invitation, Membership, Role

from ..factories import PASSWORD, MembershipFactory, SiteFactory, UserFactory
from .conftest import check_accessibility, field, login, sign_out

pytestmark = pytest.mark.browser

NEW_PERSON = "dana.reyes@example.org"
NEW_PASSWORD = "a quiet harbour at dawn"


@pytest.fixture
def admin_of_two(owner, org, other_org):
    """owner@example.org administers Riverside General and Lakeshore Community."""
    MembershipFactory(organization=other_org, user=owner, role=Role.ORG_ADMIN)
    return owner


def side_nav(page: Page):
    return page.get_by_role("navigation", name="Organization")


def switch_organization(page: Page, name: str) -> None:
    switcher = page.locator("details.org-switcher")
    switcher.locator("summary").click()
    expect(switcher).to_have_attribute("open", "")
    check_accessibility(page)  # the open menu, too
    switcher.get_by_role("link", name=re.compile(re.escape(name))).click()
    # My work's heading names the organization: "My work" and the organization's name
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def test_admin_invites_a_colleague_who_joins_and_it_is_audited(
    page, new_page, live_server, settings, admin_of_two, org, other_org
):
    settings.SITE_URL = live_server.url  # invitation links point at this server

    login(page, live_server, admin_of_two.email, PASSWORD)
    # Organizations are listed by name: the admin lands in Lakeshore and switches over.
    expect(page.get_by_role("heading", level=1)).to_contain_text(other_org.name)
    switch_organization(page, org.name)
    expect(page).to_have_url(f"{live_server.url}/o/{org.slug}/")
    expect(page.locator("details.org-switcher summary")).to_contain_text(org.name)

    side_nav(page).get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")
    field(page, "Email address").fill(NEW_PERSON)
    field(page, "Role").select_option(label="Patient-safety lead")
    page.get_by_role("button", name="Send invitation").click()

    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {NEW_PERSON}.")
    link = page.locator("code.invitation-link").inner_text().strip()
    assert link.startswith(f"{live_server.url}/invitations/")
    pending = page.get_by_role("region", name="Pending invitations")
    expect(pending.get_by_role("row", name=re.compile(NEW_PERSON))).to_contain_text(
        "Patient-safety lead")

    # The same link went out by email (Django's locmem outbox under the live server).
    [message] = mail.outbox
    assert message.to == [NEW_PERSON]
    assert org.name in message.subject
    assert link in message.body

    # The colleague opens the link in their own browser and creates an account.
    guest = new_page()
    guest.goto(link)
    expect(guest.get_by_role("heading", level=1)).to_have_text(f"Join {org.name}")
    field(guest, "Your name").fill("Dana Reyes")
    field(guest, "Choose a password").fill(NEW_PASSWORD)
    field(guest, "Password again").fill(NEW_PASSWORD + "!")  # a slip of the finger first
    guest.get_by_role("button", name="Create account and join").click()
    expect(field(guest, "Password again")).to_have_accessible_description(
        "The two passwords differ.")
    expect(field(guest, "Your name")).to_have_value("Dana Reyes")
    field(guest, "Choose a password").fill(NEW_PASSWORD)
    field(guest, "Password again").fill(NEW_PASSWORD)
    guest.get_by_role("button", name="Create account and join").click()

    expect(guest).to_have_url(f"{live_server.url}/o/{org.slug}/")
    expect(guest.get_by_role("heading", level=1)).to_contain_text(org.name)
    expect(guest.get_by_role("status")).to_contain_text(f"Welcome to {org.name}.")
    expect(guest.get_by_role("navigation", name="Your account")).to_contain_text("Dana")
    membership = Membership.objects.get(organization=org, user__email=NEW_PERSON)
    assert membership.role == Role.SAFETY_LEAD and membership.is_active
    # A safety lead does not manage members.
    expect(side_nav(guest).get_by_role("link", name="Members")).to_have_count(0)
    # The link works once.
    guest.goto(link)
    expect(guest.get_by_role("heading", level=1)).to_have_text(
        "This invitation cannot be used")

    # Back as the admin: the colleague is a member and the invitation is no longer pending.
    page.reload()
    people = page.get_by_role("region", name="People")
    expect(people.get_by_role("row", name=re.compile(NEW_PERSON))).to_contain_text("Dana Reyes")
    expect(page.get_by_role("region", name="Pending invitations")).to_have_count(0)
    expect(page.locator("code.invitation-link")).to_have_count(0)  # shown once only

    side_nav(page).get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    rows = page.locator("table.audit-table tbody tr")
    expect(rows.filter(has_text="core.Invitation").filter(has_text=NEW_PERSON).first)\
        .to_be_visible()
    joined = f"Dana Reyes in {org.name}"  # the membership as the log names it
    expect(rows.filter(has_text="core.Membership").filter(has_text=joined)).to_have_count(1)

    field(page, "Record type").select_option("core.Membership")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"object_type=core\.Membership"))
    expect(field(page, "Record type")).to_have_value("core.Membership")
    expect(rows.filter(has_text="core.Invitation")).to_have_count(0)
    expect(rows.filter(has_text=joined)).to_have_count(1)
    expect(rows.filter(has_text=joined)).to_contain_text(
        f"{NEW_PERSON} created the membership “{joined}")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"audit-{org.slug}.csv"
    with open(download.path(), newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert table, "the CSV has no rows"
    assert {row["record_type"] for row in table} == {"core.Membership"}  # the filter applies
    [row] = [row for row in table if row["record"].startswith(joined)]
    assert row["action"] == "create"
    assert row["record_id"] == str(membership.pk)
    assert "Patient-safety lead" in row["record"]


def test_a_bad_invitation_shows_the_error_and_keeps_what_was_typed(
    page, live_server, owner, member, org
):
    login(page, live_server, owner.email, PASSWORD)
    page.goto(f"/o/{org.slug}/members/")
    email, role = field(page, "Email address"), field(page, "Role")
    for typed, error in [
        ("dana.reyes@", "Enter a valid email address."),
        (member.email.upper(), f"{member.email} is already a member of this organization."),
    ]:
        email.fill(typed)
        role.select_option(label="Event reviewer")
        page.get_by_role("button", name="Send invitation").click()

        expect(page.locator("#id_email_error")).to_have_text(error)
        expect(email).to_have_value(typed)
        expect(email).to_have_attribute("aria-invalid", "true")
        expect(email).to_have_accessible_description(error)
        expect(role).to_have_value(Role.EVENT_REVIEWER)
        role.select_option(Role.ASSESSOR)  # so the next round shows it is kept again
    expect(page.locator("code.invitation-link")).to_have_count(0)
    expect(page.get_by_role("region", name="Pending invitations")).to_have_count(0)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_keyboard_skip_link_is_first_and_moves_focus_to_main(page, live_server, owner, org):
    login(page, live_server, owner.email, PASSWORD)
    page.goto(f"/o/{org.slug}/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # visible while focused
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main")).to_be_focused()
    # The next tab stop is inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")

    # The organization switcher opens with Enter and closes with Escape, keeping focus.
    summary = page.locator("details.org-switcher summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("details.org-switcher")).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(page.locator("details.org-switcher")).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()


def test_a_tour_of_the_other_pages_passes_the_audit(
    page, live_server, settings, owner, member, org
):
    """The pages the stories above do not reach, in their usual and their error states, go
    through axe-core too (the harness checks every page loaded)."""
    SiteFactory(organization=org, name="Riverside Main Hospital")
    loner = UserFactory(email="loner@example.org")
    colleague = UserFactory(email="colleague@example.org")  # has an account already
    _, token = services.invite_member(organization=org, email=colleague.email,
                                      role=Role.ASSESSOR, invited_by=owner)

    login(page, live_server, owner.email, PASSWORD)
    nav = side_nav(page)
    area = nav.get_by_role("link", name="Culture, Leadership, and Governance")
    area.click()  # the four areas share one template
    expect(area).to_have_attribute("aria-current", "page")
    nav.get_by_role("link", name="Settings").click()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Settings saved.")
    nav.get_by_role("link", name="Sites and units").click()
    expect(page.locator(".site-tree")).to_contain_text("Riverside Main Hospital")
    page.get_by_role("button", name="Add").click()  # no name: a field error
    expect(field(page, "Name")).to_have_accessible_description("This field is required.")
    page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name=owner.get_short_name(), exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    page.goto("/o/nowhere/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    sign_out(page)

    # A member whose role does not manage members is refused with a page.
    login(page, live_server, member.email, PASSWORD)
    page.goto(f"/o/{org.slug}/members/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    sign_out(page)

    # Someone who belongs to no organization yet.
    login(page, live_server, loner.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You are not a member of any organization yet")
    sign_out(page)

    # Signed out: an invitation for someone who has an account, then a password reset.
    page.goto(f"/invitations/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sign in to join {org.name}")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    field(page, "Email").fill(member.email)
    page.get_by_role("button", name="Email me a reset link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    [message] = [m for m in mail.outbox if m.to == [member.email]]
    page.goto(re.search(r"http://\S+", message.body).group(0))
    field(page, "New password").fill(NEW_PASSWORD)
    field(page, "New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Password changed")

    # A form whose CSRF cookie has gone, then sign-in paused after repeated failures.
    page.goto("/accounts/login/")
    page.context.clear_cookies()
    field(page, "Email address").fill(member.email)
    field(page, "Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This form could not be accepted")
    page.goto("/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        field(page, "Email address").fill(member.email)
        field(page, "Password").fill("not the password")
        with page.expect_navigation():  # each attempt must reach the server before the next
            page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in paused")
