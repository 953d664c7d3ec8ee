"""Driver diagrams: the initiative's aim, the primary drivers that bring it about, the
secondary drivers under each, and the change ideas that act on them. Stored as a tree of
nodes per initiative; the aim itself is the root and is not a node."""

from django.conf import settings
from django.db import models


class DriverNode(models.Model):
    class Kind(models.TextChoices):
        PRIMARY = "primary", "Primary driver"
        SECONDARY = "secondary", "Secondary driver"
        CHANGE = "change", "Change idea"

    initiative = models.ForeignKey("improvement.Initiative", on_delete=models.CASCADE,
                                   related_name="driver_nodes")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=300)
    # A change idea may be one of the framework's tactics (as Initiative.tactic).
    tactic = models.ForeignKey("frameworks.PackItem", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    cycles = models.ManyToManyField("improvement.PdsaCycle", blank=True,
                                    related_name="change_ideas")
    measures = models.ManyToManyField("measures.Measure", blank=True,
                                      related_name="change_ideas")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["initiative", "parent_id", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"
