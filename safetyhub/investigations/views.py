"""Investigation pages: scoring an event on the SAC matrix and starting the review it needs,
the organization's rule, the list of reviews, one review's page (team, charter, timeline,
causal statements, contributing factors, status, lesson) and the guided causal-statement
form. Views parse, call services.py, render.

Events and reviews are loaded only through the access helpers first (the same 404 for
missing, foreign and not-yours), then the role is checked (403)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetyhub.core.access import require_permission
from safetyhub.core.decorators import org_view
from safetyhub.events.access import access_event

from . import queries, sac, services
from .access import access_causal_statement, access_member, access_review
from .forms import (
    CausalStatementForm,
    CharterForm,
    DetailsForm,
    LessonForm,
    MemberForm,
    RemoveMemberForm,
    RuleForm,
    ScoreForm,
    StartForm,
    StatusForm,
    TimelineForm,
)
from .models import Review, SacScore

MANAGE = "investigations.manage_reviews"


def _put_errors(form, exc: ValidationError) -> None:
    """A service's errors on the fields they name; a stale version, the team or the status
    concern the whole form."""
    for field, problems in exc.message_dict.items():
        form.add_error(field if field in form.fields and field != "version" else None,
                       problems)


def _review_url(review: Review) -> str:
    return reverse("investigations:review", args=[review.organization.slug, review.pk])


# --- scoring and starting ------------------------------------------------------------------------

def _matrix() -> list[tuple[str, list[int]]]:
    return [(p.title, [sac.MATRIX[p.key][s.key] for s in sac.SEVERITIES])
            for p in sac.PROBABILITIES]


@require_http_methods(["GET", "POST"])
@org_view("events.report")
def score(request, pk: int):
    org = request.organization
    report = access_event(user=request.user, organization=org, pk=pk)  # 404 first
    require_permission(user=request.user, permission="investigations.score_events",
                       organization=org)
    current = SacScore.objects.filter(report=report).first()
    initial = ({"severity": current.severity, "probability": current.probability,
                "rationale": current.rationale} if current else
               {"severity": sac.SUGGESTED_SEVERITY.get(report.harm_level, "")})
    form = ScoreForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.score_event(report=report, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, f"Scored SAC {row.score} "
                                      f"({sac.SCORE_WORDS[row.score]}).")
            return redirect(reverse("events:triage", args=[org.slug, report.pk]) + "#sac")
    return render(request, "investigations/score.html", {
        "report": report, "form": form, "current": current, "matrix": _matrix(),
        "severities": sac.SEVERITIES, "probabilities": sac.PROBABILITIES,
        "basis": SacScore.Basis(services.basis_for(report)).label, "source": sac.SOURCE,
        "rule": services.review_rule(org),
    }, status=422 if form.errors else 200)


@require_POST
@org_view("events.report")
def start(request, pk: int):
    org = request.organization
    report = access_event(user=request.user, organization=org, pk=pk)  # 404 first
    require_permission(user=request.user, permission=MANAGE, organization=org)
    form = StartForm(request.POST)
    triage = reverse("events:triage", args=[org.slug, report.pk]) + "#sac"
    if not form.is_valid():
        messages.error(request, "Choose an RCA² or a lighter review.")
        return redirect(triage)
    try:
        review = services.start_review(report=report, by=request.user,
                                       kind=form.cleaned_data["kind"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(triage)
    messages.success(request, "Review started. Form the team and write the charter.")
    return redirect(_review_url(review))


@require_http_methods(["GET", "POST"])
@org_view("investigations.manage_settings")
def rule_settings(request):
    org = request.organization
    rule = services.review_rule(org)
    form = RuleForm(request.POST or None,
                    initial={f"review_for_{score}": kind for score, kind in rule.items()})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_review_rule(organization=org, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, "The rule is saved.")
            return redirect(reverse("investigations:settings", args=[org.slug]))
    return render(request, "investigations/settings.html", {
        "form": form, "matrix": _matrix(), "severities": sac.SEVERITIES, "source": sac.SOURCE,
    }, status=422 if form.errors else 200)


# --- reviews -----------------------------------------------------------------------------------

@require_GET
@org_view("investigations.view_reviews")
def review_list(request):
    org = request.organization
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    kind = kind if kind in Review.Kind.values else ""
    status = status if status in [*Review.Status.values, "open"] else ""
    reviews = list(queries.review_list(org, kind=kind, status=status)[:200])
    return render(request, "investigations/list.html", {
        "reviews": [(r, services.start_clock(r)) for r in reviews], "kind": kind,
        "status": status, "kinds": Review.Kind.choices, "statuses": Review.Status.choices,
        "can_manage_settings": request.user.has_perm("investigations.manage_settings", org),
    })


def _forms(panel: queries.ReviewPanel, *, action: str = "", bound=None) -> dict:
    review = panel.review
    version = {"version": review.version}
    kinds = {
        "member": (MemberForm, {}, {"role": "expert"}),
        "charter": (CharterForm, {}, {"scope": review.scope, "questions": review.questions,
                                      "target_completion_on": review.target_completion_on}),
        "timeline": (TimelineForm, {}, {}),
        "status": (StatusForm, {"steps": panel.steps}, {}),
        "details": (DetailsForm, {"factors": panel.factors},
                    {"title": review.title,
                     "contributing_factors": review.contributing_factors}),
        "lesson": (LessonForm, {}, {"share_lesson": review.share_lesson,
                                    "lesson": review.lesson}),
    }
    forms = {}
    for name, (cls, extra, initial) in kinds.items():
        if name == action and bound is not None:
            forms[name] = bound
        else:
            forms[name] = cls(prefix=name, initial={**initial, **version}, **extra)
    return forms


def _render_review(request, review: Review, *, form=None, action: str = "",
                   status: int = 200):
    panel = queries.review_panel(review)
    return render(request, "investigations/review.html", {
        "review": review, "panel": panel, "forms": _forms(panel, action=action, bound=form),
        "failed": action if status != 200 else "", "rules": services.RULES,
        "rules_source": services.RULES_SOURCE,
        "remove_form": RemoveMemberForm(initial={"version": review.version}),
    }, status=status)


FORM_CLASSES = {"member": MemberForm, "charter": CharterForm, "timeline": TimelineForm,
                "status": StatusForm, "details": DetailsForm, "lesson": LessonForm,
                "remove": RemoveMemberForm}


@require_http_methods(["GET", "POST"])
@org_view("events.report")
def review(request, pk: int):
    org = request.organization
    review = access_review(user=request.user, organization=org, pk=pk)  # 404 first
    if request.method == "GET":
        return _render_review(request, review)
    require_permission(user=request.user, permission=MANAGE, organization=org)
    action = request.POST.get("action", "")
    cls = FORM_CLASSES.get(action)
    if cls is None:
        return _render_review(request, review, status=400)
    panel = queries.review_panel(review)
    extra = {"status": {"steps": panel.steps},
             "details": {"factors": panel.factors}}.get(action, {})
    form = cls(request.POST, prefix=None if action == "remove" else action, **extra)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            done = _act(request, review, action, data, version)
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(_review_url(review))
    review.refresh_from_db()
    if action == "remove":
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_review_url(review))
    return _render_review(request, review, form=form, action=action, status=422)


def _act(request, review: Review, action: str, data: dict, version: int) -> str:
    by = request.user
    if action == "member":
        services.add_member(review=review, by=by, expected_version=version, **data)
        return f"{data['name']} added."
    if action == "remove":
        member = access_member(user=by, organization=review.organization, review=review,
                               pk=data["member"])
        services.remove_member(review=review, member=member, by=by, expected_version=version)
        return f"{member.name} removed."
    if action == "charter":
        services.charter(review=review, by=by, expected_version=version, **data)
        return "The review is chartered."
    if action == "timeline":
        services.add_timeline_entry(review=review, by=by, expected_version=version, **data)
        return "Added to the timeline."
    if action == "status":
        changed = services.change_review_status(review=review, by=by, to=data["to"],
                                                reason=data["reason"],
                                                expected_version=version)
        return f"The review is now {changed.get_status_display().lower()}."
    if action == "details":
        services.update_review(review=review, by=by, expected_version=version, **data)
        return "Saved."
    services.update_review(review=review, by=by, expected_version=version, **data)
    return "The lesson is saved."


@require_http_methods(["GET", "POST"])
@org_view("events.report")
def causal_statement(request, pk: int, statement_pk: int | None = None):
    org = request.organization
    review = access_review(user=request.user, organization=org, pk=pk)  # 404 first
    statement = (access_causal_statement(user=request.user, organization=org, review=review,
                                         pk=statement_pk) if statement_pk else None)
    require_permission(user=request.user, permission=MANAGE, organization=org)
    factors = services.contributing_factors(review)
    initial = {"version": review.version}
    if statement is not None:
        initial.update(cause=statement.cause, effect=statement.effect, event=statement.event,
                       contributing_factor=statement.contributing_factor,
                       rules_confirmed=statement.rules_confirmed)
    form = CausalStatementForm(request.POST or None, initial=initial, factors=factors)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.save_causal_statement(review=review, by=request.user,
                                           statement=statement, expected_version=version,
                                           **data)
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, "The causal statement is saved.")
            return redirect(_review_url(review) + "#causes")
    return render(request, "investigations/causal_statement.html", {
        "review": review, "statement": statement, "form": form,
        "rules_source": services.RULES_SOURCE,
    }, status=422 if form.errors else 200)

