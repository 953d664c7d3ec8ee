"""My work: what waits on the signed-in person, and how the organization stands.

Two small registries that domain apps fill from their `apps.py` `ready()` (core never imports
a domain app):

- `register_source(key, title, func, empty=...)`: a section of the person's list.
  `func(user, organization)` returns the `WorkItem`s waiting on the user, in the order to
  show them (overdue first is the source's job: it knows what "overdue" means). `empty` is
  what the section says when nothing waits: a sentence, or `func(user, organization)`
  returning a `Hint` (a sentence and the link of the first thing to do).
- `register_status(key, title, func)`: a tile of the organization's status strip.
  `func(user, organization)` returns a `Status`, or None when the user may not see it.

A source's or tile's function is called once per page and must cost a fixed number of
queries whatever the number of items (the page's query count is pinned by tests at 1 and 3
items). Sections and tiles appear by `order` (smaller first), then in registration order
(the order of INSTALLED_APPS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from .models import Organization, User


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting on the person: what, where to act, by when."""

    title: str
    link: str
    kind: str  # a short label: "Questions to answer", "Initiative you own"…
    due_on: dt.date | None = None
    overdue: bool = False
    detail: str = ""  # one plain-word line: progress, the initiative it belongs to…


@dataclass(frozen=True)
class Hint:
    """What an empty section says, with the first thing to do."""

    text: str
    link: str = ""
    link_text: str = ""


@dataclass(frozen=True)
class Status:
    """A tile of the status strip: a figure, what it means, and where to read more."""

    value: str
    detail: str = ""
    link: str = ""
    link_text: str = ""
    tone: str = ""  # "", "good" or "concern": how the figure reads


SourceFunc = Callable[[User, Organization], list[WorkItem]]
EmptyFunc = Callable[[User, Organization], Hint]
StatusFunc = Callable[[User, Organization], "Status | None"]


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    func: SourceFunc
    empty: str | EmptyFunc = ""
    order: int = 100


@dataclass(frozen=True)
class StatusTile:
    key: str
    title: str
    func: StatusFunc
    order: int = 100


_sources: dict[str, Source] = {}
_tiles: dict[str, StatusTile] = {}


def register_source(key: str, title: str, func: SourceFunc, *,
                    empty: str | EmptyFunc = "", order: int = 100) -> None:
    """Add a section to My work. Registering a key again replaces it (apps' `ready()` may
    run more than once in tests)."""
    _sources[key] = Source(key=key, title=title, func=func, empty=empty, order=order)


def register_status(key: str, title: str, func: StatusFunc, *, order: int = 100) -> None:
    """Add a tile to the organization's status strip (a key again replaces it)."""
    _tiles[key] = StatusTile(key=key, title=title, func=func, order=order)


def sources() -> list[Source]:
    return sorted(_sources.values(), key=lambda s: s.order)  # stable: ties keep their order


def status_tiles() -> list[StatusTile]:
    return sorted(_tiles.values(), key=lambda t: t.order)


@dataclass
class Section:
    key: str
    title: str
    items: list[WorkItem]
    empty: Hint | None

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.overdue)


@dataclass
class Tile:
    key: str
    title: str
    status: Status


@dataclass
class MyWork:
    sections: list[Section]
    tiles: list[Tile]

    @property
    def waiting(self) -> int:
        return sum(len(section.items) for section in self.sections)

    @property
    def overdue(self) -> int:
        return sum(section.overdue for section in self.sections)


def _hint(source: Source, user: User, organization: Organization) -> Hint | None:
    if callable(source.empty):
        return source.empty(user, organization)
    return Hint(text=source.empty) if source.empty else None


def my_work(*, user: User, organization: Organization) -> MyWork:
    """Every registered section and tile for the user in the organization. The caller has
    checked that the user is an active member; each source decides what of the
    organization the user may see."""
    sections = []
    for source in sources():
        items = list(source.func(user, organization))
        sections.append(Section(key=source.key, title=source.title, items=items,
                                empty=None if items else _hint(source, user, organization)))
    tiles = []
    for tile in status_tiles():
        status = tile.func(user, organization)
        if status is not None:
            tiles.append(Tile(key=tile.key, title=tile.title, status=status))
    return MyWork(sections=sections, tiles=tiles)
