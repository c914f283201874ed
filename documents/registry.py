"""The registries as spreadsheets shaped like the seed forms: a title, a bold frozen header
with the seed's columns, then one numbered row per line of the registry."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import date
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from documents.rows import MenteeRow, MentorRow

Translate = Callable[..., str]

# Characters a column is wide, by the row field it shows; long free text wraps.
WIDTHS = {
    "number": 5,
    "full_name": 26,
    "contact": 22,
    "birth_year": 11,
    "main_request": 42,
    "entered_on": 13,
    "mentor_name": 26,
    "form": 20,
    "mentor_workplace": 28,
    "finished_on": 13,
    "results": 36,
    "case_link": 28,
    "completion_mark": 24,
    "workplace": 28,
    "competencies": 30,
    "achievements": 36,
    "interests": 22,
    "mentee_age": 18,
    "time_available": 14,
    "mentees": 26,
    "mentee_workplace": 26,
}
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOP = Alignment(vertical="top", wrap_text=True)
WEB_LINK = re.compile(r"^https?://\S+$", re.IGNORECASE)


def mentee_registry_xlsx(
    rows: Sequence[MenteeRow],
    t: Translate,
    *,
    organization: str | None = None,
    as_of: date | None = None,
) -> bytes:
    return _workbook("mentees", MenteeRow, rows, t, organization, as_of)


def mentor_registry_xlsx(
    rows: Sequence[MentorRow],
    t: Translate,
    *,
    organization: str | None = None,
    as_of: date | None = None,
) -> bytes:
    return _workbook("mentors", MentorRow, rows, t, organization, as_of)


def _workbook(
    kind: str,
    row_type: type[MenteeRow] | type[MentorRow],
    rows: Sequence[MenteeRow] | Sequence[MentorRow],
    t: Translate,
    organization: str | None,
    as_of: date | None,
) -> bytes:
    names = ["number", *(f.name for f in fields(row_type))]
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = t(f"documents.{kind}.sheet")[:31]
    title = [t(f"documents.{kind}.title"), organization or ""]
    if as_of is not None:
        title.append(t("documents.registry.as_of", date=as_of))
    sheet.append([" · ".join(part for part in title if part)])
    sheet["A1"].font = Font(bold=True, size=14)
    header_row = 2
    sheet.append([t(f"documents.{kind}.columns.{name}") for name in names])
    for number, row in enumerate(rows, start=1):
        values = [number, *(getattr(row, name) for name in names[1:])]
        _append(sheet, values, t("documents.registry.excel_date"))
    if not rows:
        sheet.append([t("documents.registry.empty")])
    _style(sheet, names, header_row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append(sheet: Worksheet, values: list[Any], date_format: str) -> None:
    sheet.append([_clean(v) for v in values])
    for cell in sheet[sheet.max_row]:
        cell.alignment = TOP
        cell.border = BORDER
        if isinstance(cell.value, date):
            cell.number_format = date_format
        elif isinstance(cell.value, str):
            # Answers are typed by people: «=…» must stay text, never become a formula.
            cell.data_type = "s"
            if WEB_LINK.match(cell.value):
                cell.hyperlink = cell.value
                cell.font = Font(color="0563C1", underline="single")


def _clean(value: object) -> object:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value) or None
    return value


def _style(sheet: Worksheet, names: list[str], header_row: int) -> None:
    for index, name in enumerate(names, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 20)
        cell = sheet.cell(row=header_row, column=index)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    last = get_column_letter(len(names))
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)  # the header and the names stay
    sheet.auto_filter.ref = f"A{header_row}:{last}{max(sheet.max_row, header_row)}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
