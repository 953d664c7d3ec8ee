"""API for consensus in minutes: accept every unanimous answer of an assessment in one step
(see assessments/consensus.py for what is unanimous and what needs discussion). Same rules as
the consensus sheet: 404 for outsiders, 403 for those who may not write agreed answers, 422
(field `assessment`) for a finalized or consensus-only assessment."""

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema

from . import consensus
from .api import _assessment
from .rules import agreed_by_rule

router = Router(tags=["assessments"])


class AcceptedRead(Schema):
    accepted: int = Field(..., description="how many agreed answers were written")
    items: list[str] = Field(..., description="the keys of the items accepted")
    needs_discussion: int = Field(..., description="items still without an agreed answer "
                                                   "whose members' answers differ, are "
                                                   "unsure or missing")
    message: str


@router.post("/orgs/{slug}/assessments/{assessment_id}/accept-unanimous",
             response=AcceptedRead)
def accept_unanimous(request, slug: str, assessment_id: int):
    """Write the agreed answer of every item all team members answered alike (not "unsure")
    and that has no agreed answer yet; an agreed answer already chosen is never changed."""
    _org, assessment = _assessment(request, slug, assessment_id, with_pack_content=False)
    if not request.user.has_perm("assessments.write_agreed_answers", assessment):
        raise PermissionDenied(agreed_by_rule(assessment))
    result = consensus.accept_unanimous(assessment=assessment, by=request.user)
    return {"accepted": len(result.keys), "items": result.keys,
            "needs_discussion": result.discuss, "message": result.message}
