"""Importing a file in steps: the uploaded file kept between the upload and the import
(StagedImport), and the columns a measure's files use, remembered for next time
(ImportMapping)."""

from django.conf import settings
from django.db import models


class StagedImport(models.Model):
    """An uploaded file waiting for its columns to be chosen, so that nothing the user
    uploaded is lost on an error. Only its uploader sees it; it is deleted by the import and,
    if the import never comes, by the daily job after a day."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    measure = models.ForeignKey("measures.Measure", on_delete=models.CASCADE,
                                related_name="staged_imports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    file_name = models.CharField(max_length=255)
    content = models.BinaryField(help_text="the file's bytes, size-capped as every import")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} for {self.measure_id}"


class ImportMapping(models.Model):
    """Which header names a measure's files use for each column, their number format and
    sheet, as last imported: pre-selected the next time."""

    class NumberFormat(models.TextChoices):
        AUTO = "auto", "Detect from the file"
        DOT = "dot", "1,234.5 (comma for thousands, point for decimals)"
        COMMA = "comma", "1.234,5 (point for thousands, comma for decimals)"

    measure = models.OneToOneField("measures.Measure", on_delete=models.CASCADE,
                                   related_name="import_mapping")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    period = models.CharField(max_length=200)
    numerator = models.CharField(max_length=200, blank=True)
    denominator = models.CharField(max_length=200, blank=True)
    excluded = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=200, blank=True)
    number_format = models.CharField(max_length=5, choices=NumberFormat.choices,
                                     default=NumberFormat.AUTO)
    sheet = models.CharField(max_length=200, blank=True, help_text="empty: the first sheet")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Import columns of {self.measure_id}"
