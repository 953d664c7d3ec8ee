from django.apps import AppConfig


class InvestigationsConfig(AppConfig):
    name = "safetyhub.investigations"
    label = "investigations"
    verbose_name = "Investigation and resolution"

    def ready(self) -> None:
        from safetyhub.core import audit, demo, my_work

        from .demo import load_investigations_demo
        from .models import (
            CausalStatement,
            InvestigationSettings,
            Review,
            ReviewMember,
            SacScore,
            TimelineEntry,
        )

        demo.register_demo_loader(load_investigations_demo)
        # Sensitive: a review is about an event, and its reviewers alone read it, so every
        # opening is recorded. Its free text stays out of the log (the audit page is read by
        # admins who may not read events): the log says that it changed, never what it says.
        audit.register(Review, sensitive=True, exclude=["updated_at"],
                       redact=["scope", "questions", "status_reason", "lesson",
                               "weaker_only_reason"],
                       describe=lambda r: f"{r.get_kind_display()} {r.pk}")
        audit.register(SacScore, redact=["rationale"],
                       describe=lambda s: f"SAC score of event report {s.report_id}")
        audit.register(InvestigationSettings, exclude=["updated_at"])
        # Team members and people consulted are named: every opening is recorded, and their
        # names stay out of the log.
        audit.register(ReviewMember, sensitive=True, redact=["name", "job_title"],
                       describe=lambda m: f"{m.get_role_display()} of review {m.review_id}")
        audit.register(TimelineEntry, redact=["what", "source"],
                       describe=lambda e: f"Timeline entry of review {e.review_id}")
        audit.register(CausalStatement, sensitive=True, exclude=["updated_at"],
                       redact=["cause", "effect", "event"],
                       describe=lambda c: f"Causal statement of review {c.review_id}")

        from . import my_work as sources
        from . import (
            rules,  # noqa: F401 (permissions)
            triage_panel,
        )

        triage_panel.register()
        my_work.register_source("investigations.to_charter", "RCA²s to charter",
                                sources.reviews_to_charter, order=17)
        _register_search()
        _register_actions()
        _register_resolution()
        _register_evidence()


def _register_search() -> None:
    """Reviews are searchable by those who may open them (event reviewers and patient-safety
    leads): their title, scope and lesson."""
    from django.urls import reverse

    from safetyhub.core import search

    from .models import Review
    from .rules import is_investigator

    def visible(user, organization):
        reviews = Review.objects.filter(organization=organization)
        # empty by a condition, not .none(): search embeds this query's SQL
        return reviews if is_investigator(user, organization) else reviews.filter(pk__lt=0)

    search.register_source(
        Review, key="review", label="Reviews", fields=["title", "scope", "lesson"],
        url=lambda r, org: reverse("investigations:review", args=[org.slug, r.pk]),
        visible=visible)


def _register_actions() -> None:
    """Review actions: audited, a notification for their owners, My work, the daily
    overdue job, and their permissions."""
    from safetyhub.core import audit, daily_jobs, my_work

    from . import my_work_actions, notifications_actions, rules_actions, triage_actions  # noqa: F401
    from .models_actions import AggregateScope, ReviewAction

    # An action names its owner, and is about an event: every opening is recorded.
    audit.register(ReviewAction, sensitive=True, exclude=["updated_at"],
                   redact=["cancel_reason"],
                   describe=lambda a: f"Review action {a.pk}")
    audit.register(AggregateScope, describe=lambda s: f"Scope of aggregate review "
                                                      f"{s.review_id}")
    notifications_actions.register_kinds()
    my_work.register_source("investigations.actions", "Review actions you own",
                            my_work_actions.actions_owned,
                            empty="You own no open action from a safety event review.",
                            order=25)
    my_work.register_status("investigations.actions", "Review actions",
                            my_work_actions.actions_status, order=40)
    daily_jobs.register_daily_job("investigations.overdue_actions",
                                  my_work_actions.overdue_actions)
    triage_actions.register()


def _register_evidence() -> None:
    """What reviews, actions and resolution show the PSSM readiness view, and the board
    view's section of the board pack."""
    from safetyhub.core import platform_evidence

    from . import board, rules_board  # noqa: F401 (permissions)
    from . import platform_evidence as figures

    platform_evidence.register_evidence("investigations", figures.figures, order=30)
    board.register()


def _register_resolution() -> None:
    """Communication and resolution after harm, and care for the caregiver: permissions and
    the audit trail. Every record is sensitive (each opening recorded); what was said, and
    every name, stays out of the log (the audit page is read by admins who may not read
    events, and who may never learn who was offered peer support)."""
    from safetyhub.core import audit, my_work

    from . import resolution_panel, resolution_queries
    from .models_resolution import (
        ResolutionContact,
        ResolutionQuestion,
        ResolutionRecord,
        SupportOffer,
    )

    audit.register(ResolutionRecord, sensitive=True, exclude=["updated_at"],
                   redact=["resolution_note"],
                   describe=lambda r: f"Communication and resolution of event report "
                                      f"{r.report_id}")
    audit.register(ResolutionContact, sensitive=True,
                   redact=["organization_people", "what_was_shared"],
                   describe=lambda c: f"{c.get_kind_display()} about event report "
                                      f"{c.record.report_id}")
    audit.register(ResolutionQuestion, sensitive=True, redact=["question", "answer"],
                   describe=lambda q: f"Question about event report {q.record.report_id}")
    audit.register(SupportOffer, sensitive=True,
                   redact=["staff_name", "staff_role", "offered_by", "note", "report"],
                   describe=lambda o: f"Support offer {o.pk}")
    resolution_panel.register()
    my_work.register_source("investigations.to_disclose", "Harm events to disclose",
                            resolution_queries.harm_events_to_disclose, order=18)
