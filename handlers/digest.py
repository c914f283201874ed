"""The curator's digest on demand (the weekly one comes from the scheduler): the same text."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.context import Context
from handlers import menu
from scheduler import texts
from scheduler.due import STALLED_AFTER
from scheduler.timing import local, month_began
from storage import digest

CURATOR = frozenset({"curator"})


@menu.action("digest", roles=CURATOR, label_key="reminders.menu.digest", order=25)
async def _digest(ctx: Context, arg: str) -> None:
    orgs = await menu.curated_orgs(ctx)
    if not orgs:
        ctx.say(ctx.t("reminders.digest.nothing"))
        return await menu.show_menu(ctx)
    for number, org in enumerate(orgs, start=1):
        data = await digest.load(
            ctx.session, org.id, ctx.now, month_began(ctx.now, org.timezone), STALLED_AFTER
        )
        today = local(ctx.now, org.timezone).date()
        text = texts.digest(ctx.t, data, today, ZoneInfo(org.timezone))
        last = number == len(orgs)
        ctx.say(text, [[ctx.menu_button(ctx.t("menu.back_to_menu"), "menu")]] if last else None)
