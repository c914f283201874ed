"""A draft order (приказ) of the organization fixing its approved pairs and groups, for the
head to sign: official style, a table of pairs, the responsible curator, signature lines."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from docx import Document
from docx.document import Document as Docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from documents.rows import form_label, names, registered_pairs
from storage.models import Participation, Person

Translate = Callable[..., str]
TEXT_WIDTH = Cm(16.5)  # A4 less the 3 cm and 1.5 cm margins of official papers
COLUMNS = (("number", 1.2), ("mentor", 4.0), ("mentees", 4.5), ("form", 3.6), ("term", 3.2))


@dataclass(frozen=True, slots=True)
class OrderPair:
    mentor: str
    mentees: tuple[str, ...]
    group: bool
    form: str  # the label in the document's language
    starts_on: date | None
    ends_on: date | None


async def order_pairs(
    session: AsyncSession,
    organization_id: int,
    pair_ids: Iterable[int] | None = None,
    locale: str = "ru",
) -> list[OrderPair]:
    """The organization's active pairs and groups (only `pair_ids` among them, if given),
    with the mentees still in them, by the mentor's name."""
    wanted = None if pair_ids is None else set(pair_ids)
    found = [
        f
        for f in await registered_pairs(session, organization_id, ("active",))
        if wanted is None or f.pair.id in wanted
    ]
    people = await names(
        session,
        [f.pair.mentor_person_id for f in found]
        + [m.mentee_person_id for f in found for m in f.members],
    )
    pairs = [
        OrderPair(
            mentor=people.get(f.pair.mentor_person_id or -1, ""),
            mentees=tuple(
                people.get(m.mentee_person_id or -1, "") for m in f.members if m.left_on is None
            ),
            group=f.pair.kind == "group",
            form=form_label(f.pair.form, locale),
            starts_on=f.pair.starts_on,
            ends_on=f.pair.ends_on,
        )
        for f in found
    ]
    return sorted(pairs, key=lambda p: (p.mentor.casefold(), p.starts_on or date.min))


async def curator_name(session: AsyncSession, organization_id: int) -> str | None:
    """The organization's first active curator, named in the order as the one responsible."""
    found = await session.scalars(
        select(Person.full_name)
        .join(Participation, Participation.person_id == Person.id)
        .where(
            Participation.organization_id == organization_id,
            Participation.role == "curator",
            Participation.status == "active",
            Person.full_name.is_not(None),
        )
        .order_by(Participation.id)
        .limit(1)
    )
    return found.first()


def order_docx(
    org_name: str,
    pairs: Sequence[OrderPair],
    date: date,
    t: Translate,
    *,
    curator: str | None = None,
) -> bytes:
    doc = Document()
    _page_and_font(doc)
    _para(doc, t("documents.order.draft"), align=WD_ALIGN_PARAGRAPH.RIGHT, italic=True, size=11)
    _para(doc, org_name, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    _para(doc, "")
    _para(doc, t("documents.order.heading"), align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=16)
    _para(doc, "")
    _tabbed(doc, _long_date(date, t), t("documents.order.number"))
    _para(doc, "")
    _para(doc, t("documents.order.title"), bold=True)
    _para(doc, "")
    _para(doc, t("documents.order.preamble"), indent=True)
    _para(doc, t("documents.order.orders"), bold=True)
    _para(doc, t("documents.order.p_fix"), indent=True)
    if pairs:
        _pairs_table(doc, pairs, t)
    else:
        _para(doc, t("documents.order.no_pairs"), align=WD_ALIGN_PARAGRAPH.CENTER, italic=True)
    blank = t("documents.order.blank_name")
    for key in ("p_work", "p_extend", "p_control"):
        _para(doc, t(f"documents.order.{key}", curator=curator or blank), indent=True)
    _para(doc, "")
    _para(doc, "")
    _tabbed(doc, t("documents.order.head"), t("documents.order.signature"))
    _para(doc, "")
    _para(doc, t("documents.order.acquainted"))
    for name in dict.fromkeys([*(p.mentor for p in pairs if p.mentor), curator or blank]):
        _tabbed(doc, name, t("documents.order.acquainted_line"), size=12)
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _long_date(day: date, t: Translate) -> str:
    month = t(f"documents.months.{day.month}")
    return t("documents.order.date", day=day.day, month=month, year=day.year)


def _short_date(day: date | None, t: Translate) -> str:
    return t("documents.order.short_date", date=day) if day else t("documents.order.no_date")


def _page_and_font(doc: Docx) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:cs"), "Times New Roman")
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0


def _para(
    doc: Docx,
    text: str,
    *,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    bold: bool = False,
    italic: bool = False,
    size: int | None = None,
    indent: bool = False,
) -> Paragraph:
    paragraph = doc.add_paragraph()
    paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1.25)
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    return paragraph


def _tabbed(doc: Docx, left: str, right: str, size: int | None = None) -> None:
    """`left` at the margin, `right` flush with the right margin (date and number, name and
    signature), the usual layout of these lines on a form."""
    paragraph = _para(doc, f"{left}\t{right}", align=WD_ALIGN_PARAGRAPH.LEFT, size=size)
    paragraph.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)


def _pairs_table(doc: Docx, pairs: Sequence[OrderPair], t: Translate) -> Table:
    table = doc.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, (key, _) in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = t(f"documents.order.columns.{key}")
        cell.paragraphs[0].runs[0].bold = True
    _repeat_on_every_page(table)
    for number, pair in enumerate(pairs, start=1):
        form = pair.form
        if pair.group:
            form = "\n".join(part for part in (form, t("documents.order.group")) if part)
        term = t(
            "documents.order.term",
            start=_short_date(pair.starts_on, t),
            end=_short_date(pair.ends_on, t),
        )
        values = (f"{number}.", pair.mentor, "\n".join(pair.mentees), form, term)
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    # Word reads the cells' widths, LibreOffice the grid's: set both.
    for column, (_, width) in zip(table.columns, COLUMNS, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, (_, width) in zip(row.cells, COLUMNS, strict=True):
            cell.width = Cm(width)
            for paragraph in cell.paragraphs:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
                for run in paragraph.runs:
                    run.font.size = Pt(12)
    return table


def _repeat_on_every_page(table: Table) -> None:
    header = table.rows[0]._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    header.append(flag)
