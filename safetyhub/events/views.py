"""Placeholder pages (the reporting form and the lists follow in the next commit): members
only, like every page of an organization."""

from django.http import Http404

from safetyhub.core.decorators import org_view


@org_view("events.report")
def _todo(request, *args, **kwargs):
    raise Http404("Not built yet.")


event_list = my_reports = report = draft = questions = detail = attachment = _todo
