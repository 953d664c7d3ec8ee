"""Content packs as stored: one row per pack version, its items, and crosswalk links.

A pack row keeps the validated pack (`content`) as loaded; items and links are its index for
browsing, searching and for other apps to point at. Built-in packs have no organization;
an organization's own packs are seen only by it."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .schema import NOT_CONFIRMED


class Pack(models.Model):
    organization = models.ForeignKey(
        "core.Organization", null=True, blank=True, on_delete=models.CASCADE,
        related_name="packs", help_text="empty for packs shipped with SafetyHub",
    )
    pack_id = models.CharField(max_length=60)
    version = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    title = models.CharField(max_length=300)
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    locked_at = models.DateTimeField(
        null=True, blank=True, help_text="set when first used; a locked pack never changes"
    )

    class Meta:
        ordering = ["pack_id", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["pack_id", "version"], condition=Q(organization__isnull=True),
                name="pack_builtin_unique_version",
            ),
            models.UniqueConstraint(
                fields=["organization", "pack_id", "version"],
                condition=Q(organization__isnull=False), name="pack_org_unique_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pack_id} {self.version}"

    @property
    def is_builtin(self) -> bool:
        return self.organization_id is None

    @property
    def item_noun(self) -> str:
        """What a person calls one answered item of the pack on the pages where the work is
        done: a "statement" of an attestation (yes or no), else a "question". "Element"
        and "instrument" stay on the pages that explain frameworks."""
        return "statement" if self.kind == "attestation" else "question"

    @property
    def scale_levels(self) -> list[dict]:
        """The answer scale's levels as the pack file gives them ([] for a pack without one)."""
        return (self.content.get("scale") or {}).get("levels", [])


class PackItem(models.Model):
    """One addressable thing in a pack: a section, an item, a tactic, a resource or a
    principle. `data` holds its full validated content."""

    class Kind(models.TextChoices):
        SECTION = "section", "Section"
        ITEM = "item", "Item"
        TACTIC = "tactic", "Tactic"
        RESOURCE = "resource", "Resource"
        PRINCIPLE = "principle", "Principle"

    pack = models.ForeignKey(Pack, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveIntegerField()
    number = models.CharField(max_length=20, blank=True)
    title = models.TextField()
    title_provenance = models.CharField(max_length=20)
    status = models.CharField(max_length=30, blank=True)
    data = models.JSONField()
    search_text = models.TextField(help_text="lower-cased text of the item, for search")

    class Meta:
        ordering = ["pack", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pack", "key"], name="pack_item_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.pack.pack_id}:{self.key}"

    @property
    def wording_unconfirmed(self) -> bool:
        """No source available to the pack confirms this content's wording (status partial or
        unconfirmed); the pack schema never lets such content be labelled official."""
        return self.status in NOT_CONFIRMED


class PackLink(models.Model):
    """A crosswalk link declared by `pack`, between two items (of any packs)."""

    pack = models.ForeignKey(Pack, on_delete=models.CASCADE, related_name="links")
    source = models.ForeignKey(PackItem, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(PackItem, on_delete=models.CASCADE, related_name="links_in")
    relation = models.CharField(max_length=20)
    provenance = models.CharField(max_length=20)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.relation})"
