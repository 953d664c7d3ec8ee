"""The rules every input obeys, in one place: text without control characters (and, in a
single-line field, without line breaks), finite numbers of a sane size, ids a database can
hold, dates between 1900 and 2200.

They are applied generally rather than field by field, so no new field can forget them:

- `guard_model_values` runs before every save of a SafetyHub model: each CharField must be
  one line of text, each TextField and each string inside a JSONField text without control
  characters but tabs and line breaks, each float finite and within ±1e12, each integer
  within its database column, each date within 1900–2200. A breach raises ValidationError
  naming the field, which pages show on the form and the API answers as a 422.
- `InputTextMiddleware` refuses control characters in the path, query parameters and the
  strings of a JSON body before any view runs (a NUL byte even breaks a PostgreSQL lookup).
- `Id`, `Number`, `Day`, `Line`, `Text` are the same rules as types for API schemas, and
  `Pagination` bounds `limit` and `offset`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.http import JsonResponse
from django.shortcuts import render
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import AfterValidator

__all__ = [
    "MAX_ID", "MAX_MAGNITUDE", "Day", "Id", "InputTextMiddleware", "Line", "Number",
    "Pagination", "Text", "check_date", "check_number", "guard_model_values", "text_problem",
]

MAX_ID = 2**63 - 1  # a bigint primary key
# Safety measures count events, days and rates: a trillion is far past any real value and
# far from where sums of squares overflow a float (the 1e308 goal broke every chart).
MAX_MAGNITUDE = 1e12
FIRST_YEAR, LAST_YEAR = 1900, 2200
MAX_PAGE = 500
MAX_OFFSET = 10**9

# C0 controls and DEL; tab, line feed and carriage return are allowed where text may span
# lines. (C1 controls are left alone: they are printable in some legacy encodings' texts.)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\n\r\x85\u2028\u2029]")
SAFETYHUB_APPS = frozenset({"core", "frameworks", "assessments", "improvement", "measures",
                            "events", "investigations", "network"})
UNGUARDED = frozenset({"core.AuditEntry", "core.ChainHead"})  # written from checked values


def text_problem(value: str, *, single_line: bool) -> str | None:
    """Why `value` is not acceptable text, or None."""
    match = _CONTROL.search(value)
    if match or (single_line and "\t" in value):
        char = match.group() if match else "\t"
        return f"Contains a control character (U+{ord(char):04X}); remove it."
    if single_line and _LINE_BREAK.search(value):
        return "Must be a single line (no line breaks)."
    return None


def check_number(value: float) -> str | None:
    if not math.isfinite(value):
        return "Must be a finite number."
    if abs(value) > MAX_MAGNITUDE:
        return f"Must be between -{MAX_MAGNITUDE:,.0f} and {MAX_MAGNITUDE:,.0f}."
    return None


def check_date(value: dt.date) -> str | None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        return f"Must be a date between {FIRST_YEAR} and {LAST_YEAR}."
    return None


def _strings(value: Any, path: str = ""):
    """(path, text) for every string in a JSON-like value, keys included."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            yield from _strings(key, inner)
            yield from _strings(item, inner)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _field_problem(field: models.Field, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(field, models.CharField) and isinstance(value, str):
        # choices and slugs are CharFields too: one line is right for all of them
        return text_problem(value, single_line=True)
    if isinstance(field, models.TextField) and isinstance(value, str):
        return text_problem(value, single_line=False)
    if isinstance(field, models.JSONField):
        for _path, text in _strings(value):
            if problem := text_problem(text, single_line=False):
                return problem
        return None
    if isinstance(field, models.FloatField | models.DecimalField) and \
            isinstance(value, int | float) and not isinstance(value, bool):
        return check_number(float(value))
    if isinstance(field, models.IntegerField) and isinstance(value, int):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if (low is not None and value < low) or (high is not None and value > high):
            return "Is out of range."
        return None
    if isinstance(field, models.DateField) and isinstance(value, dt.date):
        return check_date(value)
    return None


def guard_model_values(sender, instance, raw=False, **kwargs) -> None:
    """pre_save receiver: refuse a SafetyHub row whose values break the rules above."""
    meta = sender._meta
    if raw or meta.app_label not in SAFETYHUB_APPS or meta.label in UNGUARDED:
        return
    errors = {}
    for field in meta.concrete_fields:
        if field.primary_key or field.is_relation:
            continue
        problem = _field_problem(field, getattr(instance, field.attname, None))
        if problem:
            errors[field.name] = problem
    if errors:
        raise ValidationError(errors)


# --- the API edge ---------------------------------------------------------------------------


def _checked(check):
    def validate(value):
        if (problem := check(value)) is not None:
            raise ValueError(problem)
        return value
    return AfterValidator(validate)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Number = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)]
Day = Annotated[dt.date, _checked(check_date)]
Line = Annotated[str, _checked(lambda v: text_problem(v, single_line=True))]
Text = Annotated[str, _checked(lambda v: text_problem(v, single_line=False))]


class Pagination(LimitOffsetPagination):
    """limit/offset with upper bounds: a limit of 10²⁰ once reached the database."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_PAGE)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


# --- every request ----------------------------------------------------------------------------


def _printable(name: str) -> str:
    """A field name fit to quote back: control characters dropped, at most 60 characters."""
    return _CONTROL.sub("", name)[:60]


class InputTextMiddleware:
    """Refuse control characters in the path, in query parameters (which are one line: no
    tabs or line breaks either) and in a JSON body's strings, naming the first field at
    fault: a JSON 422 under /api/, a 400 page elsewhere. They reach lookups before any model
    is saved (a NUL byte breaks a PostgreSQL query). Form fields are left to the forms and to
    `guard_model_values`, which show the problem on the field and keep what was typed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self._problem(request)
        if problem is None:
            return self.get_response(request)
        field, reason = problem
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": [{"field": field, "reason": reason}]}, status=422)
        return render(request, "400.html", {"message": f"{field}: {reason}"}, status=400)

    @staticmethod
    def _problem(request) -> tuple[str, str] | None:
        if reason := text_problem(request.path, single_line=True):
            return "path", reason
        for name, values in request.GET.lists():
            for value in (name, *values):
                if reason := text_problem(value, single_line=True):
                    return _printable(name) or "query", reason
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("POST", "PUT", "PATCH") and \
                content_type.startswith("application/json"):
            try:
                data = json.loads(request.body or b"null")
            except (ValueError, UnicodeDecodeError):
                return None  # the API answers its own parse error
            for path, text in _strings(data):
                if reason := text_problem(text, single_line=False):
                    return (_printable(path) or "body"), reason
        return None
