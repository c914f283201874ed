"""A group's sessions over time, in private, for its facilitator and the curators: the
date, who took part (spoke or passed their own turn), the average rating and how many
left a comment."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.context import Context
from handlers import mastermind_session as room
from handlers import menu
from handlers.keyboards import short
from handlers.pair_common import refuse
from storage import mastermind as store
from storage import mastermind_stats as stats
from storage.mastermind_stats import SessionStats
from storage.models import MmGroup

MAX_GROUPS = 9  # buttons in a list; VK's inline keyboard holds 10 with «В меню»


async def _leads_any(ctx: Context) -> bool:
    return ctx.person is not None and bool(await stats.led_groups(ctx.session, ctx.person.id))


@menu.action("mmstats", label_key="mastermind.menu.stats", order=72, shown=_leads_any)
async def show(ctx: Context, arg: str) -> None:
    assert ctx.person is not None
    groups = await stats.led_groups(ctx.session, ctx.person.id)
    back = [ctx.menu_button(ctx.t("menu.back_to_menu"), "menu")]
    if arg:
        group = next((g for g in groups if str(g.id) == arg), None)
        if group is None:  # a forged or foreign group id
            refuse(ctx, "mmstats", arg)
            return await menu.show_menu(ctx)
    elif len(groups) == 1:
        group = groups[0]
    elif not groups:  # an old menu button: the group was handed over since
        ctx.say(ctx.t("mastermind.stats_no_groups"), [back])
        return
    else:
        rows = [
            [ctx.menu_button(short(g.title), "mmstats", str(g.id))] for g in groups[:MAX_GROUPS]
        ]
        ctx.say(ctx.t("mastermind.stats_which"), [*rows, back])
        return
    if len(groups) > 1:
        back = [ctx.menu_button(ctx.t("mastermind.btn.all_groups"), "mmstats"), *back]
    ctx.say(await _text(ctx, group), [back])


async def _text(ctx: Context, group: MmGroup) -> str:
    history = await stats.history(ctx.session, group.id)
    head = ctx.t("mastermind.stats_title", title=group.title)
    if not history:
        return f"{head}\n{ctx.t('mastermind.stats_none')}"
    who = await store.names(ctx.session, sorted({p for s in history for p in s.attended}))
    tz = ZoneInfo(await room.tz_of(ctx.session, group))
    blocks = [head, *(_line(ctx, s, who, tz) for s in history)]
    return "\n\n".join(blocks)


def _line(ctx: Context, s: SessionStats, who: dict[int, str], tz: ZoneInfo) -> str:
    score = f"{s.score:.1f}" if s.score is not None else "—"
    if ctx.t.locale == "ru":
        score = score.replace(".", ",")  # «4,5»
    return ctx.t(
        "mastermind.stats_line",
        date=_day(ctx, s.started_at.astimezone(tz).date()),
        stopped=ctx.t("mastermind.stats_stopped") if s.status == room.STOPPED else "",
        present=len(s.attended),
        members=s.members,
        names=", ".join(who.get(p, "—") for p in s.attended) or "—",
        score=score,
        votes=s.votes,
        comments=s.comments,
    )


def _day(ctx: Context, day: date) -> str:
    """«26 ноября», "November 26": dates as people say them."""
    month = ctx.t(f"reminders.months_genitive.{day.month}")
    return ctx.t("reminders.date", day=day.day, month=month)
