"""A person's side of the reminders: mute and unmute them, and open the monthly pulse or
the quarterly diagnostics from the reminder's button."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot import forms
from bot.context import Context
from handlers import menu
from handlers.questionnaire import HOOKS, open_form
from scheduler.texts import FORM_OF_SHORT
from scheduler.timing import local, month_start, quarter_start
from storage import reminders
from storage.models import Organization, Response

PARTICIPANTS = frozenset({"mentee", "mentor"})


@menu.action("remind", label_key="reminders.menu.settings", order=85)
async def _settings(ctx: Context, arg: str) -> None:
    """«Напоминания» in the menu shows the state and the switch; the reminders' own
    «Не напоминать» button comes here with `off`."""
    assert ctx.person is not None
    if arg in ("off", "on"):
        await reminders.set_muted(ctx.session, ctx.person.id, ctx.account.id, arg == "off", ctx.now)
        ctx.say(ctx.t("reminders.settings.muted" if arg == "off" else "reminders.settings.unmuted"))
        return await menu.show_menu(ctx)
    muted = await reminders.is_muted(ctx.session, ctx.person.id)
    start, end = 21, 9
    mine = await menu.roles_of(ctx)
    org = await ctx.session.get(Organization, mine[0].organization_id) if mine else None
    if org is not None:
        start, end = org.quiet_start_hour, org.quiet_end_hour
    key = "reminders.settings.disabled" if muted else "reminders.settings.enabled"
    switch = ("reminders.settings.unmute", "on") if muted else ("reminders.settings.mute", "off")
    ctx.say(
        ctx.t(key, start=start, end=end),
        [
            [ctx.menu_button(ctx.t(switch[0]), "remind", switch[1])],
            [ctx.menu_button(ctx.t("menu.back_to_menu"), "menu")],
        ],
    )


def _period_start(form_id: str, now: datetime, tz: str) -> datetime:
    """The pulse is answered once a month, the diagnostics once a quarter (local time)."""
    today = local(now, tz).date()
    first = month_start(today) if form_id == "monthly_pulse" else quarter_start(today)
    return datetime.combine(first, datetime.min.time(), ZoneInfo(tz))


@menu.action("fill", roles=PARTICIPANTS)
async def _fill(ctx: Context, arg: str) -> None:
    """`pulse.<org>` or `diag.<org>`: checked against the presser's own participation."""
    assert ctx.person is not None
    short, _, org_arg = arg.partition(".")
    form_id = FORM_OF_SHORT.get(short)
    mine = {p.organization_id for p in await menu.roles_of(ctx) if p.role in PARTICIPANTS}
    if form_id is None or not org_arg.isdigit() or int(org_arg) not in mine:
        ctx.say(ctx.t("common.stale_button"))
        return await menu.show_menu(ctx)
    org = await ctx.session.get(Organization, int(org_arg))
    assert org is not None
    since = _period_start(form_id, ctx.now, org.timezone)
    if await reminders.submitted_since(ctx.session, ctx.person.id, form_id, since):
        title = forms.current(form_id, ctx.t.locale).title
        ctx.say(ctx.t("reminders.fill.already", title=title))
        return await menu.show_menu(ctx)
    await open_form(ctx, form_id, org.id)


async def _submitted(ctx: Context, response: Response, resubmit: bool) -> None:
    ctx.say(forms.version(response.questionnaire, response.locale, response.version).outro)
    await menu.show_menu(ctx)


for _form in FORM_OF_SHORT.values():
    HOOKS[_form] = _submitted
