"""The curator's pair screens: the overview, who waits for a mentor (with the 30-day
window), mentors with free places, the best mentors for one mentee, and proposals."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import Translator
from domain import pairs as rules
from handlers import matching_view, menu
from handlers.keyboards import short
from handlers.notify import tell, translator_for
from handlers.pair_common import (
    CURATOR,
    audit,
    back_to_pairs,
    curated_ids,
    curated_page,
    curator_org,
    fmt,
    local_today,
    paged,
    refuse,
    title,
)
from storage import pairs
from storage.models import Organization, Pair


@menu.action("pairs", roles=CURATOR, label_key="pairs.menu_label", order=25)
async def overview(ctx: Context, arg: str) -> None:
    orgs = [await curator_org(ctx, arg, "pairs")] if arg else await menu.curated_orgs(ctx)
    for org in orgs:
        if org is not None:
            await _overview_of(ctx, org)


async def _overview_of(ctx: Context, org: Organization) -> None:
    waiting = await pairs.waiting_mentees(ctx.session, org.id)
    mentors = await pairs.mentors_with_places(ctx.session, org.id)
    open_pairs = await pairs.in_status(ctx.session, org.id, rules.OPEN)
    active = await pairs.in_status(ctx.session, org.id, (rules.ACTIVE,))
    today = local_today(org, ctx.now)
    oldest = ""
    if waiting and waiting[0].admitted_at:
        days = rules.days_waiting(local_today(org, waiting[0].admitted_at), today)
        oldest = ctx.t("pairs.oldest", days=days)
    text = ctx.t(
        "pairs.overview",
        org=org.name,
        waiting=len(waiting),
        oldest=oldest,
        mentors=len(mentors),
        places=sum(m.free_places for m in mentors),
        open=len(open_pairs),
        active=len(active),
    )
    o = str(org.id)
    b = ctx.menu_button
    ctx.say(
        text,
        [
            [
                b(ctx.t("pairs.btn.waiting"), "waiting", o),
                b(ctx.t("pairs.btn.mentors"), "mentors", o),
            ],
            [b(ctx.t("pairs.btn.assign"), "assign", o)],
            [b(ctx.t("pairs.btn.open"), "open", o), b(ctx.t("pairs.btn.active"), "active", o)],
            [
                b(ctx.t("pairs.btn.registry"), "registry", o),
                b(ctx.t("pairs.btn.order"), "order", o),
            ],
            [b(ctx.t("menu.back_to_menu"), "menu")],
        ],
    )


def deadline_text(t: Translator, days_left: int) -> str:
    if days_left > 0:
        return t("pairs.days_left", days=days_left)
    if days_left == 0:
        return t("pairs.days_today")
    return t("pairs.days_overdue", days=-days_left)


@menu.action("waiting", roles=CURATOR)
async def waiting_list(ctx: Context, arg: str) -> None:
    found = await curated_page(ctx, arg, "waiting")
    if found is None:
        return
    org, page = found
    waiting = await pairs.waiting_mentees(ctx.session, org.id)
    if not waiting:
        ctx.say(ctx.t("pairs.none_waiting"), [back_to_pairs(ctx, org)])
        return
    today = local_today(org, ctx.now)
    items = []
    for mentee in waiting:
        admitted = local_today(org, mentee.admitted_at) if mentee.admitted_at else today
        left = deadline_text(ctx.t, rules.approval_days_left(admitted, today))
        label = ctx.t("pairs.waiting_item", name=mentee.name, days=left)
        items.append(ctx.menu_button(short(label, 40), "mentee", f"{org.id}.{mentee.person_id}"))
    rows = paged(
        ctx,
        items,
        page,
        lambda p, label: ctx.menu_button(label, "waiting", f"{org.id}.{p}"),
        [back_to_pairs(ctx, org)],
    )
    ctx.say(ctx.t("pairs.waiting_title"), rows)


@menu.action("mentee", roles=CURATOR)
async def mentee_card(ctx: Context, arg: str) -> None:
    """One waiting mentee: the card, the days left and the best three mentors."""
    found = await curated_ids(ctx, arg, 2, "mentee")
    if found is None:
        return
    org, (mentee_id,) = found
    waiting = {m.person_id: m for m in await pairs.waiting_mentees(ctx.session, org.id)}
    mentee = waiting.get(mentee_id)
    if mentee is None:
        ctx.say(ctx.t("pairs.already_spoken_for", name="—"), [back_to_pairs(ctx, org)])
        return
    today = local_today(org, ctx.now)
    admitted = local_today(org, mentee.admitted_at) if mentee.admitted_at else today
    best = await matching_view.best_mentors(ctx, org, mentee)
    lines = [
        matching_view.mentee_summary(
            ctx.t,
            mentee,
            fmt(admitted),
            deadline_text(ctx.t, rules.approval_days_left(admitted, today)),
        )
    ]
    rows = []
    if best:
        lines.append(ctx.t("pairs.best_title"))
        for n, (mentor, points, reasons) in enumerate(best, start=1):
            lines.append(
                ctx.t("pairs.best_line", n=n, name=mentor.name, points=points, reasons=reasons)
            )
            label = short(ctx.t("pairs.btn.propose", name=mentor.name), 40)
            rows.append(
                [ctx.menu_button(label, "prop", f"{org.id}.{mentee.person_id}.{mentor.person_id}")]
            )
    else:
        lines.append(ctx.t("pairs.no_match"))
    rows.append([ctx.menu_button(ctx.t("pairs.btn.waiting"), "waiting", str(org.id))])
    rows.append(back_to_pairs(ctx, org))
    ctx.say("\n".join(lines), rows)


@menu.action("prop", roles=CURATOR)
async def propose_one(ctx: Context, arg: str) -> None:
    found = await curated_ids(ctx, arg, 3, "propose")
    if found is None:
        return
    org, (mentee_id, mentor_id) = found
    pair = await propose(ctx, org, mentor_id, [mentee_id])
    if pair is not None:
        ctx.say(ctx.t("pairs.proposed_done", title=await title(ctx, pair)))
        await waiting_list(ctx, str(org.id))


async def propose(
    ctx: Context, org: Organization, mentor_id: int, mentee_ids: list[int]
) -> Pair | None:
    """Checks that everyone is free and admitted in this organization, then asks each
    side for their agreement. Returns None (and says why) when that no longer holds."""
    waiting = {m.person_id: m for m in await pairs.waiting_mentees(ctx.session, org.id)}
    mentors = {m.person_id: m for m in await pairs.mentors_with_places(ctx.session, org.id)}
    names = await pairs.names_of(ctx.session, [*mentee_ids, mentor_id])
    for mentee_id in mentee_ids:
        if mentee_id not in waiting:
            if not await pairs.admitted(ctx.session, org.id, mentee_id, "mentee"):
                refuse(ctx, "propose", str(mentee_id))
                return None
            ctx.say(
                ctx.t("pairs.already_spoken_for", name=names.get(mentee_id, "—")),
                [back_to_pairs(ctx, org)],
            )
            return None
    mentor = mentors.get(mentor_id)
    if mentor is None:
        if not await pairs.admitted(ctx.session, org.id, mentor_id, "mentor"):
            refuse(ctx, "propose", str(mentor_id))
            return None
        ctx.say(
            ctx.t("pairs.no_places", name=names.get(mentor_id, "—"), capacity=3),
            [back_to_pairs(ctx, org)],
        )
        return None
    if len(mentee_ids) > mentor.free_places:
        ctx.say(ctx.t("pairs.group_too_many", free=mentor.free_places), [back_to_pairs(ctx, org)])
        return None
    form = matching_view.common_form(waiting[mentee_ids[0]], mentor)
    actor = ctx.person.id if ctx.person else None
    pair = await pairs.propose(ctx.session, org.id, mentor_id, mentee_ids, form, actor, ctx.now)
    await ask_agreement(ctx, pair, mentor_id, mentee_ids, names)
    return pair


async def ask_agreement(
    ctx: Context, pair: Pair, mentor_id: int, mentee_ids: list[int], names: dict[int, str]
) -> None:
    mentees = ", ".join(names.get(i, "—") for i in mentee_ids)
    for person_id, key in [(mentor_id, "mentor"), *((i, "mentee") for i in mentee_ids)]:
        t = await translator_for(ctx, person_id)
        text = t(
            f"pairs.proposed_to_you_{key}",
            mentor=names.get(mentor_id, "—"),
            mentees=mentees,
            kind_acc=t(f"pairs.kind_acc.{pair.kind}"),
        )
        buttons = [
            [
                ctx.menu_button(t("pairs.btn.agree"), "pagree", str(pair.id)),
                ctx.menu_button(t("pairs.btn.decline"), "pdecl", str(pair.id)),
            ]
        ]
        await tell(ctx, person_id, text, buttons)
    audit(ctx, pair.organization_id, "pair.proposed", pair=pair.id)
