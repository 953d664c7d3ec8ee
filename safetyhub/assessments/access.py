from django.http import Http404

from safetyhub.core import audit
from safetyhub.core.models import Organization

from .models import Assessment


def access_assessment(*, user, organization: Organization, pk) -> Assessment:
    """An assessment of the organization that the user may see (its team, and the
    organization's admins, safety leads and executive viewers); 404 for anything else."""
    try:
        assessment = Assessment.objects.select_related("pack", "site", "organization").get(
            organization=organization, pk=pk)
    except (Assessment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such assessment.") from None
    if not user.has_perm("assessments.view_assessment", assessment):
        raise Http404("No such assessment.")
    audit.record_view(assessment)
    return assessment
