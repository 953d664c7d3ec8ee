"""Background tasks of the platform, run by `safetyhub worker` (django.tasks, database queue)."""

from django.core.mail import send_mail
from django.tasks import task


@task()
def send_email(*, subject: str, body: str, to: list[str]) -> int:
    """Send one plain-text email. Queued so that a slow mail server never slows a page."""
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=to)
