"""The pair's individual plan: goals and tasks with due dates, usually set at the planning
meeting, ticked off by either side, progress in per cent. Curators see it read-only."""

from __future__ import annotations

from datetime import date

from bot.context import Context
from bot.events import Button
from bot.i18n import Translator
from domain import meetings as rules
from domain import pairs as pair_rules
from handlers import menu
from handlers.base import pop_step, push_step, register_flow
from handlers.keyboards import short
from handlers.meeting_common import (
    EVERYONE,
    PARTICIPANTS,
    WORKED,
    Seat,
    back_rows,
    date_example,
    seat,
)
from handlers.meeting_common import say_date as spoken
from handlers.pair_common import audit, paged, refuse, split_arg
from storage import meetings
from storage.models import PlanItem

FLOW = "planadd"
TEXT_MIN, TEXT_MAX = 3, 200


def due_text(t: Translator, item: PlanItem) -> str:
    if item.due_on is None:
        return t("meetings.plan.no_due")
    return t("meetings.plan.due", date=spoken(t, item.due_on))


def progress_of(items: list[PlanItem]) -> tuple[int, int, int | None]:
    done = sum(1 for i in items if i.done_at is not None)
    return done, len(items), rules.progress(done, len(items))


@menu.action("plan", roles=EVERYONE)
async def show(ctx: Context, arg: str) -> None:
    """`<pair>` or `<pair>.<page>`: the plan; its sides can tick and add."""
    pair_arg, _, page = arg.partition(".")
    found = await seat(ctx, pair_arg, "plan", WORKED, curator_ok=True)
    if found is None:
        return
    await render(ctx, found, int(page) if page.isdigit() else 0)


async def render(ctx: Context, found: Seat, page: int = 0, edit: bool = False) -> None:
    items = await meetings.plan_items(ctx.session, found.pair.id)
    done, total, percent = progress_of(items)
    lines = [ctx.t("meetings.plan.title", id=found.pair.id)]
    if items:
        lines.append(ctx.t("meetings.plan.progress", done=done, total=total, percent=percent))
        for n, item in enumerate(items, start=1):
            mark = "✅" if item.done_at else "⬜"
            lines.append(
                ctx.t(
                    "meetings.plan.item",
                    mark=mark,
                    n=n,
                    text=item.text,
                    due=due_text(ctx.t, item),
                )
            )
    else:
        lines.append(ctx.t("meetings.plan.empty"))
    can_edit = found.role != "curator" and found.pair.status == pair_rules.ACTIVE
    tail: list[list[Button]] = []
    if can_edit:
        tail.append([ctx.menu_button(ctx.t("meetings.btn.add_item"), "padd", str(found.pair.id))])
    tail += back_rows(ctx, found.pair, found.role)
    toggles: list[Button] = []
    if can_edit and items:
        lines.append(ctx.t("meetings.plan.tap_hint"))
        for n, item in enumerate(items, start=1):
            label = f"{'✅' if item.done_at else '⬜'} {n}. {item.text}"
            toggles.append(ctx.menu_button(short(label), "ptick", f"{item.id}.{page}"))
    rows = paged(
        ctx,
        toggles,
        page,
        lambda p, label: ctx.menu_button(label, "plan", f"{found.pair.id}.{p}"),
        tail,
    )
    ctx.say("\n".join(lines), rows, edit=edit)


@menu.action("ptick", roles=PARTICIPANTS)
async def _tick(ctx: Context, arg: str) -> None:
    ids = split_arg(arg, 2)
    item = await ctx.session.get(PlanItem, ids[0]) if ids else None
    if ids is None or item is None:
        return refuse(ctx, "plan_tick", arg)
    found = await seat(ctx, str(item.pair_id), "plan_tick")
    if found is None or ctx.person is None:
        return
    if item.done_at is None:
        item.done_at, item.done_by = ctx.now, ctx.person.id
        note = "meetings.plan.ticked"
    else:
        item.done_at, item.done_by = None, None
        note = "meetings.plan.unticked"
    audit(ctx, found.pair.organization_id, "plan.ticked", item=item.id, done=bool(item.done_at))
    ctx.say(ctx.t(note, text=item.text))
    await render(ctx, found, ids[1])


@menu.action("padd", roles=PARTICIPANTS)
async def _add(ctx: Context, arg: str) -> None:
    found = await seat(ctx, arg, "plan_add")
    if found is None:
        return
    ctx.reset()
    ctx.goto(FLOW, "text")
    ctx.remember("pair", found.pair.id)
    await AddItemFlow().prompt(ctx)


class AddItemFlow:
    """A plan item: its text, then its due date; then another or back to the plan."""

    name = FLOW

    async def _seat(self, ctx: Context) -> Seat | None:
        found = await seat(ctx, str(ctx.data.get("pair", "")), "plan_add")
        if found is None:
            ctx.reset()
        return found

    def _today(self, ctx: Context, found: Seat) -> date:
        return ctx.now.astimezone(found.tz).date()

    async def prompt(self, ctx: Context) -> None:
        found = await self._seat(ctx)
        if found is None:
            return
        step, today = ctx.state.step, self._today(ctx, found)
        if step == "text":
            ctx.say(ctx.t("meetings.plan.text_question"), [ctx.nav_row(back=False)])
        elif step == "due":
            rows = [
                [ctx.button(ctx.t(f"meetings.btn.{key}", date=spoken(ctx.t, day)), "due", code)]
                for code, key, day in self._due_choices(found, today)
            ]
            rows.append([ctx.button(ctx.t("meetings.btn.no_due"), "due", "none")])
            rows.append(ctx.nav_row())
            example = date_example(today, past=False)
            ctx.say(ctx.t("meetings.plan.due_question", example=example), rows)
        elif step == "more":
            rows = [
                [ctx.button(ctx.t("meetings.btn.add_more"), "more")],
                [ctx.button(ctx.t("meetings.btn.done"), "done")],
            ]
            ctx.say(ctx.t("meetings.plan.more_question"), rows)

    def _due_choices(self, found: Seat, today: date) -> list[tuple[str, str, date]]:
        end = found.pair.ends_on
        offered = [
            ("m1", "due_month", pair_rules.add_months(today, 1)),
            ("m3", "due_quarter", pair_rules.add_months(today, 3)),
        ]
        choices = [c for c in offered if end is None or c[2] <= end]
        if end is not None and end >= today:
            choices.append(("end", "due_end", end))
        return choices

    async def on_text(self, ctx: Context, text: str) -> None:
        found = await self._seat(ctx)
        if found is None:
            return
        step = ctx.state.step
        if step == "text":
            cleaned = " ".join(text.split())
            if not TEXT_MIN <= len(cleaned) <= TEXT_MAX:
                ctx.say("⚠️ " + ctx.t("meetings.plan.text_length"))
                return await self.prompt(ctx)
            ctx.remember("text", cleaned)
            push_step(ctx, FLOW, "due")
            return await self.prompt(ctx)
        if step == "due":
            today = self._today(ctx, found)
            day = rules.parse_day(text, today, past=False)
            if day is None:
                example = date_example(today, past=False)
                ctx.say("⚠️ " + ctx.t("meetings.log.bad_date", example=example))
                return await self.prompt(ctx)
            return await self._save(ctx, found, day)
        ctx.say(ctx.t("common.use_buttons"))
        await self.prompt(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        found = await self._seat(ctx)
        if found is None:
            return
        step, today = ctx.state.step, self._today(ctx, found)
        if step == "due" and action == "due":
            if arg == "none":
                return await self._save(ctx, found, None)
            picked = {c[0]: c[2] for c in self._due_choices(found, today)}
            if arg in picked:
                return await self._save(ctx, found, picked[arg])
        if step == "more" and action == "more":
            ctx.forget("text", "history")
            ctx.goto(FLOW, "text")
            return await self.prompt(ctx)
        if step == "more" and action == "done":
            ctx.reset()
            return await render(ctx, found)
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        if ctx.state.step == "more" or pop_step(ctx) is None:
            ctx.say(ctx.t("common.first_step"))
        await self.prompt(ctx)

    async def _save(self, ctx: Context, found: Seat, due: date | None) -> None:
        if due is not None:
            problem = rules.due_error(due, self._today(ctx, found), found.pair.ends_on)
            if problem is not None:
                end = spoken(ctx.t, found.pair.ends_on) if found.pair.ends_on else ""
                ctx.say("⚠️ " + ctx.t(f"meetings.errors.{problem}", end=end))
                return await self.prompt(ctx)
        item = PlanItem(
            pair_id=found.pair.id, text=str(ctx.data["text"]), due_on=due, created_at=ctx.now
        )
        ctx.session.add(item)
        await ctx.session.flush()
        audit(ctx, found.pair.organization_id, "plan.added", item=item.id)
        ctx.say(ctx.t("meetings.plan.added", text=item.text, due=due_text(ctx.t, item)))
        ctx.remember("history", [])
        ctx.goto(FLOW, "more")
        await self.prompt(ctx)


register_flow(AddItemFlow())
