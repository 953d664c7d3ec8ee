"""Spreadsheet-safe exports: one rule for every CSV and XLSX SafetyHub writes.

Text that a spreadsheet would run as a formula (it starts with = + - @, a tab or a carriage
return) gets a leading apostrophe, which spreadsheets show as text and do not evaluate: a
note typed as `=HYPERLINK(...)` must not become a live link in a board member's Excel.
CSV files start with a UTF-8 byte-order mark, which is how Excel knows they are UTF-8.
"""

import csv
from collections.abc import Iterable
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"


def spreadsheet_cell(value: Any) -> Any:
    """`value` as a spreadsheet will read it: text that would be a formula is quoted;
    numbers, dates and other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_download(rows: Iterable[Iterable[Any]], *, filename: str) -> StreamingHttpResponse:
    """Stream `rows` (the header first) as a CSV attachment that Excel opens correctly."""
    writer = csv.writer(_Echo())

    def lines():
        yield UTF8_BOM
        for row in rows:
            yield writer.writerow([spreadsheet_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    patch_cache_control(response, private=True, no_store=True)
    return response
