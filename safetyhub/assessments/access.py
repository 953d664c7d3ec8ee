from django.db.models import OuterRef, Subquery
from django.http import Http404

from safetyhub.core import audit
from safetyhub.core.models import Organization

from .models import Assessment, TeamMember
from .rules import remember_team_role


def access_assessment(*, user, organization: Organization, pk,
                      with_pack_content: bool = True) -> Assessment:
    """An assessment of the organization that the user may see (its team, and the
    organization's admins, safety leads and executive viewers); 404 for anything else.
    Without `with_pack_content` the pack's (large) content is read only if used."""
    queryset = Assessment.objects.select_related("pack", "site")
    if not with_pack_content:
        queryset = queryset.defer("pack__content")
    try:
        assessment = (
            queryset
            .annotate(caller_team_role=Subquery(
                TeamMember.objects.filter(assessment=OuterRef("pk"), user=user.pk)
                .values("role")[:1]))
            .get(organization=organization, pk=pk)
        )
    except (Assessment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such assessment.") from None
    assessment.organization = organization  # already loaded: spare the join
    remember_team_role(user, assessment.pk, assessment.caller_team_role)
    if not user.has_perm("assessments.view_assessment", assessment):
        raise Http404("No such assessment.")
    audit.record_view(assessment)
    return assessment
