"""Matching for the whole program: the optimal assignment as a draft the curator reviews
and edits; nothing is sent to anyone until «Отправить предложения»."""

from __future__ import annotations

from bot.context import Context
from domain import matching
from domain.matching_profiles import Preferences
from handlers import matching_view, menu
from handlers.base import register_flow
from handlers.keyboards import short
from handlers.pair_common import CURATOR, back_to_pairs, curator_org, local_today, refuse
from handlers.pairs_curator import propose
from storage import pairs
from storage.models import Organization
from storage.pairs import Candidate

ASSIGN_FLOW = "assign"
LINES_PER_PAGE = 4  # a VK keyboard: four «Изменить» rows, paging, send, navigation


@menu.action("assign", roles=CURATOR)
async def _start(ctx: Context, arg: str) -> None:
    org = await curator_org(ctx, arg, "assign") if arg.isdigit() else None
    if org is None:
        if not arg.isdigit():
            refuse(ctx, "assign", arg)
        return
    ctx.goto(ASSIGN_FLOW, "review")
    ctx.remember("org", org.id)
    await _compute(ctx, org)
    await AssignFlow().prompt(ctx)


async def _people(ctx: Context, org: Organization) -> tuple[list[Candidate], list[Candidate]]:
    return (
        await pairs.waiting_mentees(ctx.session, org.id),
        await pairs.mentors_with_places(ctx.session, org.id),
    )


async def _compute(ctx: Context, org: Organization) -> None:
    mentees, mentors = await _people(ctx, org)
    choices = await pairs.preferences(ctx.session, org.id)
    result = matching_view.draft(mentees, mentors, choices, local_today(org, ctx.now).year)
    ctx.remember("draft", [[mentee, mentor] for mentee, mentor in sorted(result.pairs.items())])
    ctx.remember("page", 0)


class AssignFlow:
    name = ASSIGN_FLOW

    async def _org(self, ctx: Context) -> Organization | None:
        org = await curator_org(ctx, str(ctx.data.get("org", "")), "assign")
        if org is None:
            ctx.reset()
        return org

    async def prompt(self, ctx: Context) -> None:
        org = await self._org(ctx)
        if org is None:
            return
        if ctx.state.step == "edit":
            return await self._prompt_edit(ctx, org)
        mentees, mentors = await _people(ctx, org)
        if not mentees or not mentors:
            ctx.reset()
            ctx.say(ctx.t("pairs.assign_empty"), [back_to_pairs(ctx, org)])
            return
        draft = {int(a): int(b) for a, b in ctx.data.get("draft", [])}
        by_id = {c.person_id: c for c in (*mentees, *mentors)}
        prefs = Preferences.of(await pairs.preferences(ctx.session, org.id))
        year = local_today(org, ctx.now).year
        lines, total = [], 0
        for mentee_id, mentor_id in draft.items():
            match = matching.score(
                matching_view.mentee_profile(by_id[mentee_id], year),
                matching_view.mentor_profile(by_id[mentor_id]),
                prefs,
            )
            total += match.points
            lines.append((mentee_id, by_id[mentor_id].name, by_id[mentee_id].name, match))
        left = [m.name for m in mentees if m.person_id not in draft]
        head = ctx.t(
            "pairs.assign_title", pairs=len(draft), total=total, left=", ".join(left) or "—"
        )
        page = int(ctx.data.get("page", 0))
        pages = max(1, (len(lines) + LINES_PER_PAGE - 1) // LINES_PER_PAGE)
        page = min(page, pages - 1)
        shown = lines[page * LINES_PER_PAGE : (page + 1) * LINES_PER_PAGE]
        body = [
            ctx.t(
                "pairs.assign_line",
                mentor=mentor,
                mentee=mentee,
                points=match.points,
                reasons=matching_view.reasons_text(ctx.t, match),
            )
            for _, mentor, mentee, match in shown
        ]
        rows = [
            [ctx.button(short(ctx.t("pairs.btn.change", name=name), 40), "edit", str(mentee_id))]
            for mentee_id, _, name, _ in shown
        ]
        arrows = []
        if page > 0:
            arrows.append(ctx.button("‹", "pg", str(page - 1)))
        if page < pages - 1:
            arrows.append(ctx.button(ctx.t("form.more"), "pg", str(page + 1)))
        if arrows:
            rows.append(arrows)
        rows.append([ctx.button(ctx.t("pairs.btn.send_all"), "send")])
        rows.append(ctx.nav_row(back=False))
        ctx.say("\n".join([head, *body]), rows)

    async def _prompt_edit(self, ctx: Context, org: Organization) -> None:
        mentee_id = int(ctx.data.get("editing", 0))
        mentees, mentors = await _people(ctx, org)
        mentee = next((m for m in mentees if m.person_id == mentee_id), None)
        if mentee is None:
            ctx.goto(ASSIGN_FLOW, "review")
            return await self.prompt(ctx)
        draft = {int(a): int(b) for a, b in ctx.data.get("draft", [])}
        taken: dict[int, int] = {}
        for other, mentor_id in draft.items():
            if other != mentee_id:
                taken[mentor_id] = taken.get(mentor_id, 0) + 1
        free = [
            Candidate(
                m.person_id,
                m.name,
                m.admitted_at,
                m.answers,
                m.free_places - taken.get(m.person_id, 0),
            )
            for m in mentors
        ]
        prefs = Preferences.of(await pairs.preferences(ctx.session, org.id))
        best = matching.best_mentors(
            matching_view.mentee_profile(mentee, local_today(org, ctx.now).year),
            [matching_view.mentor_profile(m) for m in free],
            {m.person_id: m.free_places for m in free},
            prefs,
        )
        names = {m.person_id: m.name for m in mentors}
        rows = [
            [ctx.button(short(f"{names[b.mentor_id]} · {b.points}", 40), "to", str(b.mentor_id))]
            for b in best
        ]
        rows.append([ctx.button(ctx.t("pairs.btn.nobody"), "to", "0")])
        rows.append(ctx.nav_row())
        lines = [ctx.t("pairs.assign_edit", name=mentee.name)]
        lines += [
            ctx.t(
                "pairs.best_line",
                n=n,
                name=names[b.mentor_id],
                points=b.points,
                reasons=matching_view.reasons_text(ctx.t, b),
            )
            for n, b in enumerate(best, start=1)
        ]
        ctx.say("\n".join(lines), rows)

    async def on_text(self, ctx: Context, text: str) -> None:
        ctx.say(ctx.t("common.use_buttons"))
        await self.prompt(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        draft = {int(a): int(b) for a, b in ctx.data.get("draft", [])}
        if ctx.state.step == "review" and action == "pg" and arg.isdigit():
            ctx.remember("page", int(arg))
        elif ctx.state.step == "review" and action == "edit" and arg.isdigit():
            ctx.remember("editing", int(arg))
            ctx.goto(ASSIGN_FLOW, "edit")
        elif ctx.state.step == "edit" and action == "to" and arg.isdigit():
            if await self._choose(ctx, draft, int(arg)):
                ctx.goto(ASSIGN_FLOW, "review")
        elif ctx.state.step == "review" and action == "send":
            return await self._send(ctx, draft)
        else:
            ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def _choose(self, ctx: Context, draft: dict[int, int], mentor_id: int) -> bool:
        """Put the chosen mentor in the draft, if still free after the other lines."""
        editing = int(ctx.data.get("editing", 0))
        org = await self._org(ctx)
        if org is None:
            return False
        if mentor_id:
            mentors = {m.person_id: m for m in await pairs.mentors_with_places(ctx.session, org.id)}
            used = sum(1 for m, b in draft.items() if b == mentor_id and m != editing)
            if mentor_id not in mentors or mentors[mentor_id].free_places - used < 1:
                ctx.say(ctx.t("common.stale_button"))
                return False
            draft[editing] = mentor_id
        else:
            draft.pop(editing, None)
        ctx.remember("draft", [[a, b] for a, b in sorted(draft.items())])
        return True

    async def _send(self, ctx: Context, draft: dict[int, int]) -> None:
        org = await self._org(ctx)
        if org is None:
            return
        ctx.reset()
        if not draft:
            ctx.say(ctx.t("pairs.assign_sent_none"), [back_to_pairs(ctx, org)])
            return
        sent = 0
        for mentee_id, mentor_id in draft.items():
            sent += await propose(ctx, org, mentor_id, [mentee_id]) is not None
        ctx.say(ctx.t("pairs.proposed_many", count=sent), [back_to_pairs(ctx, org)])

    async def on_back(self, ctx: Context) -> None:
        if ctx.state.step == "edit":
            ctx.goto(ASSIGN_FLOW, "review")
        else:
            ctx.say(ctx.t("common.first_step"))
        await self.prompt(ctx)


register_flow(AssignFlow())
