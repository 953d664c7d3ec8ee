"""Counting and limiting repeated actions: failed sign-ins from one address, password-reset
mails, report rendering per organization, wrong invitation links.

A view that raises Throttled is answered 429 (core.middleware.ThrottledMiddleware, and the
API's handler); a view inside the request transaction returns views.system.too_many(…)
instead, so that the counts it made are kept.

Counts live in Django's cache (settings.CACHES: a table in the database, so every web process
and every machine sees the same counts). They are approximate under heavy concurrency (the
cache's increment is not atomic on every backend), which is fine for a throttle: it bounds
the rate, it does not account for it.

Keys are hashed, so an email address or an address never sits in the cache in clear text and
any text can be part of a key.
"""

import hashlib
import math
import secrets
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.template.defaultfilters import pluralize


@dataclass(frozen=True)
class Window:
    """A count in the current fixed window of `seconds` seconds."""

    count: int
    limit: int
    retry_after: int  # seconds until the window ends and counting starts again

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit


class Throttled(Exception):
    """Too many at once or too often: answered 429 with `message` and a Retry-After."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _key(*parts: str) -> str:
    return "throttle:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:48]


def _window(key: str, window: int) -> tuple[str, int]:
    now = time.time()
    number = int(now // window)
    return _key(key, str(window), str(number)), max(1, math.ceil((number + 1) * window - now))


def hit(key: str, *, limit: int, window: int) -> Window:
    """Count one event under `key` in the current window of `window` seconds; the answer's
    `exceeded` says whether this one went beyond `limit`."""
    cache_key, retry_after = _window(key, window)
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    return Window(count=count, limit=limit, retry_after=retry_after)


def blocked(key: str, *, limit: int, window: int) -> Window | None:
    """Without counting: the current window if `limit` events are already counted in it (so
    the next one would exceed it), else None."""
    cache_key, retry_after = _window(key, window)
    count = cache.get(cache_key, 0)
    if count < limit:
        return None
    return Window(count=count, limit=limit, retry_after=retry_after)


@contextmanager
def concurrent(key: str, *, limit: int, timeout: int, message: str) -> Iterator[None]:
    """Run the block in one of `limit` slots under `key`, or raise Throttled(message) when all
    are taken. The slot is freed when the block ends, however it ends, and after `timeout`
    seconds in any case (a process that died holding one must not hold it for ever)."""
    token = secrets.token_hex(8)
    for number in range(limit):
        slot = _key(key, "slot", str(number))
        if cache.add(slot, token, timeout=timeout):
            try:
                yield
            finally:
                if cache.get(slot) == token:  # not a slot that expired and was taken since
                    cache.delete(slot)
            return
    raise Throttled(message, retry_after=5)


# A report that takes longer than this has died; its slot is then given back.
REPORT_SLOT_SECONDS = 5 * 60


def report_slot(*, organization) -> AbstractContextManager[None]:
    """One of the organization's settings.REPORTS_AT_ONCE_PER_ORGANIZATION slots for
    rendering a report (web, PDF or spreadsheet), for the length of a `with` block: a few
    people asking for many reports at once cannot take every web worker from everyone else."""
    limit = settings.REPORTS_AT_ONCE_PER_ORGANIZATION
    return concurrent(
        f"reports:{organization.pk}", limit=limit, timeout=REPORT_SLOT_SECONDS,
        message=f"{organization.name} already has {limit} report{pluralize(limit)} being "
                "prepared. Try again in a few seconds.",
    )
