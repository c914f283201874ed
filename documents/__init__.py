"""Documents a curator receives in chat as files: the registries of mentees and mentors
(XLSX, the columns of the seed forms) and a draft order fixing the approved pairs (DOCX)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from documents.order import curator_name, order_docx, order_pairs
from documents.registry import mentee_registry_xlsx, mentor_registry_xlsx
from documents.rows import mentee_rows, mentor_rows, zone
from storage.models import Organization

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

__all__ = [
    "DOCX",
    "XLSX",
    "mentee_registry_xlsx",
    "mentee_rows",
    "mentor_registry_xlsx",
    "mentor_rows",
    "order_docx",
    "order_file",
    "order_pairs",
    "registry_files",
]


async def _organization(
    session: AsyncSession, organization_id: int, now: datetime | None
) -> tuple[str, date]:
    """The organization's name and its local date (a file made at 01:00 in Vladivostok
    carries Vladivostok's date, not the server's)."""
    org = await session.get(Organization, organization_id)
    if org is None:
        raise LookupError(f"no organization {organization_id}")
    return org.name, (now or datetime.now(UTC)).astimezone(zone(org.timezone)).date()


async def registry_files(
    session: AsyncSession, organization_id: int, locale: str, *, now: datetime | None = None
) -> list[tuple[str, str, bytes]]:
    """(filename, mime, bytes) of the registry of mentees and of mentors."""
    name, today = await _organization(session, organization_id, now)
    t = Translator(locale)
    mentees = mentee_registry_xlsx(
        await mentee_rows(session, organization_id, locale), t, organization=name, as_of=today
    )
    mentors = mentor_registry_xlsx(
        await mentor_rows(session, organization_id, locale), t, organization=name, as_of=today
    )
    return [
        (f"mentees_{today.isoformat()}.xlsx", XLSX, mentees),
        (f"mentors_{today.isoformat()}.xlsx", XLSX, mentors),
    ]


async def order_file(
    session: AsyncSession,
    organization_id: int,
    locale: str,
    *,
    pair_ids: list[int] | None = None,
    now: datetime | None = None,
) -> tuple[str, str, bytes]:
    """(filename, mime, bytes) of the draft order fixing the organization's active pairs."""
    name, today = await _organization(session, organization_id, now)
    pairs = await order_pairs(session, organization_id, pair_ids, locale)
    curator = await curator_name(session, organization_id)
    content = order_docx(name, pairs, today, Translator(locale), curator=curator)
    return f"order_pairs_{today.isoformat()}.docx", DOCX, content
