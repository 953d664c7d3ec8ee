"""An initiative's aim statement (the Model for Improvement's first question: what are we
trying to accomplish?) kept as its four parts, so each can be checked and the sentence is
composed from them, never typed twice."""

from django.conf import settings
from django.db import models


class Aim(models.Model):
    """What will improve, for whom, by how much, by when; tied to the measure that tracks it.
    The target is the source of truth for that measure's goal line (services_aims sets it)."""

    initiative = models.OneToOneField("improvement.Initiative", on_delete=models.CASCADE,
                                      related_name="aim")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    what = models.CharField(max_length=200, help_text="what will improve, e.g. "
                                                      "“Reduce falls with injury”")
    who = models.CharField(max_length=200, help_text="for whom: the population or unit")
    baseline = models.FloatField(null=True, blank=True, help_text="where it is now")
    target = models.FloatField(help_text="the number to reach, or the percentage change")
    target_is_percent = models.BooleanField(default=False,
                                            help_text="the target is a change “by N%”")
    unit = models.CharField(max_length=100, blank=True)
    by_when = models.DateField()
    measure = models.ForeignKey("measures.Measure", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="aims")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Aim of {self.initiative_id}: {self.what}"
