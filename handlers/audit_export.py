"""The curator's copy of their organization's audit log (XLSX), from the profile. Only
rows of organizations the presser curates; the export itself is audited."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

import documents
from bot.context import Context
from bot.events import Attachment
from documents.audit import AuditRow, audit_xlsx
from handlers import menu
from handlers.pair_common import CURATOR, audit, curator_org
from storage.models import AuditEntry, Organization, Person

MAX_ROWS = 100_000  # an Excel sheet holds a million; a year of a school is far below this


async def rows_of(ctx: Context, org_id: int) -> list[AuditRow]:
    query = (
        select(AuditEntry, Person.full_name)
        .outerjoin(Person, Person.id == AuditEntry.actor_person_id)
        .where(AuditEntry.organization_id == org_id)
        .order_by(AuditEntry.id.desc())
        .limit(MAX_ROWS)
    )
    found = [
        AuditRow(entry.at, name or "—", entry.action, entry.details or {})
        for entry, name in await ctx.session.execute(query)
    ]
    return found[::-1]


async def send_log(ctx: Context, org: Organization) -> None:
    rows = await rows_of(ctx, org.id)
    data = audit_xlsx(rows, ctx.t, org.name, ZoneInfo(org.timezone))
    day = ctx.now.astimezone(ZoneInfo(org.timezone)).date().isoformat()
    ctx.say(
        ctx.t("privacy.audit.caption", org=org.name, count=len(rows)),
        attachment=Attachment(f"audit_{org.id}_{day}.xlsx", data, documents.XLSX),
    )
    audit(ctx, org.id, "export.audit", rows=len(rows))


@menu.action("auditlog", roles=CURATOR)
async def _audit_log(ctx: Context, arg: str) -> None:
    if arg:
        org = await curator_org(ctx, arg, "auditlog")  # refuses and audits a foreign one
        orgs = [org] if org is not None else []
    else:
        orgs = await menu.curated_orgs(ctx)
    for org in orgs:
        await send_log(ctx, org)
    if orgs:
        ctx.say(
            ctx.t("privacy.audit.sent"), [[ctx.menu_button(ctx.t("menu.back_to_menu"), "menu")]]
        )
