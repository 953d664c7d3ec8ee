"""Plain words on the pages where the work is done (issue 10, point 9): a person answers
"questions" (a self-assessment) or "statements" (the PSSM), never "elements" of an
"instrument" or its "criteria". Those words stay on the pages that explain frameworks
(safetyhub/frameworks/templates) and in code.

The walk visits every work page of an organization with an assessment in each state, a
PSSM readiness cycle, chosen priorities, an initiative, a PDSA cycle, a measure, a notification
and a board pack; it reads what a person sees or hears (text, and the alt, title, aria-label and
placeholder attributes), the report's PDF, the spreadsheet's headers and the emails sent.
Framework text (in `pack-text`, with its provenance marker, and a pack's `pack-notice`) is
the pack's own versioned wording and is left out: changing it takes a new pack version."""

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment
from safetyhub.core import services as core_services
from safetyhub.frameworks.models import Pack, PackItem
from safetyhub.improvement import services as plan
from safetyhub.measures import services as measures

from .assessments.test_readiness import start as start_readiness
from .assessments.test_reports import CONSENSUS, build_cycle, pdf_text

FRAMEWORK_WORDS = re.compile(r"\b(elements?|instruments?|criteri(?:on|a))\b", re.IGNORECASE)
HEARD = ("alt", "title", "aria-label", "placeholder")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
LEFT_OUT = {"pack-text", "pack-notice"}


class Visible(HTMLParser):
    """The text a person sees or hears on a page, without scripts, styles and framework
    text."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # per open element: is it left out?
        self.parts: list[str] = []

    def hidden(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag, attrs) -> None:
        values = dict(attrs)
        left_out = tag in ("script", "style", "template") or bool(
            LEFT_OUT & set((values.get("class") or "").split()))
        if not (left_out or self.hidden()):
            self.parts += [values[name] for name in HEARD if values.get(name)]
        if tag not in VOID:
            self.stack.append(left_out)

    def handle_startendtag(self, tag, attrs) -> None:
        if not self.hidden():
            self.parts += [v for name, v in attrs if name in HEARD and v]

    def handle_endtag(self, tag) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data) -> None:
        if not self.hidden() and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = Visible()
    parser.feed(html)
    return " ".join(parser.parts)


# The same words in another sense: a care bundle's elements (a measure library definition).
OTHER_SENSES = ("element of the insertion bundle",)


def framework_words(text: str) -> list[str]:
    """Each framework word in `text`, with a little of what is around it."""
    for phrase in OTHER_SENSES:
        text = text.replace(phrase, "")
    return [text[max(0, m.start() - 50):m.end() + 30] for m in FRAMEWORK_WORDS.finditer(text)]


@pytest.fixture
def work(org, owner, member, settings, tmp_path):
    """An organization at work: a finalized self-assessment with chosen priorities and an
    initiative from one (with a PDSA cycle), an open one whose consensus is open, a PSSM
    readiness cycle, a notification and a board pack."""
    settings.MEDIA_ROOT = tmp_path
    sa = Pack.objects.get(organization=None, pack_id="safetyhub-sa")
    done = build_cycle(org=org, lead=owner, member=member, pack=sa, consensus=CONSENSUS,
                       opens_on=dt.date(2026, 3, 2), title="Spring 2026",
                       member_answers={"CLG-1": "0"})
    items = list(PackItem.objects.filter(pack=sa, kind=PackItem.Kind.ITEM).order_by("position"))
    for item in items[:3]:
        services.choose_priority(assessment=done, item=item, reason="Lowest and urgent",
                                 effort="low", impact="high", by=owner)
    tactic = plan.tactics_for_priority(items[0])[0]
    initiative = plan.initiative_from_priority(assessment=done, item=items[0], by=owner,
                                               tactic=tactic, owner=member,
                                               due_on=dt.date.today() - dt.timedelta(days=3))
    cycle = plan.start_cycle(initiative=initiative, by=owner, change="Huddle at 8 every day")
    open_one = services.start_assessment(
        organization=org, pack=sa, title="Autumn 2026", lead=owner, team=[member],
        mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, by=owner,
        opens_on=dt.date(2026, 9, 1))
    services.save_answer(assessment=open_one, item=items[0], user=member, value="2",
                         criteria_met=["a"], note="We have a plan")
    services.open_consensus(assessment=open_one, by=owner)
    pssm = start_readiness(org, owner, member,
                           Pack.objects.get(organization=None, pack_id="pssm"))
    falls = measures.create_measure(
        organization=org, by=owner, name="Inpatient falls", type="outcome", numerator="falls",
        direction="decrease", chart="run", unit="falls")
    for month in range(12):
        measures.save_data_point(measure=falls, period=dt.date(2025, month + 1, 1),
                                 numerator=4 + month % 3, by=owner)
    plan.link_measure(initiative=initiative, measure=falls, by=owner)
    board = core_services.create_board_pack(
        organization=org, title="Board pack, Q3", period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 9, 30), summary="We ask the board for two nurses.",
        key_measures=[], by=owner)
    return {"done": done, "open": open_one, "pssm": pssm, "initiative": initiative,
            "cycle": cycle, "board": board, "item": items[0], "tactic": tactic,
            "measure": falls}


def work_pages(org, work) -> list[str]:
    slug = org.slug

    def a(name, assessment, *args):
        return reverse(f"assessments:{name}", args=[slug, assessment.pk, *args])

    done, open_one, pssm = work["done"], work["open"], work["pssm"]
    return [
        reverse("dashboard", args=[slug]),
        reverse("notifications", args=[slug]),
        reverse("assessments:list", args=[slug]),
        reverse("assessments:start", args=[slug]),
        reverse("assessments:pssm", args=[slug]),
        *[a(name, done) for name in ("detail", "answer", "consensus", "results", "priorities",
                                     "compare", "report")],
        a("answer", done) + "?section=all",
        *[a(name, open_one) for name in ("detail", "answer", "consensus", "results",
                                         "finalize", "report")],
        a("answer", open_one) + "?section=all",
        a("consensus", open_one) + "?section=all",
        *[a(name, pssm) for name in ("detail", "answer", "consensus", "results", "priorities",
                                     "readiness", "official_texts", "report")],
        reverse("improvement:plan", args=[slug]),
        reverse("improvement:board", args=[slug]),
        reverse("improvement:initiative", args=[slug, work["initiative"].pk]),
        reverse("improvement:initiative_edit", args=[slug, work["initiative"].pk]),
        reverse("improvement:cycle", args=[slug, work["cycle"].pk]),
        reverse("improvement:from_priority", args=[slug, done.pk, work["item"].key]),
        reverse("measures:dashboard", args=[slug]),
        reverse("measures:list", args=[slug]),
        reverse("measures:new", args=[slug]),
        reverse("measures:measure", args=[slug, work["measure"].pk]),
        reverse("measures:edit", args=[slug, work["measure"].pk]),
        reverse("board_packs", args=[slug]),
        reverse("board_pack", args=[slug, work["board"].pk]),
    ]


def test_work_pages_say_question_or_statement(owner_client, org, work):
    found = {}
    for url in work_pages(org, work):
        response = owner_client.get(url, follow=True)
        assert response.status_code == 200, url
        words = framework_words(visible_text(response.content.decode()))
        if words:
            found[url] = words
    assert found == {}


def test_the_walk_would_see_a_framework_word(owner_client, org, work):
    """The reader of the walk above hears attributes and sees text, but leaves framework
    text out: a page saying "element" in any of those places would fail it."""
    html = ('<p>Answer every <b>element</b></p><span class="pack-text">an element '
            '<a class="source-mark">1</a></span><button aria-label="Save this criterion">'
            '</button><img alt="an instrument"><script>var element;</script>')
    assert FRAMEWORK_WORDS.findall(visible_text(html)) == ["element", "criterion",
                                                           "instrument"]


def test_report_pdf_spreadsheet_and_emails_say_question_or_statement(owner_client, org, work):
    done, pssm = work["done"], work["pssm"]
    slug = org.slug
    for assessment in (done, pssm):
        text = pdf_text(owner_client.get(
            reverse("assessments:report_pdf", args=[slug, assessment.pk])).content)
        # the pack's notice and framework texts are its own wording (see the module's note)
        text = text.replace(assessment.pack.content.get("notice", ""), "")
        assert framework_words(text) == []
        book = load_workbook(io.BytesIO(owner_client.get(
            reverse("assessments:xlsx", args=[slug, assessment.pk])).content))
        headers = [c.value for c in book["Responses"][1]]
        labels = [r[0] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]]
        noun = "Statement" if assessment is pssm else "Question"
        assert f"{noun} number" in headers and f"{noun}s from" in labels
        assert framework_words(" ".join(str(v) for v in headers + labels)) == []
    assert mail.outbox, "the walk's people were mailed (team, owner)"
    for message in mail.outbox:
        assert framework_words(f"{message.subject} {message.body}") == [], message.subject
