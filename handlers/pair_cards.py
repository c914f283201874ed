"""The curator's lists of proposed and working pairs, a pair's card with what can be done
next, and cancelling a proposal."""

from __future__ import annotations

from bot.context import Context
from bot.events import Button
from domain import pairs as rules
from handlers import menu
from handlers.keyboards import short
from handlers.pair_common import (
    CURATOR,
    audit,
    back_to_pairs,
    check_status,
    curated_page,
    curated_pair,
    form_label,
    paged,
    pair_summary,
    people_of,
    tell_pair,
    title,
)
from storage import pairs
from storage.models import Pair


async def _pair_list(ctx: Context, arg: str, action: str, statuses: tuple[str, ...]) -> None:
    where = await curated_page(ctx, arg, action)
    if where is None:
        return
    org, page = where
    found = await pairs.in_status(ctx.session, org.id, statuses)
    if not found:
        ctx.say(ctx.t(f"pairs.none_{action}"), [back_to_pairs(ctx, org)])
        return
    items = [
        ctx.menu_button(short(await title(ctx, pair), 40), "pair", str(pair.id)) for pair in found
    ]
    rows = paged(
        ctx,
        items,
        page,
        lambda p, label: ctx.menu_button(label, action, f"{org.id}.{p}"),
        [back_to_pairs(ctx, org)],
    )
    ctx.say(ctx.t(f"pairs.{action}_title"), rows)


@menu.action("open", roles=CURATOR)
async def open_pairs(ctx: Context, arg: str) -> None:
    await _pair_list(ctx, arg, "open", rules.OPEN)


@menu.action("active", roles=CURATOR)
async def active_pairs(ctx: Context, arg: str) -> None:
    await _pair_list(ctx, arg, "active", (rules.ACTIVE,))


async def card_text(ctx: Context, pair: Pair) -> str:
    text = await pair_summary(ctx, pair, "pairs.pair_card", form=form_label(ctx.t, pair.form))
    mentor, _mentees = await people_of(ctx, pair)
    if pair.status not in rules.OPEN:
        return text
    names = await pairs.names_of(
        ctx.session,
        [
            m.mentee_person_id
            for m in await pairs.members(ctx.session, pair.id)
            if m.mentee_person_id
        ]
        + ([pair.mentor_person_id] if pair.mentor_person_id else []),
    )
    lines = [text]
    lines.append(
        ctx.t("pairs.agreement_line", name=mentor, state=_state(ctx, pair.mentor_agreed_at, None))
    )
    for member in await pairs.members(ctx.session, pair.id):
        name = names.get(member.mentee_person_id or -1, "—")
        lines.append(
            ctx.t(
                "pairs.agreement_line",
                name=name,
                state=_state(ctx, member.agreed_at, member.declined_at),
            )
        )
    return "\n".join(lines)


def _state(ctx: Context, agreed: object, declined: object) -> str:
    if declined:
        return ctx.t("pairs.agreement.no")
    return ctx.t("pairs.agreement.yes") if agreed else ctx.t("pairs.agreement.wait")


def card_buttons(ctx: Context, pair: Pair) -> list[list[Button]]:
    b, p = ctx.menu_button, str(pair.id)
    rows: list[list[Button]] = []
    if pair.status == rules.AGREED:
        rows.append([b(ctx.t("pairs.btn.approve"), "pappr", p)])
    if pair.status in rules.OPEN:
        rows.append([b(ctx.t("pairs.btn.cancel_pair"), "pcanc", p)])
    if pair.status == rules.ACTIVE:
        # «Завершить» closes with the completion mark and results (handlers/pair_close.py).
        rows.append([b(ctx.t("meetings.btn.work"), "pwork", p)])
        rows.append(
            [b(ctx.t("pairs.btn.extend"), "pext", p), b(ctx.t("pairs.btn.finish"), "pclose", p)]
        )
        rows.append([b(ctx.t("pairs.btn.end_early"), "pend", p)])
    elif pair.status in (rules.FINISHED, rules.ENDED_EARLY):
        rows.append([b(ctx.t("meetings.btn.work"), "pwork", p)])
    rows.append([b(ctx.t("pairs.btn.back"), "pairs", str(pair.organization_id))])
    return rows


@menu.action("pair", roles=CURATOR)
async def pair_card(ctx: Context, arg: str) -> None:
    found = await curated_pair(ctx, arg, "view_pair")
    if found is None:
        return
    pair, _org = found
    ctx.say(await card_text(ctx, pair), card_buttons(ctx, pair))


@menu.action("pcanc", roles=CURATOR)
async def cancel_proposal(ctx: Context, arg: str) -> None:
    found = await curated_pair(ctx, arg, "cancel")
    if found is None:
        return
    pair, org = found
    if not check_status(ctx, pair, "cancel"):
        return
    pair.status, pair.updated_at = rules.CANCELLED, ctx.now
    actor = ctx.person.id if ctx.person else None
    ctx.session.add(pairs.event(pair, "cancelled", actor, ctx.now))
    audit(ctx, org.id, "pair.cancelled", pair=pair.id)
    ctx.say(ctx.t("pairs.cancelled", title=await title(ctx, pair)), [back_to_pairs(ctx, org)])
    await tell_pair(ctx, pair, lambda t: (t("pairs.cancelled_member"), []))
