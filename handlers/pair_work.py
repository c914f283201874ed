"""The pair's card: the counterpart, the term, meetings so far by kind, the plan's progress
and what is due next, with the buttons that do it. Each side sees it from «Моя пара»
(handlers/pairs_participant.py); curators from the pair's card («Встречи и план»), with
the questionnaires and closing. Nobody's questionnaire answers are on it."""

from __future__ import annotations

from datetime import date

from bot.context import Context
from bot.events import Button
from domain import meetings as rules
from domain import pairs as pair_rules
from handlers import menu
from handlers.meeting_common import CURATOR, WORKED, Seat, kind_label, say_date, say_when, seat
from handlers.pair_common import fmt, people_of
from handlers.pair_plan import progress_of
from storage import meetings, responses
from storage.models import Meeting, Pair

MARK = {True: "✅", False: "—"}
STAGES = (("entry", meetings.ENTRY), ("exit", meetings.EXIT), ("final", meetings.SATISFACTION))


async def show_participant(ctx: Context, pair: Pair, back: bool) -> None:
    """The card of an active pair for one of its sides (called by `mypair`)."""
    found = await seat(ctx, str(pair.id), "mypair", WORKED)
    if found is not None:
        text, rows = await card(ctx, found)
        if back:
            rows.append([ctx.menu_button(ctx.t("meetings.btn.menu"), "menu")])
        ctx.say(text, rows)


@menu.action("pwork", roles=CURATOR)
async def _curator_view(ctx: Context, arg: str) -> None:
    found = await seat(ctx, arg, "pair_work", WORKED, curator_ok=True)
    if found is None:
        return
    text, rows = await card(ctx, found)
    rows.append(
        [ctx.menu_button(ctx.t("pairs.btn.back"), "pairs", str(found.pair.organization_id))]
    )
    ctx.say(text, rows)


async def card(ctx: Context, found: Seat) -> tuple[str, list[list[Button]]]:
    pair, t = found.pair, ctx.t
    mentor, mentees = await people_of(ctx, pair)
    held = await meetings.of_pair(ctx.session, pair.id)
    kinds = [m.kind for m in held]
    lines = [
        t(
            "meetings.card.title",
            kind=t(f"pairs.kind.{pair.kind}"),
            id=pair.id,
            status=t(f"pairs.status.{pair.status}"),
        )
    ]
    if found.role != "mentor":
        lines.append(t("meetings.card.mentor", name=mentor))
    if found.role != "mentee":
        key = "meetings.card.mentees" if len(mentees) > 1 else "meetings.card.mentee"
        lines.append(t(key, names=", ".join(mentees) or "—"))
    lines.append(t("meetings.card.term", start=fmt(pair.starts_on), end=fmt(pair.ends_on)))
    lines += _meeting_lines(ctx, kinds)
    disputed = [m for m in held if m.confirmed is False]
    if disputed:
        # The why is the mentee's word to the curators: the other side sees only the date.
        dates = ", ".join(
            say_date(t, _day(found, m))
            + (f" («{m.comment}»)" if found.role == "curator" and m.comment else "")
            for m in disputed
        )
        lines.append(t("meetings.card.disputed", dates=dates))
    planned = await meetings.planned_after(ctx.session, pair.id, ctx.now)
    if planned:
        when = say_when(t, planned[0].at, found.tz)
        lines.append(t("meetings.card.planned", when=when, kind=kind_label(t, planned[0].kind)))
    lines += await _plan_lines(ctx, found)
    if pair.completion_mark:
        lines.append(
            t("meetings.card.mark", mark=t(f"meetings.close.marks.{pair.completion_mark}"))
        )
    if pair.result:
        lines.append(t("meetings.card.result", text=pair.result))
    form = await _due_form(ctx, found, kinds)
    nxt = _next_thing(ctx, found, kinds, form)
    if nxt:
        lines.append(t("meetings.card.next", what=nxt))
    return "\n".join(lines), _buttons(ctx, found, form)


def _day(found: Seat, meeting: Meeting) -> date:
    return meeting.at.astimezone(found.tz).date()


def _meeting_lines(ctx: Context, kinds: list[str]) -> list[str]:
    if not kinds:
        return [ctx.t("meetings.card.meetings_none")]
    marks = {k: MARK[k in kinds] for k in rules.ONE_OFF}
    stages = ctx.t("meetings.card.stages", regular=kinds.count(rules.REGULAR), **marks)
    return [ctx.t("meetings.card.meetings", count=len(kinds)), stages]


async def _plan_lines(ctx: Context, found: Seat) -> list[str]:
    items = await meetings.plan_items(ctx.session, found.pair.id)
    done, total, percent = progress_of(items)
    if not total:
        return [ctx.t("meetings.card.plan_none")]
    lines = [ctx.t("meetings.card.plan", done=done, total=total, percent=percent)]
    today = ctx.now.astimezone(found.tz).date()
    open_items = sorted(
        (i for i in items if i.done_at is None and i.due_on is not None),
        key=lambda i: i.due_on or date.max,
    )
    late = [i for i in open_items if i.due_on and i.due_on < today]
    if late:
        lines.append(ctx.t("meetings.card.plan_late", count=len(late)))
    upcoming = [i for i in open_items if i.due_on and i.due_on >= today]
    if upcoming and upcoming[0].due_on:
        item = upcoming[0]
        lines.append(
            ctx.t("meetings.card.plan_next", text=item.text, date=say_date(ctx.t, item.due_on))
        )
    return lines


async def _due_form(ctx: Context, found: Seat, kinds: list[str]) -> tuple[str, bool] | None:
    """The presser's own questionnaire that is due: (stage, already begun)."""
    if found.role == "curator" or ctx.person is None:
        return None
    mine = await meetings.pair_responses(ctx.session, found.pair, [ctx.person.id])
    submitted = {r.questionnaire for r in mine if r.status == responses.SUBMITTED}
    begun = {r.questionnaire for r in mine if r.status == responses.IN_PROGRESS}
    finished = rules.FINAL in kinds or found.pair.status != pair_rules.ACTIVE
    for stage, form_id in STAGES:
        if stage != "entry" and not finished:
            break
        if form_id not in submitted:
            return stage, form_id in begun
    return None


def _next_thing(
    ctx: Context, found: Seat, kinds: list[str], form: tuple[str, bool] | None
) -> str | None:
    t = ctx.t
    if found.pair.status != pair_rules.ACTIVE:
        return None
    if form is not None:
        return t(f"meetings.card.next_{form[0]}")
    expected = rules.expected(kinds)
    if expected is None:
        return t("meetings.card.next_close") if found.role == "curator" else None
    return t("meetings.card.next_meeting", kind=kind_label(t, expected))


def _buttons(ctx: Context, found: Seat, form: tuple[str, bool] | None) -> list[list[Button]]:
    b, p = ctx.menu_button, str(found.pair.id)
    active = found.pair.status == pair_rules.ACTIVE
    rows: list[list[Button]] = []
    if found.role == "curator":
        rows.append([b(ctx.t("meetings.btn.plan"), "plan", p)])
        rows.append([b(ctx.t("meetings.btn.forms"), "pforms", p)])
        if active:
            rows.append([b(ctx.t("meetings.btn.close"), "pclose", p)])
        return rows
    if form is not None:
        label = ctx.t("meetings.btn.resume") if form[1] else ctx.t(f"meetings.btn.{form[0]}")
        rows.append([b(label, "mform", f"{form[0]}.{p}")])
    if active:
        rows.append(
            [
                b(ctx.t("meetings.btn.log"), "meetlog", p),
                b(ctx.t("meetings.btn.plan_meeting"), "mplan", p),
            ]
        )
    rows.append([b(ctx.t("meetings.btn.plan"), "plan", p)])
    return rows
