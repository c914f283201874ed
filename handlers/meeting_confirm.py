"""The other side confirms a logged meeting: «Встреча 12 ноября была?». A mentee who says
yes rates it 1–5 and may comment; «нет» goes to the curators at once as a discrepancy
(meetings.confirmed = false, which the digest lists too). A meeting a mentee logged is
confirmed by the mentor, without a rating.

The answer buttons are menu buttons (`m:mconf:<meeting>.<1|0>`): valid days later, and
checked on every press: only the person asked may answer, and only once."""

from __future__ import annotations

from bot.context import Context
from domain.meetings import FINAL
from handlers import menu
from handlers.base import register_flow
from handlers.meeting_common import (
    PARTICIPANTS,
    WORKED,
    Seat,
    kind_label,
    say_date,
    say_duration,
    seat,
)
from handlers.notify import tell, tell_curators, translator_for
from handlers.pair_common import audit, refuse, split_arg, title
from storage import meetings, pairs
from storage.models import Meeting, MeetingAttendance

FLOW = "mconfirm"
COMMENT_MAX = 1000


async def ask_to_confirm(
    ctx: Context, found: Seat, meeting: Meeting, confirmers: list[int]
) -> None:
    logger = ctx.person.full_name if ctx.person else "—"
    group = found.pair.kind == "group"
    day = meeting.at.astimezone(found.tz).date()
    for person in confirmers:
        t = await translator_for(ctx, person)
        question = "meetings.confirm.question_group" if group else "meetings.confirm.question"
        text = "\n".join(
            [
                t(question, date=say_date(t, day)),
                t(
                    "meetings.confirm.details",
                    who=logger,
                    kind=kind_label(t, meeting.kind),
                    duration=say_duration(t, meeting.duration_minutes or 0),
                    format=t(f"meetings.format_lower.{meeting.format}"),
                ),
            ]
        )
        arg = str(meeting.id)
        buttons = [
            [
                ctx.menu_button(t("meetings.btn.confirm_yes"), "mconf", f"{arg}.1"),
                ctx.menu_button(t("meetings.btn.confirm_no"), "mconf", f"{arg}.0"),
            ]
        ]
        await tell(ctx, person, text, buttons)


@menu.action("mconf", roles=PARTICIPANTS)
async def _answer(ctx: Context, arg: str) -> None:
    parts = split_arg(arg, 2)
    meeting = await ctx.session.get(Meeting, parts[0]) if parts and parts[1] in (0, 1) else None
    if parts is None or meeting is None or meeting.status != meetings.HELD:
        return refuse(ctx, "confirm", arg)
    found = await seat(ctx, str(meeting.pair_id), "confirm", WORKED)
    if found is None or ctx.person is None:
        return
    me, said = ctx.person.id, parts[1] == 1
    by_mentee = meeting.logged_by != found.pair.mentor_person_id
    row: MeetingAttendance | None = None
    if by_mentee:
        if found.role != "mentor":
            return refuse(ctx, "confirm", arg)
        answered = meeting.confirmed is not None
    else:
        row = await meetings.attendance_of(ctx.session, meeting.id, me)
        if found.role != "mentee" or row is None or not row.present:
            return refuse(ctx, "confirm", arg)
        answered = row.answered_at is not None
    if answered:
        ctx.say(ctx.t("meetings.confirm.already"))
        return await menu.show_menu(ctx)
    if row is not None:
        row.confirmed, row.answered_at = said, ctx.now
    rows = await meetings.attendance(ctx.session, meeting.id)
    answers = [r.confirmed for r in rows if r.present and r.confirmed is not None]
    meeting.confirmed = said if by_mentee else all(answers)  # one «нет» is a discrepancy
    meeting.confirmed_by, meeting.confirmed_at = me, ctx.now
    audit(ctx, found.pair.organization_id, "meeting.confirmed", meeting=meeting.id, said=said)
    ctx.reset()
    ctx.remember("meeting", meeting.id)
    if not said:
        await _tell_curators(ctx, found, meeting)
        ctx.goto(FLOW, "why")
    elif by_mentee:
        ctx.say(ctx.t("meetings.confirm.confirmed_by_mentor"))
        ctx.reset()
        return await menu.show_menu(ctx)
    else:
        ctx.goto(FLOW, "rate")
    await ConfirmFlow().prompt(ctx)


async def _tell_curators(ctx: Context, found: Seat, meeting: Meeting) -> None:
    name = ctx.person.full_name if ctx.person else "—"
    logger = (await pairs.names_of(ctx.session, [meeting.logged_by or -1])).get(
        meeting.logged_by or -1, "—"
    )
    heading = await title(ctx, found.pair)
    day = meeting.at.astimezone(found.tz).date()
    pair_id = str(found.pair.id)
    await tell_curators(
        ctx,
        found.pair.organization_id,
        lambda t: (
            t(
                "meetings.confirm.curator_alert",
                name=name,
                date=say_date(t, day),
                title=heading,
                logger=logger,
                kind=kind_label(t, meeting.kind),
            ),
            [[ctx.menu_button(t("meetings.btn.open_pair"), "pwork", pair_id)]],
        ),
    )


async def _tell_curators_why(ctx: Context, meeting: Meeting, text: str) -> None:
    found = await seat(ctx, str(meeting.pair_id), "confirm", WORKED)
    if found is None:
        return
    name = ctx.person.full_name if ctx.person else "—"
    day = meeting.at.astimezone(found.tz).date()
    pair_id = str(found.pair.id)
    await tell_curators(
        ctx,
        found.pair.organization_id,
        lambda t: (
            t("meetings.confirm.curator_why", name=name, date=say_date(t, day), text=text),
            [[ctx.menu_button(t("meetings.btn.open_pair"), "pwork", pair_id)]],
        ),
    )


class ConfirmFlow:
    """After the answer: the rating (a mentee's yes), then an optional comment; or, after
    a no, an optional word of why."""

    name = FLOW

    async def _meeting(self, ctx: Context) -> Meeting | None:
        meeting = await ctx.session.get(Meeting, int(ctx.data.get("meeting", 0)))
        if meeting is None:
            ctx.reset()
        return meeting

    async def prompt(self, ctx: Context) -> None:
        skip = [ctx.button(ctx.t("meetings.btn.skip"), "skip")]
        if ctx.state.step == "rate":
            scale = [ctx.button(str(n), "rate", str(n)) for n in range(1, 6)]
            ctx.say(ctx.t("meetings.confirm.rate_question"), [scale])
        elif ctx.state.step == "comment":
            ctx.say(ctx.t("meetings.confirm.comment_question"), [skip])
        elif ctx.state.step == "why":
            ctx.say(ctx.t("meetings.confirm.why_question"), [skip])

    async def on_text(self, ctx: Context, text: str) -> None:
        if ctx.state.step == "rate":
            if text.strip() in {"1", "2", "3", "4", "5"}:
                return await self._rate(ctx, int(text))
            ctx.say(ctx.t("common.use_buttons"))
            return await self.prompt(ctx)
        if len(text) > COMMENT_MAX:
            ctx.say("⚠️ " + ctx.t("meetings.confirm.comment_too_long"))
            return await self.prompt(ctx)
        await self._comment(ctx, text.strip())

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        if ctx.state.step == "rate" and action == "rate" and arg in {"1", "2", "3", "4", "5"}:
            return await self._rate(ctx, int(arg))
        if ctx.state.step in ("comment", "why") and action == "skip":
            return await self._done(ctx)
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        ctx.say(ctx.t("common.first_step"))
        await self.prompt(ctx)

    async def _rate(self, ctx: Context, value: int) -> None:
        meeting = await self._meeting(ctx)
        if meeting is None or ctx.person is None:
            return
        row = await meetings.attendance_of(ctx.session, meeting.id, ctx.person.id)
        if row is not None:
            row.usefulness = value
        rated = [
            r.usefulness for r in await meetings.attendance(ctx.session, meeting.id) if r.usefulness
        ]
        meeting.usefulness = round(sum(rated) / len(rated)) if rated else value
        ctx.goto(FLOW, "comment")
        await self.prompt(ctx)

    async def _comment(self, ctx: Context, text: str) -> None:
        meeting = await self._meeting(ctx)
        if meeting is None or ctx.person is None:
            return
        row = await meetings.attendance_of(ctx.session, meeting.id, ctx.person.id)
        if row is not None:
            row.comment = text
        if row is None or not meeting.comment:  # a group keeps each comment on its row
            meeting.comment = text
        if ctx.state.step == "why":  # the curators heard the «нет»; now they hear why
            await _tell_curators_why(ctx, meeting, text)
        await self._done(ctx)

    async def _done(self, ctx: Context) -> None:
        meeting = await ctx.session.get(Meeting, int(ctx.data.get("meeting", 0)))
        ctx.reset()
        if meeting is not None and meeting.kind == FINAL and meeting.confirmed:
            exit_form = f"exit.{meeting.pair_id}"  # what comes after the final meeting
            rows = [
                [ctx.menu_button(ctx.t("meetings.btn.exit"), "mform", exit_form)],
                [ctx.menu_button(ctx.t("meetings.btn.menu"), "menu")],
            ]
            ctx.say(ctx.t("meetings.confirm.thanks"), rows)
            return
        ctx.say(ctx.t("meetings.confirm.thanks"))
        await menu.show_menu(ctx)


register_flow(ConfirmFlow())
