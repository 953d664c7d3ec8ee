"""Consensus in minutes: which items of an independent assessment the team must talk about,
and accepting in one step the answers every member already agrees on.

An item of the consensus sheet is, for the team as a whole:

* **agreed** — it has an agreed answer (chosen by the lead or accepted); settled, whatever
  the members said;
* **unanimous** — no agreed answer yet, every member of the team answered it, all gave the
  same answer, and that answer is not "unsure": it can be accepted as it is;
* **needs discussion** — everything else without an agreed answer: members' answers differ,
  someone answered "unsure" (even when everyone who answered gave that same answer, or the
  others agree), or someone has not answered yet (the team has not heard from everyone).

Accepting writes the unanimous answer as the agreed answer of every unanimous item, in one
transaction: each write is audited as a change of the agreed answer, and one event names how
many and which items were accepted. An agreed answer already chosen is never overwritten:
each item's agreed answer is locked and read again before it is written, so two people
accepting at the same moment accept each item once (the second accepts none of them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from safetyhub.core import audit
from safetyhub.core.models import AuditEntry, User
from safetyhub.frameworks.models import PackItem

from .models import Assessment, Response, TeamMember
from .rules import agreed_by_rule, writes_agreed_answers
from .scoring import UNSURE

AGREED, UNANIMOUS, DISCUSS = "agreed", "unanimous", "discuss"


def item_state(member_values: list[str], *, agreed_value: str) -> str:
    """The state of one item from each team member's own answer ("" for none)."""
    if agreed_value:
        return AGREED
    given = set(member_values)
    if member_values and "" not in given and len(given) == 1 and UNSURE not in given:
        return UNANIMOUS
    return DISCUSS


@dataclass
class Summary:
    unanimous: list[tuple[PackItem, str]] = field(default_factory=list)  # (item, the answer)
    discuss: list[PackItem] = field(default_factory=list)
    agreed: int = 0

    @property
    def discuss_keys(self) -> set[str]:
        return {item.key for item in self.discuss}


def summary(*, assessment: Assessment) -> Summary:
    """Every item of the assessment by state, in three queries (for the whole team, whoever
    asks: the sheet shows it only to those who see every member's answers)."""
    items = list(PackItem.objects.filter(pack_id=assessment.pack_id, kind=PackItem.Kind.ITEM)
                 .order_by("position"))
    team = list(TeamMember.objects.filter(assessment=assessment)
                .values_list("user_id", flat=True))
    values: dict[tuple[int, int | None], str] = {
        (item_id, who): value for item_id, who, value in
        Response.objects.filter(assessment=assessment)
        .values_list("item_id", "respondent_id", "value")}
    result = Summary()
    for item in items:
        member_values = [values.get((item.pk, user_id), "") for user_id in team]
        state = item_state(member_values, agreed_value=values.get((item.pk, None), ""))
        if state == AGREED:
            result.agreed += 1
        elif state == UNANIMOUS:
            result.unanimous.append((item, member_values[0]))
        else:
            result.discuss.append(item)
    return result


@dataclass(frozen=True)
class Accepted:
    keys: list[str]
    discuss: int

    @property
    def message(self) -> str:
        n, d = len(self.keys), self.discuss
        return (f"Accepted {n} answer{'' if n == 1 else 's'}; {d} item{'' if d == 1 else 's'} "
                f"need{'s' if d == 1 else ''} discussion.")


def check_can_accept(assessment: Assessment, by: User) -> None:
    if not assessment.is_open:
        raise ValidationError({"assessment": "This assessment is finalized; answers are "
                                             "read-only. A lead can reopen it."})
    if assessment.mode != Assessment.Mode.INDEPENDENT_THEN_CONSENSUS:
        raise ValidationError({"assessment": "The team enters agreed answers directly: there "
                                             "are no members' answers to accept."})
    if not writes_agreed_answers(by, assessment):
        raise ValidationError({"consensus": agreed_by_rule(assessment)})


def accept_unanimous(*, assessment: Assessment, by: User) -> Accepted:
    """Write the agreed answer of every unanimous item (see the module's docstring)."""
    from .services import _locked_response  # the one way to lock-or-create an answer

    accepted: list[str] = []
    with audit.acting_as(by), transaction.atomic():
        # Lock the assessment so that a finalize or a second acceptance waits for this one,
        # and check it as it is now (it may have been finalized since the page was read).
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        check_can_accept(assessment, by)
        found = summary(assessment=assessment)
        for item, value in found.unanimous:
            response = _locked_response(assessment, item, None)
            if response.value:  # chosen meanwhile: never overwritten
                continue
            response.value = value
            response.version += 1
            response.updated_by = by
            response.save()
            accepted.append(item.key)
        audit.record(action=AuditEntry.Action.EVENT, obj=assessment,
                     changes={"action": "accept_unanimous", "accepted": len(accepted),
                              "items": accepted})
    return Accepted(keys=accepted, discuss=len(found.discuss))
