import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safetyhub.core.models import AuditEntry, Invitation, Membership, Role, Site

from ..conftest import client_for
from ..factories import MembershipFactory, OrganizationFactory, SiteFactory
from ..queries import count_queries


def test_home_sends_visitors_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_home_opens_the_last_organization_used(owner, org):
    second = OrganizationFactory(name="Second Hospital", slug="second")
    MembershipFactory(organization=second, user=owner, role=Role.ASSESSOR)
    client = client_for(owner)
    client.get(f"/o/{second.slug}/")
    assert client.get("/")["Location"] == f"/o/{second.slug}/"


def test_home_without_memberships_says_what_to_do(client, db):
    from ..factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 200
    assert "Ask your organization" in response.content.decode()


def test_switcher_lists_every_organization_of_the_user(owner, org):
    second = OrganizationFactory(name="Second Hospital", slug="second")
    MembershipFactory(organization=second, user=owner, role=Role.ASSESSOR)
    OrganizationFactory(name="Not Mine Hospital", slug="not-mine")
    body = client_for(owner).get(f"/o/{org.slug}/").content.decode()
    assert 'href="/o/second/"' in body and 'href="/o/riverside/"' in body
    assert "Not Mine Hospital" not in body


def test_menu_lists_the_four_foundational_areas(member_client, org):
    body = member_client.get(f"/o/{org.slug}/").content.decode()
    for title in ("Culture, Leadership, and Governance", "Patient and Family Engagement",
                  "Workforce Safety", "Learning System"):
        assert f">{title}</a>" in body


@pytest.mark.parametrize("path", ["members/", "audit/", "audit.csv", "settings/"])
def test_admin_pages_refuse_other_roles(member_client, org, path):
    assert member_client.get(f"/o/{org.slug}/{path}").status_code == 403


def test_invite_from_the_members_page(owner_client, org, mailoutbox,
                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/o/{org.slug}/members/",
                                     {"email": "new@example.org", "role": Role.SAFETY_LEAD})
    assert response.status_code == 302
    assert Invitation.objects.get(organization=org).role == Role.SAFETY_LEAD
    page = owner_client.get(response["Location"]).content.decode()
    assert "/invitations/" in page and "new@example.org" in page
    assert len(mailoutbox) == 1


def test_bad_invite_names_the_field_and_keeps_the_input(owner_client, member, org):
    response = owner_client.post(f"/o/{org.slug}/members/",
                                 {"email": member.email, "role": Role.ASSESSOR})
    assert response.status_code == 422
    body = response.content.decode()
    assert "already a member" in body
    assert f'value="{member.email}"' in body
    response = owner_client.post(f"/o/{org.slug}/members/", {"email": "nope", "role": "x"})
    assert response.status_code == 422
    assert 'value="nope"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_member_role_change_and_deactivation(owner_client, member, org):
    membership = Membership.objects.get(user=member)
    owner_client.post(f"/o/{org.slug}/members/{membership.pk}/", {"role": Role.EVENT_REVIEWER})
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == (Role.EVENT_REVIEWER, False)
    assert membership.deactivated_at is not None


def test_sites_page_adds_units_under_sites(owner_client, org):
    owner_client.post(f"/o/{org.slug}/sites/", {"name": "Main", "kind": "hospital"})
    main = Site.objects.get(name="Main")
    owner_client.post(f"/o/{org.slug}/sites/", {"name": "ICU", "kind": "unit",
                                                "parent": main.pk})
    assert Site.objects.get(name="ICU").parent == main


def test_sites_page_refuses_a_foreign_parent(owner_client, org, other_org):
    foreign = SiteFactory(organization=other_org)
    response = owner_client.post(f"/o/{org.slug}/sites/", {"name": "ICU", "kind": "unit",
                                                           "parent": foreign.pk})
    assert response.status_code == 422
    assert "parent" in response.context["form"].errors
    assert not Site.objects.filter(organization=org).exists()


def test_sites_page_is_read_only_for_assessors(member_client, org):
    assert member_client.post(f"/o/{org.slug}/sites/", {"name": "X", "kind": "unit"}
                              ).status_code == 403
    assert not Site.objects.exists()


def test_audit_log_filters_by_record_type_and_action(owner_client, org):
    SiteFactory(organization=org, name="Filtered Unit")
    body = owner_client.get(f"/o/{org.slug}/audit/?object_type=core.Site&action=create"
                            ).content.decode()
    assert "Filtered Unit" in body
    assert "core.Membership" not in body.split("<tbody>")[1]


def test_audit_log_rejects_bad_filters_clearly(owner_client, org):
    response = owner_client.get(f"/o/{org.slug}/audit/?since=31-31-2026")
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_audit_csv_export_holds_the_entries_and_is_itself_audited(owner_client, org):
    SiteFactory(organization=org, name="Exported Unit")
    response = owner_client.get(f"/o/{org.slug}/audit.csv?object_type=core.Site")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content)
                                           .decode("utf-8-sig"))))
    assert [r["record"] for r in rows] == ["Exported Unit"]
    assert rows[0]["action"] == "create"
    export = AuditEntry.objects.get(object_type="core.AuditLog")
    assert (export.action, export.organization_id) == ("view", org.pk)


def test_audit_csv_opens_in_excel_as_utf8_text_without_running_formulas(owner_client, org):
    """Names people typed are exported as text: a formula is neutralized, and the file
    starts with the byte-order mark Excel needs to read UTF-8 (ä, é, …) correctly."""
    SiteFactory(organization=org, name='=HYPERLINK("https://evil.example","Click")')
    SiteFactory(organization=org, name="+1 Ward Zoë")
    SiteFactory(organization=org, name="@SUM(A1:A2)")
    response = owner_client.get(f"/o/{org.slug}/audit.csv?object_type=core.Site")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    records = sorted(r["record"] for r in csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert records == ["'+1 Ward Zoë", "'=HYPERLINK(\"https://evil.example\",\"Click\")",
                       "'@SUM(A1:A2)"]


def test_settings_page_turns_on_the_second_factor_requirement(owner_client, org):
    owner_client.post(f"/o/{org.slug}/settings/", {"name": org.name, "require_two_factor": "on"})
    org.refresh_from_db()
    assert org.require_two_factor


def test_settings_page_rejects_an_empty_name(owner_client, org):
    response = owner_client.post(f"/o/{org.slug}/settings/", {"name": ""})
    assert response.status_code == 422
    org.refresh_from_db()
    assert org.name == "Riverside General"


def test_forged_csrf_token_is_refused_and_changes_nothing(csrf_client, org):
    response = csrf_client.post(f"/o/{org.slug}/sites/", {"name": "X", "kind": "unit",
                                                          "csrfmiddlewaretoken": "forged"})
    assert response.status_code == 403
    assert "Nothing was changed" in response.content.decode()
    assert not Site.objects.exists()


def test_oversized_form_post_is_refused(owner_client, org, settings):
    body = "kind=unit&name=" + "x" * (settings.MAX_REQUEST_BYTES + 1)
    response = owner_client.post(f"/o/{org.slug}/sites/", body,
                                 content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "too large to accept" in response.content.decode()
    assert not Site.objects.exists()


def test_file_uploads_may_be_larger_than_other_requests(owner_client, org, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.yaml", b"#" * (settings.MAX_REQUEST_BYTES + 10))
    response = owner_client.post(f"/o/{org.slug}/frameworks/upload/", {"file": big})
    assert response.status_code == 422  # reached the form, which names the problem
    assert "larger than" in response.content.decode()


def test_the_session_is_written_only_when_the_organization_changes(owner_client, org):
    def session_writes(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(url).status_code == 200
        return sum(1 for q in ctx.captured_queries
                   if q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"])

    assert session_writes(f"/o/{org.slug}/") == 1  # notes the organization
    assert session_writes(f"/o/{org.slug}/sites/") == 0
    assert owner_client.session["last_org"] == org.slug


@pytest.mark.parametrize("page", ["members/", "sites/", "audit/"])
def test_list_pages_use_a_fixed_number_of_queries(owner_client, org, page):
    def add(n: int) -> None:
        for _ in range(n):
            MembershipFactory(organization=org)
            SiteFactory(organization=org)

    add(1)
    one = count_queries(owner_client, f"/o/{org.slug}/{page}")
    add(2)
    three = count_queries(owner_client, f"/o/{org.slug}/{page}")
    assert one == three
