"""Forms for the action plan. They parse what was typed and offer only what the organization
has (its members, sites, frameworks, measures); the services decide what is allowed, and
their ValidationErrors are put back on these fields by name."""

import datetime as dt

from django import forms
from django.db.models import Q

from safetyhub.assessments.forms import PeopleChoiceField, PersonChoiceField, SiteChoiceField
from safetyhub.core.models import Organization, Site, User
from safetyhub.core.queries import site_tree
from safetyhub.frameworks.models import PackItem
from safetyhub.frameworks.queries import visible_packs
from safetyhub.measures.models import Measure

from . import queries
from .models import Initiative, PdsaCycle

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- filters -------------------------------------------------------------------------------


class PlanFilterForm(forms.Form):
    """The plan's and the board's filters (GET). Unknown values are errors, not ignored."""

    area = forms.ChoiceField(label="Area", required=False)
    recommendation = forms.ChoiceField(label="Recommendation", required=False)
    status = forms.ChoiceField(label="Status", required=False)
    owner = forms.ChoiceField(label="Owner", required=False)
    site = forms.ChoiceField(label="Site or unit", required=False,
                             help_text="Includes the units inside a site.")
    overdue = forms.BooleanField(label="Overdue only", required=False)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        areas = queries.nap_areas(organization=organization)
        self.fields["area"].choices = [("", "All areas")] + [
            (a.section.key, f"{a.section.number}. {a.section.title}") for a in areas]
        self.fields["recommendation"].choices = [("", "All recommendations")] + [
            (f"{a.section.number}. {a.section.title}",
             [(r.key, f"{r.number}. {r.title}") for r in a.recommendations])
            for a in areas]
        self.fields["status"].choices = [("", "Any status"), *Initiative.Status.choices]
        self.fields["owner"].choices = [("", "Anyone"), (queries.NO_OWNER, "No owner yet")] + [
            (str(u.pk), str(u)) for u in queries.owners(organization=organization)]
        self.tree = site_tree(organization=organization)  # closed sites too: their history
        self.fields["site"].choices = [("", "All sites")] + [
            (str(site.pk), "\u2003" * depth + site.name + ("" if site.is_active else " (closed)"))
            for site, depth in self.tree]

    def filters(self) -> queries.PlanFilter:
        """The filters to apply: none at all if any is invalid (the page says which)."""
        if not self.is_bound or not self.is_valid():
            return queries.PlanFilter()
        data = self.cleaned_data
        site_ids = None
        if data["site"]:
            site_ids = frozenset(queries.sites_with_units(self.tree, int(data["site"])))
        return queries.PlanFilter(area=data["area"], recommendation=data["recommendation"],
                                  status=data["status"], owner=data["owner"],
                                  site_ids=site_ids, overdue=data["overdue"])


# --- initiatives ---------------------------------------------------------------------------


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, item: PackItem) -> str:
        return f"{item.number}. {item.title}" if item.number else item.title


def _framework_items(organization: Organization, kind: str, current: PackItem | None):
    packs = visible_packs(organization=organization).filter(kind="framework")
    q = Q(pack__in=packs, kind=kind)
    if current is not None:
        q |= Q(pk=current.pk)
    return PackItem.objects.filter(q).select_related("pack", "parent")


def _grouped(items: list[PackItem], group_of, empty_label: str) -> list:
    """[(group label, [(pk, label)])] keeping the items' order."""
    groups: dict[str, list] = {}
    for item in items:
        label = f"{item.number}. {item.title}" if item.number else item.title
        groups.setdefault(group_of(item), []).append((item.pk, label))
    return [("", empty_label), *groups.items()]


class _VersionMixin(forms.Form):
    """The version of the row the page was loaded from, sent back so that a change saved by
    someone else in between is refused rather than overwritten."""

    updated_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def field_error_count(self) -> int:
        return len([name for name in self.errors if name in self.fields
                    and name != "updated_at"])

    def clean_updated_at(self) -> dt.datetime | None:
        value = self.cleaned_data["updated_at"]
        if not value:
            return None
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError("Reload the page and make your changes again.") from None


class InitiativeForm(_VersionMixin):
    title = forms.CharField(label="Title", max_length=200,
                            help_text="What the initiative will achieve, in a few words.")
    description = forms.CharField(label="Description", required=False, widget=_textarea(4))
    recommendation = ItemChoiceField(
        label="Recommendation", queryset=PackItem.objects.none(), required=False,
        help_text="The National Action Plan recommendation (or other framework item) this "
                  "initiative answers.")
    tactic = ItemChoiceField(
        label="Tactic", queryset=PackItem.objects.none(), required=False,
        help_text="A tactic of that recommendation from the tactics library, if you use one. "
                  "Choosing only a tactic links its recommendation too.")
    site = SiteChoiceField(label="Site or unit", queryset=Site.objects.none(), required=False,
                           empty_label="The whole organization")
    owner = PersonChoiceField(label="Owner", queryset=User.objects.none(), required=False,
                              empty_label="No owner yet",
                              help_text="The one person who answers for progress.")
    team = PeopleChoiceField(label="Team", queryset=User.objects.none(), required=False,
                             widget=forms.CheckboxSelectMultiple,
                             help_text="The owner and the team can update the initiative, "
                                       "add progress notes and run PDSA cycles; only the "
                                       "owner, a patient-safety lead or an organization "
                                       "admin changes the owner and team.")
    status = forms.ChoiceField(label="Status", choices=Initiative.Status.choices,
                               initial=Initiative.Status.PROPOSED)
    start_on = forms.DateField(label="Start date", required=False, widget=DATE)
    due_on = forms.DateField(label="Due date", required=False, widget=DATE,
                             help_text="On or after the start date. Past it, and neither done "
                                       "nor stopped, the initiative shows as overdue.")

    def __init__(self, *args, organization: Organization, initiative: Initiative | None = None,
                 can_assign: bool = True, **kwargs):
        """`can_assign`: whether the person may change the owner and team (rules.py
        `assign_initiative`); without it the form has neither field."""
        if initiative is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": initiative.title, "description": initiative.description,
                "recommendation": initiative.recommendation_id, "tactic": initiative.tactic_id,
                "site": initiative.site_id, "owner": initiative.owner_id,
                "team": [u.pk for u in initiative.team.all()], "status": initiative.status,
                "start_on": initiative.start_on, "due_on": initiative.due_on,
                "updated_at": initiative.updated_at.isoformat(),
            }
        super().__init__(*args, **kwargs)
        current_rec = initiative.recommendation if initiative else None
        current_tactic = initiative.tactic if initiative else None
        self.fields["recommendation"].queryset = _framework_items(
            organization, PackItem.Kind.ITEM, current_rec)
        self.fields["recommendation"].choices = _grouped(
            queries.choosable_items(organization=organization, kind=PackItem.Kind.ITEM,
                                    include=current_rec),
            lambda i: f"{i.pack.title} — {i.parent.number}. {i.parent.title}" if i.parent
            else i.pack.title, "— none —")
        self.fields["tactic"].queryset = _framework_items(
            organization, PackItem.Kind.TACTIC, current_tactic)
        # The tactics of the initiative's recommendation come first: those are the ones to
        # choose from (another recommendation's tactic is refused by the service).
        rec_id = self.initial.get("recommendation") or (current_rec.pk if current_rec else None)
        tactics = queries.choosable_items(organization=organization, kind=PackItem.Kind.TACTIC,
                                          include=current_tactic)
        tactics.sort(key=lambda t: str(t.parent_id) != str(rec_id))
        self.fields["tactic"].choices = _grouped(
            tactics,
            lambda i: f"For {i.parent.number}. {i.parent.title}" if i.parent else i.pack.title,
            "— none —")
        current_site = initiative.site if initiative else None
        tree = queries.site_choices(organization=organization, include=current_site)
        site_field = self.fields["site"]
        site_field.queryset = Site.objects.filter(pk__in=[s.pk for s, _ in tree])
        site_field.depth = {s.pk: d for s, d in tree}
        site_field.choices = [("", site_field.empty_label)] + [
            (s.pk, site_field.label_from_instance(s)) for s, _ in tree]
        if not can_assign:
            del self.fields["owner"], self.fields["team"]
            return
        members = queries.people(organization=organization)
        roles = {u.pk: role for u, role in members}
        # Whoever is already on the initiative stays choosable after leaving, so that saving
        # another field does not silently drop them.
        current = set()
        if initiative is not None:
            current = {initiative.owner_id, *self.initial.get("team", [])} - {None}
        for name in ("owner", "team"):
            self.fields[name].queryset = User.objects.filter(
                pk__in=set(roles) | current).order_by("full_name", "email")
            self.fields[name].roles = roles



class NoteForm(forms.Form):
    text = forms.CharField(label="Progress note", max_length=5000, widget=_textarea(3),
                           help_text="What has happened, what is blocked, what comes next.")


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=Initiative.Status.choices)


# --- PDSA cycles ---------------------------------------------------------------------------


class MeasuresField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, measure: Measure) -> str:
        return f"{measure.name} ({measure.get_type_display().lower()} measure)"


class _MeasuresMixin:
    def _set_measures(self, organization: Organization) -> None:
        self.fields["measures"].queryset = queries.organization_measures(
            organization=organization)


class CyclePlanForm(forms.Form):
    change = forms.CharField(label="Change to test", max_length=300,
                             help_text="One change, small enough to test quickly.")
    prediction = forms.CharField(label="Prediction", required=False, widget=_textarea(),
                                 help_text="What you expect to happen, and why.")
    plan_details = forms.CharField(label="Who, when, where", required=False,
                                   widget=_textarea(),
                                   help_text="Who runs the test, on which days, in which "
                                             "unit, and what data they collect.")
    started_on = forms.DateField(label="Test starts on", widget=DATE)


class CycleStartForm(_MeasuresMixin, CyclePlanForm):
    measures = MeasuresField(label="Measures to watch", queryset=Measure.objects.none(),
                             required=False, widget=forms.CheckboxSelectMultiple,
                             help_text="The cycle shows as a marker on these measures' charts.")

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_measures(organization)


class CycleForm(_MeasuresMixin, _VersionMixin, CyclePlanForm):
    """The whole cycle in one form: the page's four stages and its measures are saved
    together, so text typed in one stage is never lost by saving another, and a change
    someone else saved in between is refused, not overwritten (`updated_at`)."""

    observations = forms.CharField(label="What happened", required=False, widget=_textarea(4),
                                   help_text="What you did, what you saw, problems and "
                                             "surprises.")
    ended_on = forms.DateField(label="Test ended on", required=False, widget=DATE,
                               help_text="Empty while the test is still running.")
    study = forms.CharField(label="Results against the prediction", required=False,
                            widget=_textarea(4),
                            help_text="Compare what happened with the prediction; look at "
                                      "the measures' charts above.")
    act = forms.ChoiceField(
        label="Decision", required=False, widget=forms.RadioSelect,
        choices=[("", "Not decided yet"),
                 (PdsaCycle.Act.ADOPT, "Adopt: make the change standard practice"),
                 (PdsaCycle.Act.ADAPT, "Adapt: change it and test again"),
                 (PdsaCycle.Act.ABANDON, "Abandon: stop testing this change")])
    act_notes = forms.CharField(label="What next", required=False, widget=_textarea(),
                                help_text="For example the next cycle's change, or who "
                                          "spreads the change and how.")
    measures = MeasuresField(label="Linked measures", queryset=Measure.objects.none(),
                             required=False, widget=forms.CheckboxSelectMultiple,
                             help_text="The cycle shows as a marker on these measures' charts.")

    # The page's sections, in order, and the fields each shows.
    STAGES = {
        "plan": ("change", "prediction", "plan_details", "started_on"),
        "do": ("observations", "ended_on"),
        "study": ("study",),
        "act": ("act", "act_notes"),
        "measures": ("measures",),
    }

    def __init__(self, *args, organization: Organization, cycle: PdsaCycle, **kwargs):
        kwargs.setdefault("initial", {
            **{name: getattr(cycle, name) for name in (
                "change", "prediction", "plan_details", "started_on", "observations",
                "ended_on", "study", "act", "act_notes")},
            "measures": [m.pk for m in cycle.measures.all()],
            "updated_at": cycle.updated_at.isoformat(),
        })
        super().__init__(*args, **kwargs)
        self._set_measures(organization)
        # Without measures in the organization there is nothing to link (nor linked), and
        # the page shows no such field: leave the cycle's measures alone.
        if not self.fields["measures"].queryset.exists():
            del self.fields["measures"]

    def cycle_fields(self) -> dict:
        """What to pass to services.update_cycle."""
        return {name: value for name, value in self.cleaned_data.items()
                if name != "updated_at"}


class TacticChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, tactic: PackItem) -> str:
        return f"{tactic.title} (for {tactic.parent.number}. {tactic.parent.title})"


class FromPriorityForm(forms.Form):
    """What "Add to action plan" asks of a priority: the tactic to adopt (of the
    recommendations the element is keyed to), who owns it, and when it is due."""

    tactic = TacticChoiceField(
        label="Tactic to adopt", queryset=PackItem.objects.none(),
        empty_label="Choose a tactic…",
        help_text="From SafetyHub's tactics for the recommendations this answers.")
    owner = PersonChoiceField(label="Owner", queryset=User.objects.none(),
                              empty_label="Choose the owner…",
                              help_text="The one person who answers for progress.")
    due_on = forms.DateField(label="Due date", widget=DATE)

    def __init__(self, *args, organization: Organization, tactics: list[PackItem], **kwargs):
        super().__init__(*args, **kwargs)
        if tactics:
            self.fields["tactic"].queryset = PackItem.objects.filter(
                pk__in=[t.pk for t in tactics]).select_related("parent")
            self.fields["tactic"].choices = [("", "Choose a tactic…")] + [
                (t.pk, self.fields["tactic"].label_from_instance(t)) for t in tactics]
        else:
            del self.fields["tactic"]  # nothing to choose: the element has no tactics
        members = queries.people(organization=organization)
        self.fields["owner"].queryset = User.objects.filter(
            pk__in=[u.pk for u, _ in members]).order_by("full_name", "email")
        self.fields["owner"].roles = {u.pk: role for u, role in members}
