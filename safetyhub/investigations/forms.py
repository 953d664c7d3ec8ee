"""Forms of the investigation pages. Each form of a review carries the review's `version`
as the page loaded it, so a change made by someone else in between is refused (services
check it), never overwritten. No form asks who is at fault: the review is about the
system."""

from django import forms

from . import sac
from .models import InvestigationSettings, Review, ReviewMember
from .services import MAX_NAME, MAX_TEXT, MAX_TITLE, RULES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ScoreForm(forms.Form):
    severity = forms.ChoiceField(
        label="Severity", widget=forms.RadioSelect,
        choices=[(level.key, f"{level.title}: {level.anchor}") for level in sac.SEVERITIES])
    probability = forms.ChoiceField(
        label="Probability", widget=forms.RadioSelect,
        choices=[(level.key, f"{level.title}: {level.anchor}")
                 for level in sac.PROBABILITIES])
    rationale = forms.CharField(label="Why this score (optional)", required=False,
                                max_length=MAX_TEXT, widget=_textarea(2))


class StartForm(forms.Form):
    kind = forms.ChoiceField(label="Review", choices=[
        (Review.Kind.RCA2, "An RCA²"), (Review.Kind.LIGHT, "A lighter review")])


class RuleForm(forms.Form):
    review_for_3 = forms.ChoiceField(label="SAC 3 (highest risk) needs",
                                     choices=InvestigationSettings.REVIEWS,
                                     help_text="Always an RCA².")
    review_for_2 = forms.ChoiceField(label="SAC 2 (intermediate risk) needs",
                                     choices=InvestigationSettings.REVIEWS)
    review_for_1 = forms.ChoiceField(label="SAC 1 (lowest risk) needs",
                                     choices=InvestigationSettings.REVIEWS)


class MemberForm(_Versioned):
    name = forms.CharField(label="Name", max_length=MAX_NAME)
    job_title = forms.CharField(label="Job or role in the organization", required=False,
                                max_length=MAX_NAME)
    role = forms.ChoiceField(label="Role on the review", choices=ReviewMember.Role.choices)
    directly_involved = forms.BooleanField(
        label="Directly involved in the event", required=False,
        help_text="People directly involved are consulted (their account is heard), never "
                  "members of the team.")


class RemoveMemberForm(_Versioned):
    member = forms.IntegerField(widget=forms.HiddenInput)


class CharterForm(_Versioned):
    scope = forms.CharField(label="Scope", max_length=MAX_TEXT, widget=_textarea(3),
                            help_text="Which part of care, which place and which time the "
                                      "review looks at.")
    questions = forms.CharField(label="Questions the review answers", max_length=MAX_TEXT,
                                widget=_textarea(3),
                                help_text="What happened, why it happened, and what would "
                                          "stop it happening again.")
    target_completion_on = forms.DateField(label="Aims to finish by", widget=DATE)


class TimelineForm(_Versioned):
    at = forms.DateTimeField(label="When", widget=DATETIME,
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    what = forms.CharField(label="What happened", max_length=MAX_TEXT, widget=_textarea(2),
                           help_text="Facts, not judgements.")
    source = forms.CharField(label="Source (optional)", required=False, max_length=200,
                             help_text="Where the fact comes from: a record, an interview, "
                                       "a device log.")


class StatusForm(_Versioned):
    to = forms.ChoiceField(label="Move the review to", choices=())
    reason = forms.CharField(label="Reason", required=False, max_length=MAX_TEXT,
                             widget=_textarea(2),
                             help_text="Needed to stop, go back or reopen.")

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(to, label) for to, label, _needs in steps]


class DetailsForm(_Versioned):
    title = forms.CharField(label="Title", max_length=MAX_TITLE)
    contributing_factors = forms.MultipleChoiceField(
        label="Contributing factors found", required=False, choices=(),
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, factors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contributing_factors"].choices = list(factors)


class LessonForm(_Versioned):
    share_lesson = forms.BooleanField(
        label="Share this lesson with the learning network", required=False)
    lesson = forms.CharField(
        label="Lesson", required=False, max_length=MAX_TEXT, widget=_textarea(3),
        help_text="What others could learn from this review, about the system. It is "
                  "de-identified before it is published; still, leave out names, dates and "
                  "places.")


class CausalStatementForm(_Versioned):
    """The guided form: the three parts of the statement, then each rule of causation as a
    question the team answers."""

    cause = forms.CharField(label="Cause", max_length=MAX_TEXT, widget=_textarea(2),
                            required=False,
                            help_text="What in the system set things up: a design, a "
                                      "process, equipment, information, workload.")
    effect = forms.CharField(label="Effect", max_length=MAX_TEXT, widget=_textarea(2),
                             required=False,
                             help_text="What the cause made more likely.")
    event = forms.CharField(label="Event", max_length=MAX_TEXT, widget=_textarea(2),
                            required=False, help_text="The harm or close call it led to.")
    contributing_factor = forms.ChoiceField(label="Contributing factor", required=False,
                                            choices=())
    rules_confirmed = forms.TypedMultipleChoiceField(
        label="Check the statement against the five rules of causation", required=False,
        coerce=int, widget=forms.CheckboxSelectMultiple,
        choices=[(rule.number, f"Rule {rule.number}, {rule.title}: {rule.question}")
                 for rule in RULES])

    def __init__(self, *args, factors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contributing_factor"].choices = [("", "None of these"), *factors]
