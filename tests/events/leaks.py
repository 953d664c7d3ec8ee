"""Looking for a reporter's traces everywhere SafetyHub writes: every table of the database
(read by introspection, so tables no model declares are searched too: the cache table, the
full-text index, the task queue), the files under MEDIA_ROOT and the log output.

The anonymity tests put distinctive values in place (an address, a user agent, a session key,
an email) before asserting that none of them is found. A value is looked for in its plain
form and as the SHA-256/MD5 hex digests a careless implementation might keep instead, since a
hash of an address is as good as the address to anyone who can hash the 2³² candidates.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from safetyhub.core.logging import JsonFormatter


def forms_of(value: str) -> set[str]:
    """The value and the digests of it that would identify it as well."""
    forms = {value}
    for algorithm in ("sha256", "md5", "sha1"):
        forms.add(hashlib.new(algorithm, value.encode()).hexdigest())
    return forms


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def table_rows() -> Iterator[tuple[str, dict[str, str]]]:
    """(table, {column: value as text}) for every row of every table in the database. A
    session's data is also decoded (it is stored signed and compressed)."""
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - names from the database
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                values = {column: _text(value) for column, value in zip(columns, row,
                                                                          strict=True)}
                if table == "django_session" and values.get("session_data"):
                    decoded = SessionStore().decode(values["session_data"])
                    values["session_data (decoded)"] = json.dumps(decoded, default=str)
                yield table, values


def media_files() -> Iterator[tuple[str, str]]:
    root = Path(settings.MEDIA_ROOT)
    if root.exists():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                yield str(path), path.read_bytes().decode("latin-1")


@dataclass
class Found:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.what!r} in {self.where}"


def search_database(needles: dict[str, str], *, skip: Iterable[tuple[str, str]] = ()
                    ) -> list[Found]:
    """Every place in the database and the stored files where one of `needles` (label →
    value) appears. `skip` names (table, column) pairs that legitimately hold one of them
    (the signed-in person's own session row holds its own key)."""
    skipped = set(skip)
    found: list[Found] = []
    patterns = {label: forms_of(value) for label, value in needles.items()}
    for table, values in table_rows():
        for column, text in values.items():
            if (table, column) in skipped:
                continue
            for label, forms in patterns.items():
                if any(form in text for form in forms):
                    found.append(Found(f"{table}.{column}", label))
    for path, text in media_files():
        for label, forms in patterns.items():
            if any(form in text for form in forms):
                found.append(Found(path, label))
    return found


def snapshot() -> dict[str, dict[tuple, tuple]]:
    """Every table's rows, keyed by the whole row: compare two to see what was added or
    changed in between."""
    tables: dict[str, dict[tuple, tuple]] = {}
    for table, values in table_rows():
        row = tuple(sorted(values.items()))
        tables.setdefault(table, {})[row] = row
    return tables


def added_or_changed(before: dict, after: dict) -> Iterator[tuple[str, dict[str, str]]]:
    """The rows of `after` that were not in `before` (new rows, and changed rows in their new
    form)."""
    for table, rows in after.items():
        old = before.get(table, {})
        for row in rows:
            if row not in old:
                yield table, dict(row)


@dataclass
class CapturedLogs:
    """Every log line written while capturing, as the production JSON handler writes it."""

    stream: io.StringIO = field(default_factory=io.StringIO)
    records: list[logging.LogRecord] = field(default_factory=list)

    @property
    def text(self) -> str:
        # The JSON lines, plus every attribute of every record (what another formatter or
        # handler could write), request objects aside: those live in memory only.
        extras = "\n".join(
            json.dumps({k: v for k, v in vars(record).items() if k != "request"}, default=str)
            for record in self.records)
        return self.stream.getvalue() + "\n" + extras


class _Keep(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]):
        super().__init__(level=logging.DEBUG)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def captured_logs() -> Iterator[CapturedLogs]:
    """Capture every logger's output at DEBUG and above, formatted by core.logging's JSON
    formatter as in production."""
    captured = CapturedLogs()
    json_handler = logging.StreamHandler(captured.stream)
    json_handler.setFormatter(JsonFormatter())
    json_handler.setLevel(logging.DEBUG)
    keep = _Keep(captured.records)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(json_handler)
    root.addHandler(keep)
    root.setLevel(logging.DEBUG)
    # Loggers configured with their own level (django.server, axes…) still pass INFO+.
    try:
        yield captured
    finally:
        root.removeHandler(json_handler)
        root.removeHandler(keep)
        root.setLevel(old_level)


def search_logs(logs: CapturedLogs, needles: dict[str, str]) -> list[Found]:
    text = logs.text
    return [Found("logs", label) for label, value in needles.items()
            if any(form in text for form in forms_of(value))]
