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
any text can be part of a key. A plain hash of an IPv4 address is no secret, though: all 2³²
of them can be hashed in minutes, and the cache table keeps expired rows until it culls them.
Where an address must never be written down (the public reporting page, whose anonymous
visitors are promised exactly that), count it with `hit_in_memory` instead: the count lives
in this process's memory only, under an HMAC whose key is made at start and never leaves the
process, and is forgotten when its window ends.
"""

import hashlib
import hmac
import math
import secrets
import threading
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
    else:
        # The database cache's incr (Django's BaseCache.incr) stores the new count with the
        # default timeout, five minutes: a longer window's count would be forgotten after
        # five quiet minutes. Keep it until its window ends.
        cache.touch(cache_key, timeout=retry_after + 1)
    return Window(count=count, limit=limit, retry_after=retry_after)


def blocked(key: str, *, limit: int, window: int) -> Window | None:
    """Without counting: the current window if `limit` events are already counted in it (so
    the next one would exceed it), else None."""
    cache_key, retry_after = _window(key, window)
    count = cache.get(cache_key, 0)
    if count < limit:
        return None
    return Window(count=count, limit=limit, retry_after=retry_after)


# --- counts that are never written down -----------------------------------------------------

# Made at import, never stored or logged: without it no one can tell which address a memory
# key belongs to, even from a dump of the process.
_MEMORY_KEY = secrets.token_bytes(32)
_memory_lock = threading.Lock()
_memory: dict[str, tuple[int, float]] = {}  # key → (count, when its window ends)
# Past this many keys, expired ones are dropped before a new one is added (a flood of
# addresses cannot grow the dict for ever; an entry lives one window at most anyway).
MEMORY_PRUNE_AT = 10_000


def _memory_slot(key: str, window: int, now: float) -> tuple[str, float]:
    number = int(now // window)
    name = hmac.new(_MEMORY_KEY, f"{key}\x1f{window}\x1f{number}".encode(),
                    hashlib.sha256).hexdigest()
    return name, (number + 1) * window


def hit_in_memory(key: str, *, limit: int, window: int) -> Window:
    """As `hit`, but counted in this process's memory only: the key (which may hold an
    address) is never written to the cache, the database or a log, and is forgotten once its
    window ends. Each web process counts on its own, so with N processes someone may get up
    to N × `limit` through; use it where that is still far too few to matter, and pair it
    with a shared `hit` on a key that names no one (an organization) where a total bound is
    needed."""
    now = time.time()
    name, ends = _memory_slot(key, window, now)
    with _memory_lock:
        if len(_memory) >= MEMORY_PRUNE_AT and name not in _memory:
            for stale in [k for k, (_count, until) in _memory.items() if until <= now]:
                del _memory[stale]
        count = _memory.get(name, (0, ends))[0] + 1
        _memory[name] = (count, ends)
    return Window(count=count, limit=limit, retry_after=max(1, math.ceil(ends - now)))


def blocked_in_memory(key: str, *, limit: int, window: int) -> Window | None:
    """As `blocked`, for counts kept by `hit_in_memory`."""
    now = time.time()
    name, ends = _memory_slot(key, window, now)
    with _memory_lock:
        count = _memory.get(name, (0, ends))[0]
    if count < limit:
        return None
    return Window(count=count, limit=limit, retry_after=max(1, math.ceil(ends - now)))


def forget_memory() -> None:
    """Drop every in-memory count (tests start from nothing)."""
    with _memory_lock:
        _memory.clear()


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
