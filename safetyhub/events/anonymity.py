"""What a request that makes an anonymous report leaves behind: nothing that names its sender.

The report's own rows and audit entries are the services' business (core.audit.anonymously,
no reporter). This module covers the request around them, in one place for the staff form,
the API and the public page:

* the request log's line names no user (core.middleware.RequestLogMiddleware reads
  `request.log_no_user`);
* the session is not written by this request: a signed-in person's session would otherwise
  record its "last seen" time (core.middleware.IdleTimeoutMiddleware) or the organization
  just opened (core.decorators.org_view), dating the report to the person; a visitor with no
  session gets none, since nothing asks for one.
"""

from django.http import HttpRequest


def leave_no_trace(request: HttpRequest) -> None:
    """Mark `request` as one whose sender must not be recorded (see the module docstring).
    Call it in the view before returning; later changes to the session are not saved."""
    request.log_no_user = True
    session = getattr(request, "session", None)
    if session is not None:
        session.modified = False
