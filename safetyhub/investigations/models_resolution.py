"""Communication and resolution after harm (CANDOR-style; PSSM Domain 4) and care for the
caregiver. Thin models: fields and constraints; writes live in resolution.py and support.py.

* `ResolutionRecord`: one per event that reached a patient with harm; what resolution was
  offered. Its conversations (`ResolutionContact`: the disclosure and the follow-up
  contacts) and the patient's or family's questions with the answers given
  (`ResolutionQuestion`) hang off it. Seen by event reviewers and patient-safety leads.
* `SupportOffer`: peer support offered to a member of staff involved in a harm event, and
  their answer. Only support coordinators see who (support.py); everyone else sees counts.

Names and what was said are free text: the audit trail records that they changed, never
their words (apps.py registers these models with `redact`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ResolutionRecord(models.Model):
    class Offer(models.TextChoices):
        NOT_YET = "", "Not decided yet"
        NONE = "none", "None offered"
        BILL_WAIVER = "bill_waiver", "Waiver of bills"
        COMPENSATION_REFERRAL = "compensation_referral", "Referral for compensation"
        OTHER = "other", "Something else (see the note)"

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    report = models.OneToOneField("events.EventReport", on_delete=models.CASCADE,
                                  related_name="resolution")
    resolution_offered = models.CharField(max_length=30, choices=Offer.choices, blank=True)
    resolution_offered_on = models.DateField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Communication and resolution of event report {self.report_id}"


class ResolutionContact(models.Model):
    """One conversation with the patient or their family: the disclosure (the first
    conversation about what happened) or a follow-up contact."""

    class Kind(models.TextChoices):
        DISCLOSURE = "disclosure", "Disclosure conversation"
        FOLLOW_UP = "follow_up", "Follow-up contact"

    class With(models.TextChoices):
        PATIENT = "patient", "The patient"
        FAMILY = "family", "A family member"
        CARE_PARTNER = "care_partner", "A care partner"

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    record = models.ForeignKey(ResolutionRecord, on_delete=models.CASCADE,
                               related_name="contacts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    happened_at = models.DateTimeField()
    # Who spoke for the organization, as written (they need not have a SafetyHub account).
    organization_people = models.CharField(max_length=300)
    with_whom = models.CharField(max_length=20, choices=With.choices)
    what_was_shared = models.TextField()
    apology_given = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["happened_at", "pk"]
        indexes = [models.Index(fields=["organization", "kind", "happened_at"],
                                name="resolution_contact_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of resolution {self.record_id}"


class ResolutionQuestion(models.Model):
    """A question the patient or family asked, and the answer given (empty until given)."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    record = models.ForeignKey(ResolutionRecord, on_delete=models.CASCADE,
                               related_name="questions")
    asked_on = models.DateField()
    question = models.TextField()
    answer = models.TextField(blank=True)
    answered_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["asked_on", "pk"]

    def __str__(self) -> str:
        return f"Question {self.pk} of resolution {self.record_id}"


class SupportOffer(models.Model):
    """Peer support offered to a member of staff involved in a harm event. Who was offered
    it is for support coordinators only (support.py is the one door)."""

    class Response(models.TextChoices):
        WAITING = "waiting", "No answer yet"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    report = models.ForeignKey("events.EventReport", on_delete=models.CASCADE,
                               related_name="+")
    staff_name = models.CharField(max_length=150)
    staff_role = models.CharField(max_length=100, blank=True)
    offered_by = models.CharField(max_length=150)
    offered_at = models.DateTimeField()
    response = models.CharField(max_length=10, choices=Response.choices,
                                default=Response.WAITING)
    responded_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-offered_at", "-pk"]
        indexes = [models.Index(fields=["organization", "offered_at"],
                                name="support_offer_org_offered")]

    def __str__(self) -> str:
        # Never the person's name: this is what logs and error pages may show.
        return f"Support offer {self.pk}"
