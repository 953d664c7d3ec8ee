"""Panels other apps add to an event's triage page (the investigations app: the event's SAC
score, what it needs next, its reviews). Events knows no app that builds on it: an app
registers a panel in its `ready()`, and the triage page renders each one whose `build`
returns data for this report and reader (None: the panel is left out)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import EventReport


@dataclass(frozen=True)
class TriagePanel:
    key: str
    template: str
    build: Callable[..., dict | None]  # build(report=…, user=…) -> the template's context
    order: int


@dataclass(frozen=True)
class BuiltPanel:
    key: str
    template: str
    data: dict


_panels: dict[str, TriagePanel] = {}


def register_panel(key: str, *, template: str, build: Callable[..., dict | None],
                   order: int = 50) -> None:
    _panels[key] = TriagePanel(key=key, template=template, build=build, order=order)


def panels_for(*, report: EventReport, user) -> list[BuiltPanel]:
    built = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        data = panel.build(report=report, user=user)
        if data is not None:
            built.append(BuiltPanel(key=panel.key, template=panel.template, data=data))
    return built
