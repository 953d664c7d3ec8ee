from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "safetyhub.events"
    label = "events"
    verbose_name = "Safety events"

    def ready(self) -> None:
        from safetyhub.core import audit, my_work, notifications

        from . import my_work as sources
        from .models import EventAttachment, EventReport
        from .services import NEW_REPORT_KIND

        # Sensitive: every opening is recorded. What was written (and what could tell who
        # wrote it, or who the patient is) stays out of the log: the log says that a field
        # changed, never its text, and the audit page is read by admins who may not read
        # events.
        audit.register(
            EventReport, sensitive=True,
            redact=["narrative", "immediate_actions", "answers", "people_involved",
                    "contributing_factors", "follow_up_code_hash", "client_key",
                    "identifier_flags", "patient_age_band", "patient_sex",
                    "patient_race_ethnicity", "patient_language",
                    "patient_interpreter_needed", "patient_disability"],
            describe=lambda report: f"Event report {report.reference}",
        )
        audit.register(EventAttachment, exclude=["file"],
                       describe=lambda a: f"Attachment of event report {a.report_id}")

        notifications.register_kind(
            NEW_REPORT_KIND, label="New safety event reported",
            description="A staff member, a patient or family member reported a safety event "
                        "(for event reviewers and patient-safety leads).",
            default_email=True)
        my_work.register_source("events.to_triage", "New event reports to triage",
                                sources.reports_to_triage, empty=sources.triage_hint, order=15)
        _register_search()
        _register_measures()
        _register_public()

        from . import triage_registry, triage_rules  # noqa: F401 (permissions)

        triage_registry.register()

        from safetyhub.core import platform_evidence

        from . import platform_evidence as figures

        platform_evidence.register_evidence("events", figures.figures, order=10)


def _register_search() -> None:
    """Event reports are searchable by their reviewers only (the same rule as the pages)."""
    from django.urls import reverse

    from safetyhub.core import search

    from .models import EventReport
    from .rules import is_event_reviewer

    def visible(user, organization):
        reports = EventReport.objects.filter(organization=organization)
        # empty by a condition, not .none(): search embeds this query's SQL
        return reports if is_event_reviewer(user, organization) else reports.filter(pk__lt=0)

    search.register_source(
        EventReport, key="event", label="Event reports",
        fields=[lambda r: f"{r.reference} {r.category.replace('-', ' ')}", "narrative",
                "immediate_actions"],
        url=lambda r, org: reverse("events:detail", args=[org.slug, r.pk]),
        visible=visible,
    )


def _register_measures() -> None:
    """Measures from events: an improvement measure may count its numerator from reports
    (improvement.measure_sources), and patient days and the settings are audited."""
    from safetyhub.core import audit, daily_jobs, demo
    from safetyhub.measures import sources as measure_sources

    from .demo import load_event_demo
    from .event_measures import SOURCE
    from .models import AggregateSettings, EventCountSource, PatientDays

    measure_sources.register_source(SOURCE)
    demo.register_demo_loader(load_event_demo)
    from .signal_watch import refresh_snapshots

    daily_jobs.register_daily_job("events.signal_watch_snapshots", refresh_snapshots)
    _keep_monthly_figures()
    audit.register(PatientDays, exclude=["updated_at"],
                   describe=lambda p: f"Patient days of {p.site} in {p.month:%b %Y}")
    audit.register(EventCountSource,
                   describe=lambda s: f"What measure {s.measure_id} counts from event reports")
    audit.register(AggregateSettings,
                   describe=lambda s: "Settings of the event aggregates")


def _register_public() -> None:
    """The public reporting page: who turned it on or off is audited; a public reporter's
    contact details are sensitive (every opening recorded) and never copied into the log."""
    from safetyhub.core import audit

    from .models import PublicReporter, PublicReportingPage

    audit.register(PublicReportingPage, exclude=["updated_at"])
    audit.register(PublicReporter, sensitive=True, redact=["name", "phone", "email"],
                   describe=lambda r: f"Public reporter of event report {r.report_id}")


def _keep_monthly_figures() -> None:
    """The dashboard's kept monthly figures (event_stats.py) are forgotten when what they
    count changes, and made again every night."""
    from django.db.models.signals import post_delete, post_save

    from safetyhub.core import daily_jobs

    from . import event_stats
    from .models import EventReport, EventTriage

    for signal in (post_save, post_delete):
        signal.connect(event_stats.report_changed, sender=EventReport,
                       dispatch_uid=f"event_stats.report.{signal is post_save}")
        signal.connect(event_stats.triage_changed, sender=EventTriage,
                       dispatch_uid=f"event_stats.triage.{signal is post_save}")
    daily_jobs.register_daily_job("events.monthly_figures", event_stats.remake_kept_months)
