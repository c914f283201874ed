"""The private side of mastermind groups: the curator's link code, feedback after a
session (1–5, an optional comment), and asking for a mentor from the group."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from handlers import menu
from handlers.base import register_flow
from handlers.pairs_curator import ask_agreement
from storage import mastermind as store
from storage import pairs
from storage.models import MmFeedback, MmGroup, MmSession

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
    others = [p for p in await store.members(ctx.session, group.id) if p != ctx.person.id]
    if not others:
        ctx.say(ctx.t("mastermind.mentor_none"))
        return
    who = await store.names(ctx.session, others)
    rows = [[ctx.menu_button(who[p], "mmpick", f"{sess.id}.{p}")] for p in others[:9]]
    ctx.say(ctx.t("mastermind.mentor_asked"), rows)


@menu.action("mmpick")
async def pick_mentor(ctx: Context, arg: str) -> None:
    """The choice becomes a proposed pair; both sides agree, then the curator approves
    (the usual pair lifecycle)."""
    sess_id, _, mentor = arg.partition(".")
    found = await _attended(ctx, sess_id)
    if found is None or not mentor.isdigit():
        ctx.say(ctx.t("common.stale_button"))
        return
    group = found[1]
    mentor_id = int(mentor)
    assert ctx.person is not None
    if mentor_id not in await store.members(ctx.session, group.id) or mentor_id == ctx.person.id:
        ctx.say(ctx.t("common.stale_button"))
        return
    pair = await pairs.propose(
        ctx.session, group.organization_id, mentor_id, [ctx.person.id], None, ctx.person.id, ctx.now
    )
    names = await store.names(ctx.session, [mentor_id, ctx.person.id])
    await ask_agreement(ctx, pair, mentor_id, [ctx.person.id], names)
    ctx.say(ctx.t("mastermind.mentor_sent", mentor=names[mentor_id], mentee=names[ctx.person.id]))
