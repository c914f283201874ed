"""Mentors with free places, and group mentoring: one mentor with several mentees, under
the same limit of three."""

from __future__ import annotations

from bot.context import Context
from handlers import matching_view, menu
from handlers.base import register_flow
from handlers.keyboards import option_keyboard, short
from handlers.pair_common import (
    CURATOR,
    back_to_pairs,
    curated_ids,
    curated_page,
    curator_org,
    paged,
    refuse,
    title,
)
from handlers.pairs_curator import propose
from storage import pairs

GROUP_FLOW = "group"


@menu.action("mentors", roles=CURATOR)
async def mentors_list(ctx: Context, arg: str) -> None:
    found = await curated_page(ctx, arg, "mentors")
    if found is None:
        return
    org, page = found
    mentors = await pairs.mentors_with_places(ctx.session, org.id)
    if not mentors:
        ctx.say(ctx.t("pairs.none_mentors"), [back_to_pairs(ctx, org)])
        return
    items = [
        ctx.menu_button(
            short(ctx.t("pairs.mentor_item", name=m.name, free=m.free_places), 40),
            "mentor",
            f"{org.id}.{m.person_id}",
        )
        for m in mentors
    ]
    rows = paged(
        ctx,
        items,
        page,
        lambda p, label: ctx.menu_button(label, "mentors", f"{org.id}.{p}"),
        [back_to_pairs(ctx, org)],
    )
    ctx.say(ctx.t("pairs.mentors_title"), rows)


@menu.action("mentor", roles=CURATOR)
async def mentor_card(ctx: Context, arg: str) -> None:
    found = await curated_ids(ctx, arg, 2, "mentor")
    if found is None:
        return
    org, (mentor_id,) = found
    mentors = {m.person_id: m for m in await pairs.mentors_with_places(ctx.session, org.id)}
    mentor = mentors.get(mentor_id)
    if mentor is None:
        ctx.say(ctx.t("pairs.none_mentors"), [back_to_pairs(ctx, org)])
        return
    capacity = await pairs.capacity_of(ctx.session, org.id, mentor.person_id)
    rows = []
    if await pairs.waiting_mentees(ctx.session, org.id):
        rows.append([ctx.menu_button(ctx.t("pairs.btn.group"), "group", arg)])
    rows.append([ctx.menu_button(ctx.t("pairs.btn.mentors"), "mentors", str(org.id))])
    rows.append(back_to_pairs(ctx, org))
    ctx.say(matching_view.mentor_summary(ctx.t, mentor, capacity), rows)


@menu.action("group", roles=CURATOR)
async def start_group(ctx: Context, arg: str) -> None:
    found = await curated_ids(ctx, arg, 2, "group")
    if found is None:
        return
    org, (mentor_id,) = found
    if not await pairs.admitted(ctx.session, org.id, mentor_id, "mentor"):
        return refuse(ctx, "group", arg)
    ctx.goto(GROUP_FLOW, "pick")
    ctx.remember("org", org.id)
    ctx.remember("mentor", mentor_id)
    ctx.remember("picked", [])
    await GroupFlow().prompt(ctx)


class GroupFlow:
    """Tick the waiting mentees that join the mentor's group, then «Готово»."""

    name = GROUP_FLOW

    async def _state(self, ctx: Context) -> tuple[list[pairs.Candidate], int]:
        org_id, mentor_id = int(ctx.data.get("org", 0)), int(ctx.data.get("mentor", 0))
        waiting = await pairs.waiting_mentees(ctx.session, org_id)
        return waiting, await pairs.free_places(ctx.session, org_id, mentor_id)

    async def prompt(self, ctx: Context) -> None:
        waiting, free = await self._state(ctx)
        picked = set(ctx.data.get("picked", []))
        labels = [("✅ " if m.person_id in picked else "") + m.name for m in waiting]
        rows = option_keyboard(
            ctx,
            labels,
            "tog",
            int(ctx.data.get("page", 0)),
            [ctx.button(ctx.t("pairs.btn.done"), "done")],
            ctx.nav_row(back=False),
        )
        ctx.say(ctx.t("pairs.group_pick", free=free), rows)

    async def on_text(self, ctx: Context, text: str) -> None:
        ctx.say(ctx.t("common.use_buttons"))
        await self.prompt(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        waiting, free = await self._state(ctx)
        picked = [p for p in ctx.data.get("picked", []) if p in {m.person_id for m in waiting}]
        if action == "pg" and arg.isdigit():
            ctx.remember("page", int(arg))
        elif action == "tog" and arg.isdigit() and int(arg) < len(waiting):
            person = waiting[int(arg)].person_id
            if person in picked:
                picked.remove(person)
            elif len(picked) >= free:
                ctx.say(ctx.t("pairs.group_too_many", free=free))
            else:
                picked.append(person)
            ctx.remember("picked", picked)
        elif action == "done":
            return await self._propose(ctx, picked)
        else:
            ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        ctx.say(ctx.t("common.first_step"))
        await self.prompt(ctx)

    async def _propose(self, ctx: Context, picked: list[int]) -> None:
        if not picked:
            ctx.say(ctx.t("pairs.group_empty"))
            return await self.prompt(ctx)
        org = await curator_org(ctx, str(ctx.data.get("org", "")), "group")
        mentor_id = int(ctx.data.get("mentor", 0))
        ctx.reset()
        if org is None:
            return
        pair = await propose(ctx, org, mentor_id, picked)
        if pair is not None:
            ctx.say(
                ctx.t("pairs.proposed_done", title=await title(ctx, pair)),
                [back_to_pairs(ctx, org)],
            )


register_flow(GroupFlow())
