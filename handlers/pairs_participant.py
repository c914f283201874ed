"""The participants' side of pairing: agreeing to a proposed pair (the program is
voluntary), seeing one's pair, and naming whom one would like to work with (stage 5)."""

from __future__ import annotations

from sqlalchemy import delete

from bot.context import Context
from bot.events import Button
from domain import pairs as rules
from handlers import menu, pair_work
from handlers.keyboards import short
from handlers.notify import tell_curators
from handlers.pair_common import audit, paged, pair_summary, refuse, split_arg, title
from storage import pairs
from storage.models import Pair, PairMember, Preference

PARTICIPANTS = frozenset({"mentee", "mentor"})
MAX_PREFERENCES = 3


async def _my_proposal(
    ctx: Context, arg: str, action: str
) -> tuple[Pair, PairMember | None] | None:
    """The pair named by the button if the presser is in it; their member row if a mentee."""
    pair = await ctx.session.get(Pair, int(arg)) if arg.isdigit() else None
    me = ctx.person.id if ctx.person else None
    if pair is None or me is None:
        refuse(ctx, action, arg)
        return None
    mine = [m for m in await pairs.members(ctx.session, pair.id) if m.mentee_person_id == me]
    if pair.mentor_person_id != me and not mine:
        refuse(ctx, action, arg)
        return None
    member = mine[0] if mine else None
    answered = pair.mentor_agreed_at if member is None else (member.agreed_at or member.declined_at)
    if pair.status != rules.PROPOSED or answered:
        ctx.say(ctx.t("pairs.already", status=ctx.t(f"pairs.status.{pair.status}")))
        await menu.show_menu(ctx)
        return None
    return pair, member


@menu.action("pagree")
async def _agree(ctx: Context, arg: str) -> None:
    found = await _my_proposal(ctx, arg, "agree")
    if found is None:
        return
    pair, member = found
    if member is None:
        pair.mentor_agreed_at = ctx.now
    else:
        member.agreed_at = ctx.now
    pair.updated_at = ctx.now
    actor = ctx.person.id if ctx.person else None
    ctx.session.add(pairs.event(pair, "agreed", actor, ctx.now))
    audit(ctx, pair.organization_id, "pair.agreed", pair=pair.id)
    ctx.say(ctx.t("pairs.you_agreed"))
    await _agreed_if_everyone(ctx, pair)
    await menu.show_menu(ctx)


@menu.action("pdecl")
async def _decline(ctx: Context, arg: str) -> None:
    found = await _my_proposal(ctx, arg, "decline")
    if found is None:
        return
    pair, member = found
    actor = ctx.person.id if ctx.person else None
    if member is None:
        pair.status = rules.DECLINED
    else:
        member.declined_at = ctx.now
        remaining = [m for m in await pairs.members(ctx.session, pair.id) if not m.declined_at]
        if not remaining:
            pair.status = rules.DECLINED
    pair.updated_at = ctx.now
    ctx.session.add(pairs.event(pair, "declined", actor, ctx.now))
    audit(ctx, pair.organization_id, "pair.declined", pair=pair.id)
    ctx.say(ctx.t("pairs.you_declined"))
    name = ctx.person.full_name if ctx.person else "—"
    heading = await title(ctx, pair)
    await tell_curators(
        ctx,
        pair.organization_id,
        lambda t: (
            t("pairs.declined_card", name=name, title=heading),
            [[ctx.menu_button(t("pairs.btn.open"), "open", str(pair.organization_id))]],
        ),
    )
    if pair.status == rules.PROPOSED:
        await _agreed_if_everyone(ctx, pair)
    await menu.show_menu(ctx)


async def _agreed_if_everyone(ctx: Context, pair: Pair) -> None:
    members = [m for m in await pairs.members(ctx.session, pair.id) if not m.declined_at]
    if not pair.mentor_agreed_at or not members or any(m.agreed_at is None for m in members):
        return
    if len(members) == 1:
        pair.kind = "pair"
    pair.status = rules.AGREED
    heading = await title(ctx, pair)
    p = str(pair.id)
    await tell_curators(
        ctx,
        pair.organization_id,
        lambda t: (
            t("pairs.agreed_card", title=heading),
            [
                [ctx.menu_button(t("pairs.btn.approve"), "pappr", p)],
                [ctx.menu_button(t("pairs.btn.cancel_pair"), "pcanc", p)],
            ],
        ),
    )


@menu.action("mypair", roles=PARTICIPANTS, label_key="pairs.btn.my_pairs", order=12)
async def _my_pairs(ctx: Context, arg: str) -> None:
    assert ctx.person is not None
    mine = await pairs.of_person(ctx.session, ctx.person.id, rules.CURRENT)
    back = [[ctx.menu_button(ctx.t("menu.back_to_menu"), "menu")]]
    if not mine:
        ctx.say(ctx.t("pairs.no_pairs_you"), back)
        return
    if arg.isdigit():  # one pair's card, from a button under it
        mine = [p for p in mine if p.id == int(arg)] or mine
    for pair in mine:
        if pair.status == rules.ACTIVE:  # the working pair's card: meetings, plan, what next
            await pair_work.show_participant(ctx, pair, back=pair is mine[-1])
            continue
        text = await pair_summary(ctx, pair, "pairs.my_pair")
        ctx.say(text, back if pair is mine[-1] else None)


async def _candidates(ctx: Context, org_id: int) -> list[pairs.Candidate]:
    """Whom the person may name: mentors with places for a mentee, waiting mentees for a
    mentor — in the person's own organization only."""
    assert ctx.person is not None
    roles = {p.role for p in await menu.roles_of(ctx) if p.organization_id == org_id}
    if "mentee" in roles and await pairs.admitted(ctx.session, org_id, ctx.person.id, "mentee"):
        return await pairs.mentors_with_places(ctx.session, org_id)
    if "mentor" in roles and await pairs.admitted(ctx.session, org_id, ctx.person.id, "mentor"):
        return await pairs.waiting_mentees(ctx.session, org_id)
    return []


async def _participant_org(ctx: Context) -> int | None:
    for p in await menu.roles_of(ctx):
        if p.role in PARTICIPANTS:
            return p.organization_id
    return None


@menu.action("prefs", roles=PARTICIPANTS, label_key="pairs.btn.prefs", order=14)
async def _preferences(ctx: Context, arg: str) -> None:
    org_id = await _participant_org(ctx)
    if org_id is None or ctx.person is None:
        return
    await _show_preferences(ctx, org_id, int(arg) if arg.isdigit() else 0)


async def _show_preferences(ctx: Context, org_id: int, page: int) -> None:
    assert ctx.person is not None
    back = [ctx.menu_button(ctx.t("menu.back_to_menu"), "menu")]
    candidates = await _candidates(ctx, org_id)
    if not candidates:
        ctx.say(ctx.t("pairs.prefs_none"), [back])
        return
    chosen = await pairs.chosen_by(ctx.session, org_id, ctx.person.id)
    items: list[Button] = []
    for c in candidates:
        mark = "✅ " if c.person_id in chosen else ""
        items.append(ctx.menu_button(short(mark + c.name, 40), "pref", f"{c.person_id}.{page}"))
    rows = paged(ctx, items, page, lambda p, label: ctx.menu_button(label, "prefs", str(p)), [back])
    ctx.say(ctx.t("pairs.prefs_intro"), rows)


@menu.action("pref", roles=PARTICIPANTS)
async def _toggle_preference(ctx: Context, arg: str) -> None:
    ids = split_arg(arg, 2)
    org_id = await _participant_org(ctx)
    if ids is None or org_id is None or ctx.person is None:
        return refuse(ctx, "preference", arg)
    person_id, page = ids
    if person_id not in {c.person_id for c in await _candidates(ctx, org_id)}:
        return refuse(ctx, "preference", arg)
    chosen = await pairs.chosen_by(ctx.session, org_id, ctx.person.id)
    if person_id in chosen:
        await ctx.session.execute(
            delete(Preference).where(
                Preference.organization_id == org_id,
                Preference.chooser_person_id == ctx.person.id,
                Preference.chosen_person_id == person_id,
            )
        )
    elif len(chosen) >= MAX_PREFERENCES:
        ctx.say(ctx.t("pairs.prefs_limit"))
    else:
        ctx.session.add(
            Preference(
                organization_id=org_id,
                chooser_person_id=ctx.person.id,
                chosen_person_id=person_id,
                created_at=ctx.now,
            )
        )
        await ctx.session.flush()
    await _show_preferences(ctx, org_id, page)
