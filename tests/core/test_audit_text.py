"""The audit log reads as sentences, with the models' own names for records, fields and
choices, and never shows a value the trail did not record."""

from safetyhub.core import audit, audit_text, services
from safetyhub.core.models import AuditEntry, Role

from ..factories import MembershipFactory, UserFactory


def test_a_role_change_reads_as_a_sentence(org, owner):
    ana = UserFactory(full_name="Ana Lopez")
    membership = MembershipFactory(organization=org, user=ana, role=Role.ASSESSOR)
    with audit.acting_as(owner):
        membership.role = Role.SAFETY_LEAD
        membership.save()
    entry = AuditEntry.objects.filter(object_type="core.Membership",
                                      action=AuditEntry.Action.UPDATE).get()
    sentence = audit_text.describe(entry)
    assert sentence.startswith(f"{owner.email} changed the membership “Ana Lopez in ")
    assert sentence.endswith(f"role from {Role.ASSESSOR.label} to {Role.SAFETY_LEAD.label}.")


def test_values_not_recorded_are_said_to_be_so(db):
    entry = AuditEntry(actor_label="Sam", action=AuditEntry.Action.UPDATE,
                       object_type="assessments.Response", object_repr="answer",
                       changes={"note": {"changed": True}})
    assert audit_text.describe(entry) == ("Sam changed the response “answer”: note changed "
                                          "(not recorded).")


def test_a_record_type_that_is_not_a_model_keeps_its_name(db):
    entry = AuditEntry(actor_label="", action=AuditEntry.Action.VIEW,
                       object_type="core.AuditLog", object_repr="Audit log exported as CSV",
                       changes={"filters": {}})
    assert audit_text.describe(entry).startswith(
        "The system viewed the audit log “Audit log exported as CSV”")
    gone = AuditEntry(actor_label="Sam", action=AuditEntry.Action.DELETE,
                      object_type="oldapp.Gone", object_repr="x")
    assert audit_text.describe(gone) == "Sam deleted the record oldapp.Gone “x”."


def test_the_audit_page_and_csv_show_the_sentences(owner_client, org, owner):
    with audit.acting_as(owner):
        services.invite_member(organization=org, email="new@example.org", role=Role.ASSESSOR,
                               invited_by=owner)
    page = owner_client.get(f"/o/{org.slug}/audit/").content.decode()
    assert f"{owner.email} created the invitation “Invitation of new@example.org" in page
    response = owner_client.get(f"/o/{org.slug}/audit.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].endswith(",description")
    assert "created the invitation" in body


def test_a_creation_names_the_record_without_listing_its_fields(org, owner):
    with audit.acting_as(owner):
        MembershipFactory(organization=org, user=UserFactory(full_name="Bo Chen"),
                          role=Role.ASSESSOR)
    entry = AuditEntry.objects.filter(object_type="core.Membership", object_repr__contains="Bo",
                                      action=AuditEntry.Action.CREATE).get()
    assert audit_text.describe(entry) == (
        f"{owner.email} created the membership “Bo Chen in {org.name} "
        f"({Role.ASSESSOR.label})”.")
