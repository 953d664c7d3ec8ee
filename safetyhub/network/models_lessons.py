"""Lessons learned: an organization's draft (its own, sensitive: it starts from its events
and reviews), the de-identification review of the draft's text, and the copy a member
publishes to a network's library. Thin models: writes in lessons.py, reads in
lesson_queries.py and library.py.

The published copy holds de-identified text and numbers only. It keeps no link another
member could follow back: no source ids, no event reference, no URL into the organization.
The draft points to its published copies (`LessonDraft.publications`), never the reverse;
the copy's `owner` is kept only so the owner may withdraw it, and is shown only when the
member chose to publish under its name."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class LessonDraft(models.Model):
    class Source(models.TextChoices):
        EVENT = "event", "An event report"
        RCA2 = "rca2", "An RCA² review"
        AGGREGATE = "aggregate", "An aggregate review"
        INITIATIVE = "initiative", "An improvement initiative"
        NONE = "none", "Nothing (a blank lesson)"

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="lesson_drafts")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.NONE)
    # The source, for the organization's own eyes (never copied into a published lesson).
    source_event = models.ForeignKey("events.EventReport", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    source_review = models.ForeignKey("investigations.Review", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    source_initiative = models.ForeignKey("improvement.Initiative", null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=200)
    what_happened = models.TextField(blank=True)
    contributing_factors = models.TextField(blank=True)
    # [{"description": str, "strength": "stronger" | "intermediate" | "weaker"}]
    actions = models.JSONField(default=list, blank=True)
    results = models.TextField(blank=True)
    # [{"title": str, "chart": str, "unit": str, "values": [float|None], "n": [float|None]}]
    charts = models.JSONField(default=list, blank=True)
    category = models.CharField(max_length=64, blank=True)
    recommendations = models.JSONField(default=list, blank=True, help_text="NAP keys")
    # Dates in the text become "N days after the event" counted from this day.
    reference_date = models.DateField(null=True, blank=True)
    # The de-identification review, per text field (lessons.TEXT_FIELDS):
    # {key: {"text": original, "found": [[start, end, kind]], "spans": [[...]] (the
    #  reviewer's final spans), "redacted": text}}
    review = models.JSONField(default=dict, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    # The fingerprint of the text and spans approved; any later change no longer matches it.
    approved_fingerprint = models.CharField(max_length=64, blank=True)
    publications = models.ManyToManyField("network.PublishedLesson", blank=True,
                                          related_name="+")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = "lesson draft"

    def __str__(self) -> str:
        return self.title


class PublishedLesson(models.Model):
    """A de-identified copy in one network's library."""

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE,
                                related_name="lessons")
    # For withdrawal and permissions only; shown only when `shows_owner`.
    owner = models.ForeignKey("core.Organization", on_delete=models.CASCADE, related_name="+")
    shows_owner = models.BooleanField(default=False)
    title = models.CharField(max_length=200)
    what_happened = models.TextField(blank=True)
    contributing_factors = models.TextField(blank=True)
    actions = models.JSONField(default=list, blank=True)
    results = models.TextField(blank=True)
    charts = models.JSONField(default=list, blank=True)
    category = models.CharField(max_length=64, blank=True)
    category_title = models.CharField(max_length=200, blank=True)
    # Keys between bars ("|a|b|"), so one LIKE filters them on SQLite and PostgreSQL alike.
    recommendation_keys = models.CharField(max_length=500, blank=True)
    strength_keys = models.CharField(max_length=60, blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["network", "withdrawn_at", "published_at"],
                                name="network_lesson_library")]
        verbose_name = "published lesson"

    def __str__(self) -> str:
        return self.title

    @property
    def recommendations(self) -> list[str]:
        return [k for k in self.recommendation_keys.split("|") if k]

    @property
    def strengths(self) -> list[str]:
        return [k for k in self.strength_keys.split("|") if k]


class LessonTerm(models.Model):
    """The library's term index: one row per term of a published lesson, with its weight in
    that lesson (term frequency over the lesson's length). Search and "similar" weigh these
    by the term's rarity in the network at query time (TF-IDF), in SQL on either engine."""

    lesson = models.ForeignKey(PublishedLesson, on_delete=models.CASCADE, related_name="terms")
    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=40)
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["network", "term"], name="network_lesson_term")]
        constraints = [models.UniqueConstraint(fields=["lesson", "term"],
                                               name="network_lesson_term_unique")]

    def __str__(self) -> str:
        return self.term


class LessonComment(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment"
        TRIED = "tried", "We tried this"

    class Result(models.TextChoices):
        WORKED = "worked", "It worked"
        PARTLY = "partly", "It partly worked"
        DID_NOT_WORK = "did_not_work", "It did not work"
        TOO_EARLY = "too_early", "Too early to tell"

    lesson = models.ForeignKey(PublishedLesson, on_delete=models.CASCADE,
                               related_name="comments")
    # The member organization the author speaks for (named beside the comment).
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    result = models.CharField(max_length=20, choices=Result.choices, blank=True)
    # De-identified text, as the author confirmed it.
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on lesson {self.lesson_id}"
