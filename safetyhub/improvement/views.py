"""The action plan: the organization's initiatives as a list and as a board, each
initiative's page (links to the frameworks, team, progress notes, PDSA cycles, measures),
creating and editing initiatives, turning an assessment priority into one, and the pages of
PDSA cycles. Views parse, call a service or a query, and render.

Everyone in the organization reads the plan; rules.py says who writes. Rows are loaded only
through access.py (the same 404 for missing and foreign)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetyhub.assessments.access import access_assessment
from safetyhub.assessments.queries import assessments_for
from safetyhub.core.decorators import org_view
from safetyhub.core.views.organizations import add_errors
from safetyhub.frameworks.access import access_pack_item
from safetyhub.frameworks.models import PackItem
from safetyhub.measures.services import add_from_library, library

from . import queries, services
from .access import access_cycle, access_initiative
from .forms import (
    CycleForm,
    CycleStartForm,
    FromPriorityForm,
    InitiativeForm,
    NoteForm,
    PlanFilterForm,
    StatusForm,
)
from .models import Initiative
from .queries_aims import aim_card
from .rules import ASSIGN_RULE
from .services_ratings import annotate_current_ratings
from .views_spread import spread_section

VIEW = "improvement.view_plan"
CHANGE = "improvement.change_initiative"
ASSIGN = "improvement.assign_initiative"
NOT_ALLOWED = ("Only the initiative's owner and team, a patient-safety lead or an organization "
               "admin can change it.")


def measure_link(org_slug: str, pk: int) -> str | None:
    """The measure's page, once the measures pages exist (plain text until then)."""
    try:
        return reverse("measures:measure", kwargs={"org_slug": org_slug, "pk": pk})
    except NoReverseMatch:
        return None


def _with_links(org_slug: str, measures) -> list[tuple[object, str | None]]:
    return [(m, measure_link(org_slug, m.pk)) for m in measures]


def _require_change(request, initiative: Initiative) -> None:
    if not request.user.has_perm(CHANGE, initiative):
        raise PermissionDenied(NOT_ALLOWED)


def _add_save_errors(form, exc: ValidationError) -> None:
    """Show a service's refusal on the form: a concurrent change (the `updated_at` it was
    loaded with is stale) above the fields, the rest on their fields."""
    conflict = exc.message_dict.pop("updated_at", None)
    if conflict:
        form.add_error(None, conflict)
    add_errors(form, ValidationError(exc.message_dict))


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- the plan: list and board --------------------------------------------------------------


def _plan_context(request, query: QueryDict | None = None) -> dict:
    """What the list and the board share: the filter form, the filtered initiatives and
    their counts. A fixed number of queries whatever the number of initiatives."""
    org = request.organization
    query = request.GET if query is None else query
    form = PlanFilterForm(query or None, organization=org)
    filters = form.filters()
    today = timezone.localdate()
    initiatives = queries.plan_initiatives(organization=org, filters=filters, today=today)
    total = (Initiative.objects.filter(organization=org).count() if filters.active
             else len(initiatives))
    clean_query = QueryDict(mutable=True)
    if form.is_bound and form.is_valid():
        for name, value in form.cleaned_data.items():
            if value:
                clean_query[name] = "on" if value is True else value
    return {
        "form": form,
        "filtered": filters.active,
        "initiatives": initiatives,
        "counts": queries.plan_counts(initiatives),
        "total": total,
        "query": clean_query.urlencode(),
        "today": today,
        "can_add": request.user.has_perm("improvement.add_initiative", org),
    }


@require_GET
@org_view(VIEW)
def plan(request):
    org = request.organization
    context = _plan_context(request)
    # An initiative names its source assessment to every member; only those who may open
    # the assessment get a link to it.
    context["readable"] = set(assessments_for(user=request.user, organization=org)
                              .values_list("pk", flat=True))
    return render(request, "improvement/plan.html", context,
                  status=400 if context["form"].errors else 200)


def _board_context(request, query: QueryDict | None = None) -> dict:
    context = _plan_context(request, query)
    context["columns"] = queries.board_columns(context["initiatives"])
    context["editable"] = {i.pk for i in context["initiatives"]
                           if request.user.has_perm(CHANGE, i)}
    context["statuses"] = Initiative.Status.choices
    annotate_current_ratings(context["initiatives"])
    return context


@require_GET
@org_view(VIEW)
def board(request):
    context = _board_context(request)
    return render(request, "improvement/board.html", context,
                  status=400 if context["form"].errors else 200)


@require_POST
@org_view(VIEW)
def initiative_status(request, pk: int):
    """Move an initiative to another status (the board's cards). Back to the board, with
    its filters; with HTMX, just the board and a spoken confirmation."""
    org = request.organization
    initiative = access_initiative(user=request.user, organization=org, pk=pk)
    _require_change(request, initiative)
    board_query = QueryDict(request.POST.get("filters", ""))
    form = StatusForm(request.POST)
    problem = None
    if form.is_valid():
        try:
            initiative = services.update_initiative(initiative=initiative, by=request.user,
                                                    status=form.cleaned_data["status"])
        except ValidationError as exc:
            problem = " ".join(exc.messages)
    else:
        problem = " ".join(form.errors.get("status", ["Choose a status."]))
    if problem is not None:
        messages.error(request, f"“{initiative.title}” was not moved: {problem}")
        if _is_htmx(request):
            response = HttpResponse(status=422)
            response["HX-Refresh"] = "true"
            return response
    else:
        done = f"Moved “{initiative.title}” to {initiative.get_status_display()}."
        if _is_htmx(request):
            context = _board_context(request, board_query)
            context["announcement"] = done
            return render(request, "improvement/board.html#moved", context)
        messages.success(request, done)
    url = reverse("improvement:board", kwargs={"org_slug": org.slug})
    query = _plan_context(request, board_query)["query"] if board_query else ""
    return redirect(f"{url}{'?' + query if query else ''}#initiative-{initiative.pk}")


# --- initiatives ---------------------------------------------------------------------------


def _initiative_fields(form: InitiativeForm) -> dict:
    """The form's initiative fields (without owner and team when the form has none)."""
    data = form.cleaned_data
    return {name: data[name] for name in services.INITIATIVE_FIELDS if name in data}


def _tactic_from_query(request):
    """The tactic named by `?tactic=<id>`, if it is one the organization may choose."""
    raw = request.GET.get("tactic", "")
    if not raw.isdigit():
        return None
    return next((t for t in queries.choosable_items(organization=request.organization,
                                                    kind=PackItem.Kind.TACTIC)
                 if t.pk == int(raw)), None)


@require_http_methods(["GET", "POST"])
@org_view("improvement.add_initiative")
def initiative_new(request):
    org = request.organization
    initial = {}
    # From a tactic's page ("Add to action plan"): the tactic and its recommendation chosen.
    tactic = _tactic_from_query(request)
    if tactic is not None:
        initial = {"tactic": tactic.pk, "recommendation": tactic.parent_id,
                   "title": tactic.title[:200]}
    form = InitiativeForm(request.POST or None, organization=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.create_initiative(organization=org, by=request.user,
                                                    **_initiative_fields(form))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Added “{initiative.title}” to the action plan.")
            return redirect("improvement:initiative", org_slug=org.slug, pk=initiative.pk)
    return render(request, "improvement/initiative_form.html",
                  {"form": form, "initiative": None},
                  status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@org_view(VIEW)
def initiative_edit(request, pk: int):
    org = request.organization
    initiative = access_initiative(user=request.user, organization=org, pk=pk)
    _require_change(request, initiative)
    can_assign = request.user.has_perm(ASSIGN, initiative)
    # The form offers owner and team only to those who may change them; anyone else
    # sending them forged the request, which is refused whole (nothing is saved).
    if request.method == "POST" and not can_assign and (
            "owner" in request.POST or "team" in request.POST):
        raise PermissionDenied(ASSIGN_RULE)
    form = InitiativeForm(request.POST or None, organization=org, initiative=initiative,
                          can_assign=can_assign)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_initiative(
                initiative=initiative, by=request.user,
                expected_updated_at=form.cleaned_data["updated_at"],
                **_initiative_fields(form))
        except ValidationError as exc:
            _add_save_errors(form, exc)
        else:
            messages.success(request, f"Saved “{form.cleaned_data['title']}”.")
            return redirect("improvement:initiative", org_slug=org.slug, pk=initiative.pk)
    return render(request, "improvement/initiative_form.html",
                  {"form": form, "initiative": initiative, "can_assign": can_assign,
                   "team": queries.team_of(initiative), "assign_rule": ASSIGN_RULE},
                  status=422 if form.errors else 200)


def _render_initiative(request, initiative: Initiative, *, note_form: NoteForm | None = None,
                       status: int = 200, rating_form=None):
    from .views_ratings import ratings_context  # it imports this module: a cycle otherwise

    org = request.organization
    source = initiative.source_assessment
    linked = list(queries.measures_of_initiative(initiative))
    return render(request, "improvement/initiative_detail.html", {
        "initiative": initiative,
        "overdue": services.is_overdue(initiative, timezone.localdate()),
        "team": queries.team_of(initiative),
        "notes": queries.notes_of(initiative),
        "cycles": queries.cycles_of(initiative),
        "measures": _with_links(org.slug, linked),
        "other_measures": [m for m in queries.organization_measures(organization=org)
                           if m.pk not in {m.pk for m in linked}],
        "library": library() if request.user.has_perm("measures.add_measure", org) else (),
        "can_change": request.user.has_perm(CHANGE, initiative),
        "can_assign": request.user.has_perm(ASSIGN, initiative),
        "source_readable": source is not None and request.user.has_perm(
            "assessments.view_assessment", source),
        "note_form": note_form or NoteForm(),
        **spread_section(request, initiative),
        **ratings_context(request, initiative, rating_form),
        "aim_card": aim_card(initiative),
    }, status=status)


@require_GET
@org_view(VIEW)
def initiative_detail(request, pk: int):
    initiative = access_initiative(user=request.user, organization=request.organization, pk=pk)
    return _render_initiative(request, initiative)


@require_POST
@org_view(VIEW)
def note_add(request, pk: int):
    org = request.organization
    initiative = access_initiative(user=request.user, organization=org, pk=pk)
    _require_change(request, initiative)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_progress_note(initiative=initiative, by=request.user,
                                       text=form.cleaned_data["text"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Progress note added.")
            return redirect(reverse("improvement:initiative",
                                    kwargs={"org_slug": org.slug, "pk": initiative.pk})
                            + "#notes")
    return _render_initiative(request, initiative, note_form=form, status=422)


@require_http_methods(["GET", "POST"])
@org_view()
def from_priority(request, assessment_pk: int, key: str):
    """Add a priority to the action plan, asking for the tactic to adopt, the owner and
    the due date; then on to the new initiative's page (to link its measures)."""
    org = request.organization
    assessment = access_assessment(user=request.user, organization=org, pk=assessment_pk)
    if not request.user.has_perm("assessments.lead_assessment", assessment):
        raise PermissionDenied("Only the assessment's lead, an organization admin or a "
                               "patient-safety lead can add to the action plan.")
    item = access_pack_item(user=request.user, organization=org, pack=assessment.pack, key=key)
    back = reverse("assessments:priorities", kwargs={"org_slug": org.slug,
                                                     "pk": assessment.pk})
    if item.kind != item.Kind.ITEM:
        messages.error(request, f"{item.key!r} is not a {assessment.pack.item_noun} of this "
                                "assessment.")
        return redirect(back)
    existing = Initiative.objects.filter(source_assessment=assessment, source_item=item).first()
    if existing is not None:
        messages.error(request, f"“{item.title}” is already in the plan as "
                                f"“{existing.title}”.")
        return redirect(back)
    tactics = services.tactics_for_priority(item)
    form = FromPriorityForm(request.POST if request.method == "POST" else None,
                            organization=org, tactics=tactics)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.initiative_from_priority(
                assessment=assessment, item=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Added “{initiative.title}” to the action plan. "
                                      "Link the measures that will show whether it works.")
            return redirect("improvement:initiative", org_slug=org.slug, pk=initiative.pk)
    return render(request, "improvement/from_priority.html", {
        "assessment": assessment, "item": item, "form": form, "back": back,
    }, status=422 if form.errors else 200)


@require_POST
@org_view(VIEW)
def initiative_measure(request, pk: int):
    """Link a measure to the initiative from its page: one of the organization's
    (`measure`), or a new one from the starter library (`library_key`)."""
    org = request.organization
    initiative = access_initiative(user=request.user, organization=org, pk=pk)
    _require_change(request, initiative)
    back = reverse("improvement:initiative", kwargs={"org_slug": org.slug,
                                                     "pk": initiative.pk}) + "#measures"
    try:
        if request.POST.get("library_key"):
            if not request.user.has_perm("measures.add_measure", org):
                raise PermissionDenied("Only patient-safety leads and organization admins "
                                       "add measures.")
            measure = add_from_library(organization=org, key=request.POST["library_key"],
                                       by=request.user, initiatives=[initiative])
        else:
            raw = request.POST.get("measure", "")
            measure = next((m for m in queries.organization_measures(organization=org)
                            if str(m.pk) == raw.strip()), None)
            if measure is None:
                raise ValidationError({"measure": "Choose one of your organization's measures "
                                                  "from the list."})
            services.link_measure(initiative=initiative, measure=measure, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, f"No measure linked: {message}")
    else:
        messages.success(request, f"Linked “{measure.name}” to this initiative.")
    return redirect(back)


# --- PDSA cycles ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@org_view(VIEW)
def cycle_start(request, pk: int):
    org = request.organization
    initiative = access_initiative(user=request.user, organization=org, pk=pk)
    _require_change(request, initiative)
    form = CycleStartForm(request.POST or None, organization=org,
                          initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.start_cycle(initiative=initiative, by=request.user,
                                         **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"PDSA cycle {cycle.number} planned.")
            return redirect("improvement:cycle", org_slug=org.slug, pk=cycle.pk)
    return render(request, "improvement/cycle_start.html",
                  {"form": form, "initiative": initiative,
                   "has_measures": bool(form.fields["measures"].queryset)},
                  status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@org_view(VIEW)
def cycle_detail(request, pk: int):
    """A PDSA cycle: its four stages and its measures as sections of one form, saved
    together (text typed in one stage is not lost by saving another)."""
    org = request.organization
    cycle = access_cycle(user=request.user, organization=org, pk=pk)
    can_change = request.user.has_perm("improvement.change_cycle", cycle)
    if request.method == "POST" and not can_change:
        raise PermissionDenied(NOT_ALLOWED)
    form = CycleForm(request.POST or None, organization=org, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_cycle(cycle=cycle, by=request.user,
                                  expected_updated_at=form.cleaned_data["updated_at"],
                                  **form.cycle_fields())
        except ValidationError as exc:
            _add_save_errors(form, exc)
        else:
            messages.success(request, "PDSA cycle saved.")
            # Back to the section whose Save was pressed (the buttons name their stage).
            section = request.POST.get("section", "")
            anchor = f"#{section}" if section in CycleForm.STAGES else ""
            return redirect(reverse("improvement:cycle",
                                    kwargs={"org_slug": org.slug, "pk": cycle.pk}) + anchor)
    return render(request, "improvement/cycle_detail.html", {
        "cycle": cycle,
        "initiative": cycle.initiative,
        "form": form,
        "can_change": can_change,
        "measures": _with_links(org.slug, cycle.measures.all()),
        "has_org_measures": "measures" in form.fields,
    }, status=422 if form.errors else 200)
