"""A pair's life after both sides agree: the curator approves it with a term (one month to
one year), extends it (illness, business trip, other absence), finishes it or ends it
early. Every change tells everyone concerned and goes to the audit log."""

from __future__ import annotations

from datetime import date

from bot.context import Context
from bot.events import Button
from domain import pairs as rules
from handlers import menu, monitoring
from handlers.base import register_flow
from handlers.pair_common import (
    CURATOR,
    audit,
    check_status,
    curated_pair,
    fmt,
    local_today,
    parse_date,
    people_of,
    plural,
    tell_pair,
    term,
    title,
)
from storage import pairs
from storage.models import Organization, Pair

TERM_FLOW, EXTEND_FLOW, END_FLOW = "term", "extend", "pairend"


async def _pair_in_flow(ctx: Context, action: str) -> tuple[Pair, date] | None:
    """The pair the flow works on, checked again: rights and status may have changed."""
    found = await curated_pair(ctx, str(ctx.data.get("pair", "")), action)
    if found is None:
        ctx.reset()
        return None
    pair, org = found
    if not check_status(ctx, pair, action):
        ctx.reset()
        return None
    return pair, local_today(org, ctx.now)


async def _begin(ctx: Context, arg: str, action: str, flow: str, step: str) -> None:
    found = await curated_pair(ctx, arg, action)
    if found is None or not check_status(ctx, found[0], action):
        return
    ctx.goto(flow, step)
    ctx.remember("pair", found[0].id)
    await _flow_named(flow).prompt(ctx)


def _flow_named(name: str) -> TermFlow | ExtendFlow | EndFlow:
    return {TERM_FLOW: TermFlow, EXTEND_FLOW: ExtendFlow, END_FLOW: EndFlow}[name]()


@menu.action("pappr", roles=CURATOR)
async def _approve(ctx: Context, arg: str) -> None:
    await _begin(ctx, arg, "approve", TERM_FLOW, "choose")


@menu.action("pext", roles=CURATOR)
async def _extend(ctx: Context, arg: str) -> None:
    await _begin(ctx, arg, "extend", EXTEND_FLOW, "reason")


@menu.action("pfin", roles=CURATOR)
async def _finish(ctx: Context, arg: str) -> None:
    await _begin(ctx, arg, "finish", END_FLOW, "confirm")


@menu.action("pend", roles=CURATOR)
async def _end_early(ctx: Context, arg: str) -> None:
    await _begin(ctx, arg, "end_early", END_FLOW, "reason")


class TermFlow:
    """Approve an agreed pair: choose the end date, then the mentor's places are taken."""

    name = TERM_FLOW

    async def prompt(self, ctx: Context) -> None:
        found = await _pair_in_flow(ctx, "approve")
        if found is None:
            return
        pair, today = found
        org_default = await _default_months(ctx, pair)
        rows = []
        for months in sorted({*rules.TERM_CHOICES, org_default}):
            end = rules.add_months(today, months)
            key = "pairs.term_default" if months == org_default else "pairs.term_button"
            rows.append(
                [ctx.button(ctx.t(key, months=months, end=fmt(end)), "months", str(months))]
            )
        rows.append(ctx.nav_row(back=False))
        ctx.say(ctx.t("pairs.term_prompt", start=fmt(today)), rows)

    async def on_text(self, ctx: Context, text: str) -> None:
        ends_on = parse_date(text)
        if ends_on is None:
            ctx.say(ctx.t("pairs.bad_date"))
            return await self.prompt(ctx)
        await self._approve(ctx, ends_on)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        if action == "months" and arg.isdigit() and 1 <= int(arg) <= rules.MAX_TERM_MONTHS:
            found = await _pair_in_flow(ctx, "approve")
            if found is not None:
                await self._approve(ctx, rules.add_months(found[1], int(arg)))
            return
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        ctx.say(ctx.t("common.first_step"))
        await self.prompt(ctx)

    async def _approve(self, ctx: Context, ends_on: date) -> None:
        found = await _pair_in_flow(ctx, "approve")
        if found is None:
            return
        pair, today = found
        problem = rules.term_error(today, ends_on)
        if problem:
            months = rules.MIN_TERM_MONTHS if problem == "term_too_short" else rules.MAX_TERM_MONTHS
            ctx.say(ctx.t(f"pairs.{problem}", limit=fmt(rules.add_months(today, months))))
            return await self.prompt(ctx)
        ctx.reset()
        await activate(ctx, pair, today, ends_on)


async def _default_months(ctx: Context, pair: Pair) -> int:
    org = await ctx.session.get(Organization, pair.organization_id)
    months = org.default_term_months if org else 9
    return min(max(months, rules.MIN_TERM_MONTHS), rules.MAX_TERM_MONTHS)


async def activate(ctx: Context, pair: Pair, starts_on: date, ends_on: date) -> bool:
    """Take the mentor's places and start the pair, or refuse when they are taken."""
    mentees = await pairs.mentee_ids(ctx.session, pair.id)
    mentor_id = pair.mentor_person_id
    back = [[ctx.menu_button(ctx.t("pairs.btn.back"), "pairs", str(pair.organization_id))]]
    if mentor_id is None or not await pairs.take_places(
        ctx.session, pair.organization_id, mentor_id, len(mentees)
    ):
        names = await pairs.names_of(ctx.session, [mentor_id] if mentor_id else [])
        audit(ctx, pair.organization_id, "refused", action="approve", pair=pair.id, why="no_places")
        capacity = await pairs.capacity_of(ctx.session, pair.organization_id, mentor_id or 0)
        ctx.say(
            ctx.t("pairs.no_places", name=names.get(mentor_id or -1, "—"), capacity=capacity), back
        )
        return False
    actor = ctx.person.id if ctx.person else None
    pair.status, pair.starts_on, pair.ends_on = rules.ACTIVE, starts_on, ends_on
    pair.approved_at, pair.approved_by, pair.updated_at = ctx.now, actor, ctx.now
    ctx.session.add(pairs.event(pair, "approved", actor, ctx.now, new_ends_on=ends_on))
    audit(ctx, pair.organization_id, "pair.approved", pair=pair.id, ends_on=ends_on.isoformat())
    ctx.say(ctx.t("pairs.approved_you", title=await title(ctx, pair), term=term(ctx.t, pair)), back)
    mentor, names = await people_of(ctx, pair)
    await tell_pair(
        ctx,
        pair,
        lambda t: (
            t(
                "pairs.approved_member",
                mentor=mentor,
                mentees=", ".join(names),
                plural=plural(t, len(names)),
                term=term(t, pair),
            ),
            [],
        ),
    )
    await monitoring.ask_entry(ctx, pair)  # stage 2 of the monitoring: on entry
    return True


class ExtendFlow:
    """Extend a working pair: the reason, then the new end date."""

    name = EXTEND_FLOW

    async def prompt(self, ctx: Context) -> None:
        found = await _pair_in_flow(ctx, "extend")
        if found is None:
            return
        pair, _today = found
        if ctx.state.step == "reason":
            rows = [
                [ctx.button(ctx.t(f"pairs.extend_reasons.{r}"), "reason", r)]
                for r in rules.EXTENSION_REASONS
            ]
            rows.append(ctx.nav_row(back=False))
            ctx.say(ctx.t("pairs.extend_reason"), rows)
            return
        assert pair.ends_on is not None
        rows = [
            [
                ctx.button(
                    ctx.t(
                        "pairs.extend_button", months=m, end=fmt(rules.add_months(pair.ends_on, m))
                    ),
                    "months",
                    str(m),
                )
            ]
            for m in (1, 2, 3)
        ]
        rows.append(ctx.nav_row())
        ctx.say(ctx.t("pairs.extend_date", end=fmt(pair.ends_on)), rows)

    async def on_text(self, ctx: Context, text: str) -> None:
        if ctx.state.step == "reason":
            ctx.say(ctx.t("common.use_buttons"))
            return await self.prompt(ctx)
        new_end = parse_date(text)
        if new_end is None:
            ctx.say(ctx.t("pairs.bad_date"))
            return await self.prompt(ctx)
        await self._extend(ctx, new_end)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        if ctx.state.step == "reason" and action == "reason" and arg in rules.EXTENSION_REASONS:
            ctx.remember("reason", arg)
            ctx.goto(EXTEND_FLOW, "date")
            return await self.prompt(ctx)
        if ctx.state.step == "date" and action == "months" and arg in ("1", "2", "3"):
            found = await _pair_in_flow(ctx, "extend")
            if found is not None and found[0].ends_on is not None:
                await self._extend(ctx, rules.add_months(found[0].ends_on, int(arg)))
            return
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        if ctx.state.step == "date":
            ctx.goto(EXTEND_FLOW, "reason")
        else:
            ctx.say(ctx.t("common.first_step"))
        await self.prompt(ctx)

    async def _extend(self, ctx: Context, new_end: date) -> None:
        found = await _pair_in_flow(ctx, "extend")
        if found is None:
            return
        pair, _today = found
        assert pair.ends_on is not None
        problem = rules.extension_error(pair.ends_on, new_end)
        if problem:
            limit = rules.add_months(pair.ends_on, rules.MAX_EXTENSION_MONTHS)
            ctx.say(ctx.t(f"pairs.{problem}", end=fmt(pair.ends_on), limit=fmt(limit)))
            return await self.prompt(ctx)
        reason = str(ctx.data.get("reason", "other_absence"))
        ctx.reset()
        actor = ctx.person.id if ctx.person else None
        ctx.session.add(
            pairs.event(
                pair,
                "extended",
                actor,
                ctx.now,
                reason=reason,
                old_ends_on=pair.ends_on,
                new_ends_on=new_end,
            )
        )
        audit(
            ctx,
            pair.organization_id,
            "pair.extended",
            pair=pair.id,
            reason=reason,
            ends_on=new_end.isoformat(),
        )
        pair.ends_on, pair.updated_at = new_end, ctx.now
        ctx.say(
            ctx.t(
                "pairs.extended",
                end=fmt(new_end),
                reason=ctx.t(f"pairs.extend_reasons.{reason}"),
                title=await title(ctx, pair),
            ),
            [back_to_pairs_row(ctx, pair)],
        )
        await tell_pair(
            ctx,
            pair,
            lambda t: (
                t(
                    "pairs.extended_member",
                    end=fmt(new_end),
                    reason=t(f"pairs.extend_reasons.{reason}"),
                ),
                [],
            ),
        )


def back_to_pairs_row(ctx: Context, pair: Pair) -> list[Button]:
    return [ctx.menu_button(ctx.t("pairs.btn.back"), "pairs", str(pair.organization_id))]


class EndFlow:
    """Finish a pair (confirm) or end it early (a reason); the mentor's places free up."""

    name = END_FLOW

    async def prompt(self, ctx: Context) -> None:
        action = "finish" if ctx.state.step == "confirm" else "end_early"
        found = await _pair_in_flow(ctx, action)
        if found is None:
            return
        if ctx.state.step == "confirm":
            rows = [[ctx.button(ctx.t("pairs.finish_yes"), "finish")], ctx.nav_row(back=False)]
            ctx.say(ctx.t("pairs.finish_confirm", today=fmt(found[1])), rows)
            return
        rows = [
            [ctx.button(ctx.t(f"pairs.end_reasons.{r}"), "reason", r)]
            for r in rules.EARLY_END_REASONS
        ]
        rows.append(ctx.nav_row(back=False))
        ctx.say(ctx.t("pairs.end_reason"), rows)

    async def on_text(self, ctx: Context, text: str) -> None:
        ctx.say(ctx.t("common.use_buttons"))
        await self.prompt(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        if ctx.state.step == "confirm" and action == "finish":
            return await self._end(ctx, "finish", None)
        if ctx.state.step == "reason" and action == "reason" and arg in rules.EARLY_END_REASONS:
            return await self._end(ctx, "end_early", arg)
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        ctx.say(ctx.t("common.first_step"))
        await self.prompt(ctx)

    async def _end(self, ctx: Context, action: str, reason: str | None) -> None:
        found = await _pair_in_flow(ctx, action)
        if found is None:
            return
        ctx.reset()
        pair, today = found
        await end_pair(ctx, pair, today, reason)


async def end_pair(ctx: Context, pair: Pair, today: date, reason: str | None) -> None:
    """Finish (reason None) or end early; frees the mentor's places and tells everyone."""
    mentees = await pairs.mentee_ids(ctx.session, pair.id)
    if pair.mentor_person_id is not None:
        await pairs.release_places(
            ctx.session, pair.organization_id, pair.mentor_person_id, len(mentees)
        )
    pair.status = rules.FINISHED if reason is None else rules.ENDED_EARLY
    pair.finished_on, pair.end_reason, pair.updated_at = today, reason, ctx.now
    actor = ctx.person.id if ctx.person else None
    kind = "finished" if reason is None else "ended_early"
    ctx.session.add(pairs.event(pair, kind, actor, ctx.now, reason=reason))
    audit(ctx, pair.organization_id, f"pair.{kind}", pair=pair.id, reason=reason)
    heading = await title(ctx, pair)
    if reason is None:
        ctx.say(ctx.t("pairs.finished", title=heading), [back_to_pairs_row(ctx, pair)])
        await tell_pair(ctx, pair, lambda t: (t("pairs.finished_member"), []))
        return
    ctx.say(
        ctx.t("pairs.ended", reason=ctx.t(f"pairs.end_reasons.{reason}"), title=heading),
        [back_to_pairs_row(ctx, pair)],
    )
    await tell_pair(
        ctx, pair, lambda t: (t("pairs.ended_member", reason=t(f"pairs.end_reasons.{reason}")), [])
    )


for _flow in (TermFlow(), ExtendFlow(), EndFlow()):
    register_flow(_flow)
