"""Background tasks of the platform, run by `safetyhub worker` (django.tasks, database queue)."""

from django.core.mail import send_mail
from django.tasks import task


@task()
def send_email(*, subject: str, body: str, to: list[str]) -> int:
    """Send one plain-text email. Queued so that a slow mail server never slows a page."""
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=to)


@task()
def generate_board_pack_task(*, board_pack_id: int) -> int | None:
    """Make a board pack's PDF (core.services.generate_board_pack); returns its page count."""
    from . import audit
    from .services import generate_board_pack

    with audit.acting_as(label="task:generate_board_pack"):
        pack = generate_board_pack(board_pack_id=board_pack_id)
    return pack.pdf_pages if pack else None
