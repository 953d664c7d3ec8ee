"""Background tasks of event reporting, run by `safetyhub worker` (django.tasks)."""

from django.tasks import task


@task()
def tell_reviewers_of_report(*, report_id: int, reporter_id: int | None) -> int:
    """Notify the reviewers of a new report (services.tell_reviewers); returns how many were
    told. Queued by intake, so a report costs one queued row however many reviewers there
    are. `reporter_id` is None for an anonymous report: nothing here names its reporter."""
    from .services import tell_reviewers

    return tell_reviewers(report_id=report_id, reporter_id=reporter_id)
