"""The private side of mastermind groups: the curator's link code, feedback after a
session (1–5, an optional comment), and asking for a mentor from the group. The group's
history for its facilitator and curators is in handlers/mastermind_stats.py."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from domain import pairs as rules
from handlers import mastermind_stats, menu
from handlers.base import register_flow
from handlers.keyboards import short
from handlers.notify import tell, translator_for
from handlers.pair_common import audit
from storage import mastermind as store
from storage import pairs
from storage.models import MmFeedback, MmGroup, MmSession

__all__ = ["mastermind_stats"]  # imported for its menu action: the facilitator's view

CURATOR = frozenset({"curator"})
FLOW = "mm_comment"
COMMENT_CHARS = 1000


@menu.action("mmlink", CURATOR, "mastermind.menu.link", order=70)
async def link_code(ctx: Context, _arg: str) -> None:
    orgs = [p.organization_id for p in await menu.roles_of(ctx) if p.role == "curator"]
    assert ctx.person is not None
    code = await store.new_link_code(ctx.session, orgs[0], ctx.person.id, ctx.now)
    ctx.say(ctx.t("mastermind.link_code", code=code))


async def _attended(ctx: Context, arg: str) -> tuple[MmSession, MmGroup] | None:
    """The session of a private button, if the presser took part in it."""
    sess = await ctx.session.get(MmSession, int(arg)) if arg.isdigit() else None
    if sess is None or ctx.person is None:
        return None
    if ctx.person.id not in {int(turn[1]) for turn in sess.turns}:
        return None
    group = await ctx.session.get(MmGroup, sess.group_id)
    return (sess, group) if group is not None else None


@menu.action("mmfb")
async def feedback(ctx: Context, arg: str) -> None:
    sess_id, _, score = arg.partition(".")
    found = await _attended(ctx, sess_id)
    if found is None or score not in {"1", "2", "3", "4", "5"}:
        ctx.say(ctx.t("common.stale_button"))
        return
    assert ctx.person is not None
    row = await ctx.session.scalar(
        select(MmFeedback).where(
            MmFeedback.session_id == found[0].id, MmFeedback.person_id == ctx.person.id
        )
    )
    if row is None:
        row = MmFeedback(session_id=found[0].id, person_id=ctx.person.id, created_at=ctx.now)
        ctx.session.add(row)
    row.score = int(score)  # a second tap changes the score
    ctx.goto(FLOW, "comment")
    ctx.remember("session", found[0].id)
    ctx.say(ctx.t("mastermind.feedback_thanks"), [ctx.nav_row(back=False)])


class CommentFlow:
    name = FLOW

    async def prompt(self, ctx: Context) -> None:
        ctx.say(ctx.t("mastermind.feedback_thanks"), [ctx.nav_row(back=False)])

    async def on_text(self, ctx: Context, text: str) -> None:
        assert ctx.person is not None
        row = await ctx.session.scalar(
            select(MmFeedback).where(
                MmFeedback.session_id == ctx.data.get("session"),
                MmFeedback.person_id == ctx.person.id,
            )
        )
        if row is not None:
            row.comment = text[:COMMENT_CHARS]
        ctx.reset()
        ctx.say(ctx.t("mastermind.feedback_comment_saved"))
        await menu.show_menu(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        ctx.reset()
        await menu.show_menu(ctx)


register_flow(CommentFlow())


@menu.action("mmmentor")
async def ask_mentor(ctx: Context, arg: str) -> None:
    found = await _attended(ctx, arg)
    if found is None:
        ctx.say(ctx.t("common.stale_button"))
        return
    sess, group = found
    assert ctx.person is not None
    others = await _mentors(ctx, group)
    if not others:
        ctx.say(ctx.t("mastermind.mentor_none"))
        return
    who = await store.names(ctx.session, others)
    rows = [[ctx.menu_button(short(who[p]), "mmpick", f"{sess.id}.{p}")] for p in others[:9]]
    ctx.say(ctx.t("mastermind.mentor_asked"), rows)


async def _mentors(ctx: Context, group: MmGroup) -> list[int]:
    """Other members who are admitted mentors with a free place: anyone else could not be
    approved as a mentor later."""
    assert ctx.person is not None
    others = [p for p in await store.members(ctx.session, group.id) if p != ctx.person.id]
    return await store.mentors_among(ctx.session, group.organization_id, others)


@menu.action("mmpick")
async def pick_mentor(ctx: Context, arg: str) -> None:
    """The choice becomes a proposed pair with the mentee's agreement already given (it is
    their request); the mentor is asked, then the curator approves as with any pair."""
    sess_id, _, mentor = arg.partition(".")
    found = await _attended(ctx, sess_id)
    if found is None or not mentor.isdigit():
        ctx.say(ctx.t("common.stale_button"))
        return
    group = found[1]
    mentor_id = int(mentor)
    assert ctx.person is not None
    if mentor_id not in await _mentors(ctx, group):
        ctx.say(ctx.t("common.stale_button"))
        return
    mine = await pairs.of_person(ctx.session, ctx.person.id, (*rules.OPEN, rules.ACTIVE))
    if any(p.mentor_person_id != ctx.person.id for p in mine):  # a second tap, or a pair
        ctx.say(ctx.t("mastermind.mentor_spoken_for"))
        return
    pair = await pairs.propose(
        ctx.session, group.organization_id, mentor_id, [ctx.person.id], None, ctx.person.id, ctx.now
    )
    for member in await pairs.members(ctx.session, pair.id):
        member.agreed_at = ctx.now
    ctx.session.add(pairs.event(pair, "agreed", ctx.person.id, ctx.now))
    audit(ctx, pair.organization_id, "pair.proposed", pair=pair.id, source="mastermind")
    names = await store.names(ctx.session, [mentor_id, ctx.person.id])
    t = await translator_for(ctx, mentor_id)
    p = str(pair.id)
    await tell(
        ctx,
        mentor_id,
        t("mastermind.mentor_request", mentee=names[ctx.person.id], title=group.title),
        [
            [
                ctx.menu_button(t("pairs.btn.agree"), "pagree", p),
                ctx.menu_button(t("pairs.btn.decline"), "pdecl", p),
            ]
        ],
    )
    ctx.say(ctx.t("mastermind.mentor_sent", mentor=names[mentor_id]))
