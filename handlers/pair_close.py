"""The curator closes a working pair (stage 7): the completion mark (the individual plan
fulfilled fully / not fully / not fulfilled, with the plan's progress as a hint), the
results for the registry, then the pair is finished (handlers/pair_lifecycle.end_pair)
and whoever has not answered the exit questionnaire is asked for it."""

from __future__ import annotations

from bot.context import Context
from domain import meetings as rules
from domain import pairs as pair_rules
from handlers import menu, monitoring
from handlers.base import register_flow
from handlers.meeting_common import CURATOR, Seat, seat
from handlers.pair_common import check_status, local_today, refuse, title
from handlers.pair_lifecycle import end_pair
from handlers.pair_plan import progress_of
from storage import meetings, responses

FLOW = "pairclose"
RESULT_MIN, RESULT_MAX = 3, 1000


@menu.action("pclose", roles=CURATOR)
async def start(ctx: Context, arg: str) -> None:
    found = await _curated(ctx, arg)
    if found is None or not check_status(ctx, found.pair, "finish"):
        return
    ctx.reset()
    ctx.goto(FLOW, "mark")
    ctx.remember("pair", found.pair.id)
    await CloseFlow().prompt(ctx)


async def _curated(ctx: Context, arg: str) -> Seat | None:
    found = await seat(ctx, arg, "close", (pair_rules.ACTIVE,), curator_ok=True)
    if found is not None and found.role != "curator":
        refuse(ctx, "close", arg)  # a mentor is in the pair, but closing is the curator's
        return None
    return found


class CloseFlow:
    name = FLOW

    async def _seat(self, ctx: Context) -> Seat | None:
        found = await _curated(ctx, str(ctx.data.get("pair", "")))
        if found is None:
            ctx.reset()
        return found

    async def prompt(self, ctx: Context) -> None:
        found = await self._seat(ctx)
        if found is None:
            return
        if ctx.state.step == "mark":
            return await self._ask_mark(ctx, found)
        if ctx.state.step == "result":
            ctx.say(ctx.t("meetings.close.result_question"), [ctx.nav_row()])
            return
        mark = ctx.t(f"meetings.close.marks.{ctx.data.get('mark')}")
        text = ctx.t(
            "meetings.close.confirm",
            title=await title(ctx, found.pair),
            mark=mark,
            result=ctx.data.get("result", ""),
        )
        rows = [[ctx.button(ctx.t("meetings.btn.close_pair"), "close")], ctx.nav_row()]
        ctx.say(text, rows)

    async def _ask_mark(self, ctx: Context, found: Seat) -> None:
        done, total, percent = progress_of(await meetings.plan_items(ctx.session, found.pair.id))
        progress = (
            ctx.t("meetings.close.progress_value", done=done, total=total, percent=percent)
            if total
            else ctx.t("meetings.close.progress_none")
        )
        hint = ctx.t(f"meetings.close.marks.{rules.suggested_mark(percent)}")
        lines = [ctx.t("meetings.close.mark_question", progress=progress)]
        lines.insert(1, ctx.t("meetings.close.mark_hint", mark=hint))
        if rules.FINAL not in await meetings.held_kinds(ctx.session, found.pair.id):
            lines.insert(0, ctx.t("meetings.close.no_final"))
        exits = await meetings.pair_responses(
            ctx.session, found.pair, found.people, [meetings.EXIT]
        )
        if len({r.person_id for r in exits if r.status == responses.SUBMITTED}) < len(found.people):
            lines.insert(0, ctx.t("meetings.close.exit_missing"))
        rows = [[ctx.button(ctx.t(f"meetings.close.marks.{m}"), "mark", m)] for m in rules.MARKS]
        rows.append(ctx.nav_row(back=False))
        ctx.say("\n".join(lines), rows)

    async def on_text(self, ctx: Context, text: str) -> None:
        if ctx.state.step != "result":
            ctx.say(ctx.t("common.use_buttons"))
            return await self.prompt(ctx)
        cleaned = text.strip()
        if not RESULT_MIN <= len(cleaned) <= RESULT_MAX:
            ctx.say("⚠️ " + ctx.t("meetings.close.result_length"))
            return await self.prompt(ctx)
        ctx.remember("result", cleaned)
        ctx.goto(FLOW, "confirm")
        await self.prompt(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        if ctx.state.step == "mark" and action == "mark" and arg in rules.MARKS:
            ctx.remember("mark", arg)
            ctx.goto(FLOW, "result")
            return await self.prompt(ctx)
        if ctx.state.step == "confirm" and action == "close":
            return await self._close(ctx)
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        back = {"result": "mark", "confirm": "result"}.get(ctx.state.step or "")
        if back is None:
            ctx.say(ctx.t("common.first_step"))
        else:
            ctx.goto(FLOW, back)
        await self.prompt(ctx)

    async def _close(self, ctx: Context) -> None:
        found = await self._seat(ctx)
        if found is None or not check_status(ctx, found.pair, "finish"):
            ctx.reset()
            return
        pair = found.pair
        pair.completion_mark = str(ctx.data["mark"])
        pair.result = str(ctx.data["result"])
        ctx.reset()
        ctx.say(ctx.t("meetings.close.closed_note"))  # joined into end_pair's message
        await end_pair(ctx, pair, local_today(found.org, ctx.now), None)
        await monitoring.ask_exit(ctx, found)


register_flow(CloseFlow())
