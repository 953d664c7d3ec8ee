"""The one way SafetyHub reads an uploaded XLSX workbook, and the one way it quotes a value
from an uploaded file back in an error message.

An XLSX file is a zip of XML documents, so a small upload can hold a very large workbook: a
196 KB file once expanded to 1.9 GB of memory, and a 2.7 KB one to a 1 MB error page.
`read_xlsx` therefore checks the zip's directory before anything is parsed (how many
members, how large they are once expanded, how much each is compressed), parses with
defusedxml underneath openpyxl (no entities, no external references) in read-only mode,
and stops at a row and column limit. Every problem is a ValidationError on the caller's
field (a 422 in the API), never a 500. `clip` shortens a value before it is echoed.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterator

from django.core.exceptions import ValidationError

__all__ = ["MAX_COMPRESSION_RATIO", "MAX_MEMBERS", "MAX_UNCOMPRESSED_BYTES", "clip",
           "read_xlsx", "xlsx_sheet_names"]

logger = logging.getLogger(__name__)

# A real workbook of a few thousand rows expands to a few megabytes; 32 MB leaves room for
# styles and shared strings while keeping openpyxl's memory well under a few hundred MB.
MAX_UNCOMPRESSED_BYTES = 32 * 1024 * 1024
# Office writes about a dozen members; a workbook with hundreds of sheets or images is not a
# data import.
MAX_MEMBERS = 200
# Deflate cannot compress XML much better than ~100:1 unless it is padding; a bomb is far
# beyond. Small members (< 1 MB expanded) are exempt: an empty style sheet compresses well.
MAX_COMPRESSION_RATIO = 200
RATIO_EXEMPT_BYTES = 1024 * 1024
CLIP_CHARS = 80

UNREADABLE = "The file is not a readable .xlsx workbook (save it again from the spreadsheet " \
             "program, or as .csv)."


def clip(value: object, limit: int = CLIP_CHARS) -> str:
    """`value` as one line of at most `limit` characters, for quoting in an error message:
    a cell can hold 32,767 characters, and an echoed one must not make the answer huge."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _defused() -> bool:
    import openpyxl

    return bool(openpyxl.DEFUSEDXML)


def _check_zip(content: bytes, *, field: str, max_bytes: int) -> None:
    """Refuse a zip that would expand too far before any member is parsed. The sizes in the
    directory can be trusted as limits: Python's zipfile never inflates a member past its
    declared size (a member that claims less than it holds fails its CRC check)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ValidationError({field: [UNREADABLE]}) from None
    if len(members) > MAX_MEMBERS:
        raise ValidationError({field: [
            f"The workbook holds {len(members):,} parts (at most {MAX_MEMBERS} are read); "
            "save only the data sheet, or save it as .csv."]})
    total = sum(member.file_size for member in members)
    if total > max_bytes:
        raise ValidationError({field: [
            f"The workbook expands to {total / 1048576:,.0f} MB once unpacked (at most "
            f"{max_bytes // 1048576} MB are read); import it in parts, or save it as .csv."]})
    for member in members:
        if member.file_size > RATIO_EXEMPT_BYTES and \
                member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise ValidationError({field: [
                f"The workbook part {clip(member.filename, 60)} is compressed more than "
                f"{MAX_COMPRESSION_RATIO}:1, which no real spreadsheet is; it was not read."]})


def read_xlsx(content: bytes, *, max_rows: int, max_columns: int, field: str = "file",
              max_bytes: int = MAX_UNCOMPRESSED_BYTES, sheet: str = "") -> list[list]:
    """The first sheet's (or the sheet named `sheet`'s) values as rows of cells (None for an
    empty cell, trailing empty cells left off), at most
    `max_rows` rows counted from the first (blank rows included) and `max_columns` columns.
    A sheet with more rows, or with a value in the column after the last one read (columns
    further right are never read: a sheet can claim 16,384), an oversized or over-compressed
    zip, malformed XML and anything else openpyxl cannot read raise ValidationError on
    `field`."""
    def table(workbook) -> list[list]:
        return _table(workbook, max_rows=max_rows, max_columns=max_columns, field=field,
                      sheet=sheet)

    return _with_workbook(content, field=field, max_bytes=max_bytes, read=table)


def xlsx_sheet_names(content: bytes, *, field: str = "file",
                     max_bytes: int = MAX_UNCOMPRESSED_BYTES) -> list[str]:
    """The names of the workbook's sheets, in order (checked as `read_xlsx` checks)."""
    return _with_workbook(content, field=field, max_bytes=max_bytes,
                          read=lambda workbook: list(workbook.sheetnames))


def _with_workbook(content: bytes, *, field: str, max_bytes: int, read):
    """`read(workbook)` of an uploaded workbook, opened safely; anything unreadable is a
    ValidationError on `field`."""
    if not _defused():
        # openpyxl only uses defusedxml when it is installed and OPENPYXL_DEFUSEDXML is not
        # "False"; without it, XML entities in an upload would be expanded.
        raise RuntimeError("defusedxml is required to read uploaded workbooks safely")
    _check_zip(content, field=field, max_bytes=max_bytes)
    from openpyxl import load_workbook  # imported here: only uploads need it

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return read(workbook)
        finally:
            workbook.close()
    except ValidationError:
        raise
    except Exception as exc:
        # openpyxl raises whatever its parser meets (ParseError, KeyError, defusedxml's
        # EntitiesForbidden, TypeError on a wrong attribute …): all mean "not readable".
        logger.info("unreadable workbook: %s: %s", type(exc).__name__, clip(exc, 200))
        raise ValidationError({field: [UNREADABLE]}) from None


def _table(workbook, *, max_rows: int, max_columns: int, field: str,
           sheet: str = "") -> list[list]:
    if not workbook.worksheets:
        raise ValidationError({field: ["The workbook has no sheet."]})
    if sheet and sheet not in workbook.sheetnames:
        raise ValidationError({field: [f"The workbook has no sheet “{clip(sheet)}”."]})
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    table: list[list] = []
    rows: Iterator = worksheet.iter_rows(values_only=True, max_col=max_columns + 1)
    for row in rows:
        cells = list(row)
        if len(cells) > max_columns and any(_filled(c) for c in cells[max_columns:]):
            raise ValidationError({field: [
                f"Row {len(table) + 1} has more than {max_columns} columns; keep only the "
                "data columns in the first sheet."]})
        cells = cells[:max_columns]
        while cells and cells[-1] is None:  # openpyxl pads every row to max_col
            cells.pop()
        table.append(cells)
        if len(table) > max_rows:
            raise ValidationError({field: [
                f"The sheet has more than {max_rows:,} rows; import it in parts."]})
    return table


def _filled(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())
