"""Progress ratings: each initiative's monthly place on the IHI Assessment Scale for
Collaboratives (0.5 to 5.0 in half steps; the scale's data is progress_scale.yaml)."""

from decimal import Decimal

from django.conf import settings
from django.db import models

# The scale's points, also enforced in the database so no path can store another value.
SCALE_POINTS = [Decimal(n) / 2 for n in range(1, 11)]


class ProgressRating(models.Model):
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    initiative = models.ForeignKey("improvement.Initiative", on_delete=models.CASCADE,
                                   related_name="ratings")
    month = models.DateField(help_text="the first day of the month rated")
    rating = models.DecimalField(max_digits=2, decimal_places=1)
    note = models.TextField(blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    rated_at = models.DateTimeField()

    class Meta:
        ordering = ["initiative", "month"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "month"],
                                    name="progress_rating_one_per_month"),
            models.CheckConstraint(condition=models.Q(rating__in=SCALE_POINTS),
                                   name="progress_rating_on_scale"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%B %Y}: {self.rating}"
