"""The hardened XLSX reader: hostile workbooks are refused with a clear message on the
caller's field before they can cost memory, and nothing they hold is echoed at length."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from safetyhub.core import spreadsheets
from safetyhub.core.spreadsheets import clip, read_xlsx

SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewritten(content: bytes, *, replace: dict[str, bytes] | None = None,
              add: dict[str, bytes] | None = None) -> bytes:
    """The same workbook with some members replaced or added (deflated, as Office does)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = (replace or {}).get(info.filename, source.read(info.filename))
            target.writestr(info.filename, data)
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def sheet_xml(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(SHEET)


def refusal(content: bytes, **limits) -> str:
    with pytest.raises(ValidationError) as err:
        read_xlsx(content, **({"max_rows": 100, "max_columns": 10} | limits))
    (message,) = err.value.message_dict["file"]
    return message


def test_a_plain_workbook_is_read_row_by_row():
    content = workbook([["period", "numerator"], ["2025-01", 3], [None, None], ["2025-03", 4]])
    assert read_xlsx(content, max_rows=10, max_columns=5) == [
        ["period", "numerator"], ["2025-01", 3], [], ["2025-03", 4]]


def test_openpyxl_parses_with_defusedxml():
    # openpyxl switches to defusedxml only when it is installed: a dependency, checked here
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


def test_a_highly_compressed_part_is_refused_before_it_is_parsed():
    # 8 MB of padding after the sheet's root element is well-formed XML and deflates to a few
    # KB: the shape of the 196 KB upload that took 1.9 GB. Before the check it was imported.
    content = workbook([["period", "numerator"], ["2025-01", 3]])
    bomb = rewritten(content, replace={SHEET: sheet_xml(content) + b" " * 8_000_000})
    assert len(bomb) < 50_000
    assert "compressed more than 200:1" in refusal(bomb)


def test_a_workbook_that_expands_too_far_is_refused_even_in_small_parts():
    # parts under 1 MB each escape the ratio check; their sum does not escape the size cap
    content = workbook([["period"], ["2025-01"]])
    padding = {f"xl/media/pad{k}.xml": b"<a/>" + b" " * 900_000 for k in range(40)}
    message = refusal(rewritten(content, add=padding))
    assert message.startswith("The workbook expands to 34 MB once unpacked (at most 32 MB")


def test_a_workbook_with_too_many_parts_is_refused():
    content = workbook([["period"], ["2025-01"]])
    many = rewritten(content, add={f"xl/media/p{k}.bin": b"x" for k in range(250)})
    assert "holds 259 parts (at most 200" in refusal(many)


@pytest.mark.parametrize("broken", [
    b"<worksheet><sheetData><row r='1'><c r='A1' t='str'><v>x</v></c>",   # cut off
    b"<worksheet><sheetData><row></worksheet>",                          # mismatched tags
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row>'
    b"</sheetData></worksheet>",                                          # entities
])
def test_malformed_or_entity_laden_xml_is_a_clear_refusal(broken):
    content = rewritten(workbook([["period"], ["2025-01"]]), replace={SHEET: broken})
    assert refusal(content).startswith("The file is not a readable .xlsx workbook")


@pytest.mark.parametrize("content", [b"PK\x03\x04 not really a zip", b"", b"%PDF-1.4"])
def test_a_file_that_is_not_a_zip_is_refused(content):
    assert refusal(content).startswith("The file is not a readable .xlsx workbook")


def test_rows_and_columns_are_capped():
    wide = workbook([["period", "numerator"], ["2025-01", 3, None, None, None, "stray"]])
    assert refusal(wide, max_columns=5) == ("Row 2 has more than 5 columns; keep only the data "
                                            "columns in the first sheet.")
    long = workbook([["period"], *[[f"2025-{k}"] for k in range(30)]])
    assert refusal(long, max_rows=20) == "The sheet has more than 20 rows; import it in parts."
    # empty cells beyond the limit (formatting, say) are no reason to refuse
    padded = workbook([["period", "numerator", None, None, None, None, None, None]])
    assert read_xlsx(padded, max_rows=5, max_columns=2) == [["period", "numerator"]]


def test_clip_keeps_an_echoed_value_short_and_on_one_line():
    assert clip("  2025-13\n-01 ") == "2025-13 -01"
    long = clip("x" * 100_000)
    assert len(long) == spreadsheets.CLIP_CHARS and long.endswith("…")
