"""The audit log of an organization as a spreadsheet: when, who, what, on which object."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill

Translate = Callable[..., str]
COLUMNS = ("number", "at", "who", "action", "details")
WIDTHS = {"number": 7, "at": 18, "who": 28, "action": 34, "details": 60}


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime
    who: str  # the actor's name; «—» for the system or a person who withdrew consent
    action: str
    details: dict[str, Any]


def action_label(t: Translate, action: str) -> str:
    """A readable name where one is known; new actions show their code."""
    key = "privacy.audit.actions." + action.replace(".", "_")
    try:
        return t(key)
    except KeyError:
        return action


def details_text(details: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in details.items() if v not in (None, "", [], {}))


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def audit_xlsx(rows: Sequence[AuditRow], t: Translate, organization: str, zone: ZoneInfo) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("privacy.audit.sheet")[:31]
    sheet.append([t("privacy.audit.title", org=organization, tz=str(zone))])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([t(f"privacy.audit.columns.{c}") for c in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for number, row in enumerate(rows, start=1):
        local = row.at.astimezone(zone).strftime("%d.%m.%Y %H:%M:%S")
        sheet.append(
            [
                number,
                local,
                _text(row.who),
                _text(action_label(t, row.action)),
                _text(details_text(row.details)),
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if isinstance(cell.value, str):
                cell.data_type = "s"  # «=…» stays text, never a formula
    for index, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[chr(ord("A") + index - 1)].width = WIDTHS[name]
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:E{max(sheet.max_row, 2)}"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
