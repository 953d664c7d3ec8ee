"""The board pack: one report for the board, made of sections that apps register.

Each domain app registers its sections from its `apps.py` `ready()`:

    board_pack.register_section("plan", title="Action plan", order=40,
                                build=plan_section, template="improvement/board_pack/plan.html")

`build(organization, period, options)` returns the section's template context, or None when
the section has nothing to say for this organization (it is then left out). A context may
carry two keys the pack itself reads:

* `headlines`: [(label, value), …] — figures shown beside the lead's summary on page one;
* `appendix`: [(title, text), …] — licence, method and cautions, printed once at the end
  (the same title from two sections is printed once).

Core never imports a domain app: it only calls what was registered. The page and the PDF
render the same template (core/board_pack/pack.html); `build_pack` builds every section,
drawing its charts on `options.painter` (core/pdf.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import BoardPack, Organization
    from .pdf import ChartPainter

KEY_MEASURES_MIN = 4  # the board reads four to six key measures
KEY_MEASURES_MAX = 6
STYLESHEET = "css/board_pack.css"


@dataclasses.dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        if self.start.day == 1 and self.start.year == self.end.year:
            if self.start.month == self.end.month:
                return self.start.strftime("%B %Y")
            if (self.end.month - self.start.month == 2 and self.start.month % 3 == 1):
                return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


@dataclasses.dataclass(frozen=True)
class Options:
    """What a section's `build` may use besides the organization and the period."""

    board_pack: BoardPack
    painter: ChartPainter
    today: dt.date  # "overdue" and "latest" are judged on this day


@dataclasses.dataclass(frozen=True)
class Section:
    key: str
    title: str
    order: int
    build: Callable[..., dict | None]
    template: str


_sections: dict[str, Section] = {}


def register_section(key: str, *, title: str, order: int,
                     build: Callable[..., dict | None], template: str) -> None:
    """Add a section to every board pack (once per key: registering again replaces it, so a
    reloaded app does not print it twice)."""
    _sections[key] = Section(key=key, title=title, order=order, build=build, template=template)


_key_measure_choices: list[Callable[..., list[tuple[int, str]]]] = []


def set_key_measure_choices(choices: Callable[..., list[tuple[int, str]]]) -> None:
    """The measures app names the measures a lead may pick as key measures:
    `choices(organization=…)` → [(id, name), …]. Core stores the ids it returns and nothing
    else (it knows no domain model)."""
    _key_measure_choices[:] = [choices]


def key_measure_choices(*, organization: Organization) -> list[tuple[int, str]]:
    return _key_measure_choices[0](organization=organization) if _key_measure_choices else []


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


@dataclasses.dataclass(frozen=True)
class BuiltSection:
    section: Section
    context: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class BuiltPack:
    sections: list[BuiltSection]
    headlines: list[tuple[str, str]]
    appendix: list[tuple[str, str]]


def build_pack(*, organization: Organization, period: Period, options: Options) -> BuiltPack:
    """Every registered section's context (those with something to say), the headline
    figures they give, and the appendix, each title once."""
    built, headlines, appendix, seen = [], [], [], set()
    for section in sections():
        context = section.build(organization=organization, period=period, options=options)
        if context is None:
            continue
        built.append(BuiltSection(section=section, context=context))
        headlines.extend(context.get("headlines", ()))
        for title, text in context.get("appendix", ()):
            if title not in seen:
                seen.add(title)
                appendix.append((title, text))
    return BuiltPack(sections=built, headlines=headlines, appendix=appendix)


def period_of(board_pack: BoardPack) -> Period:
    return Period(start=board_pack.period_start, end=board_pack.period_end)


def last_full_period(*, schedule: str, today: dt.date) -> Period:
    """The last whole month or quarter before `today` (schedule "month" or "quarter")."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    if schedule == "quarter":
        end = dt.date(today.year, ((today.month - 1) // 3) * 3 + 1, 1) - dt.timedelta(days=1)
        start = dt.date(end.year, end.month - 2, 1)
    else:
        start = end.replace(day=1)
    return Period(start=start, end=end)


# --- the summary: the lead's words and the headline figures ------------------------------

def summary_section(*, organization: Organization, period: Period, options: Options) -> dict:
    # The headline figures come from the other sections: pack.html shows built.headlines.
    return {"summary": options.board_pack.summary}


register_section("summary", title="Summary for the board", order=10, build=summary_section,
                 template="core/board_pack/summary.html")


# --- page and PDF ----------------------------------------------------------------------------

def pack_context(*, board_pack: BoardPack, painter: ChartPainter, today: dt.date) -> dict:
    """Everything core/board_pack/pack.html shows (the page and the PDF alike)."""
    period = period_of(board_pack)
    built = build_pack(organization=board_pack.organization, period=period,
                       options=Options(board_pack=board_pack, painter=painter, today=today))
    return {"board_pack": board_pack, "organization": board_pack.organization,
            "period": period, "built": built, "today": today}


def render_pdf(*, board_pack: BoardPack, today: dt.date):
    """The pack as a PDF (core.pdf.Pdf: its bytes and page count)."""
    from django.template.loader import render_to_string
    from django.utils import timezone

    from .pdf import ChartPainter, write_pdf

    with ChartPainter() as painter:
        html = render_to_string("core/board_pack/pack.html", {
            **pack_context(board_pack=board_pack, painter=painter, today=today),
            "layout": "core/board_pack/print.html", "print": True,
            "generated_at": timezone.localtime()})
        return write_pdf(html=html, painter=painter, stylesheet=STYLESHEET)
