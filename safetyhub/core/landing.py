"""Where the start page sends a signed-in person who belongs to no organization. Core knows
no domain app: an app that gives such a person somewhere to go (a network's lead) registers a
function from its ready() that names a URL (no arguments) for the person, or None."""

from collections.abc import Callable

from django.urls import reverse

_landings: list[Callable] = []


def register(landing: Callable) -> None:
    if landing not in _landings:
        _landings.append(landing)


def landing_url(*, user) -> str | None:
    """The first registered landing that has a place for this person."""
    for landing in _landings:
        url_name = landing(user)
        if url_name:
            return reverse(url_name)
    return None
