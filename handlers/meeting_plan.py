"""A planned meeting: kind → day → time → in person or online. Both sides get an `.ics`
file in the organization's local time; the scheduler reminds them the day before
(scheduler/due.py, `planned`). When the day comes, logging a meeting of that kind on that
day turns the planned row into a held one (handlers/meeting_log.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.context import Context
from bot.events import Attachment
from domain import ics
from domain import meetings as rules
from handlers import menu
from handlers.base import pop_step, push_step, register_flow
from handlers.meeting_common import (
    PARTICIPANTS,
    Seat,
    date_example,
    kind_label,
    say_date,
    say_when,
    seat,
    send_file,
)
from handlers.notify import translator_for
from handlers.pair_common import audit
from storage import meetings, pairs
from storage.models import Meeting

FLOW = "meetplan"
_TIME_ARGS = {str(i) for i in range(len(rules.TIME_CHOICES))}


@menu.action("mplan", roles=PARTICIPANTS)
async def start(ctx: Context, arg: str) -> None:
    found = await seat(ctx, arg, "plan_meeting")
    if found is None:
        return
    ctx.reset()
    ctx.goto(FLOW, "kind")
    ctx.remember("pair", found.pair.id)
    await PlanMeetingFlow().prompt(ctx)


async def _kinds(ctx: Context, found: Seat) -> list[str]:
    """What may come next counting meetings already planned, the expected one first."""
    held = await meetings.held_kinds(ctx.session, found.pair.id)
    planned = [m.kind for m in await meetings.planned_after(ctx.session, found.pair.id, ctx.now)]
    return rules.choices([*held, *planned])


class PlanMeetingFlow:
    name = FLOW

    async def _seat(self, ctx: Context) -> Seat | None:
        found = await seat(ctx, str(ctx.data.get("pair", "")), "plan_meeting")
        if found is None:
            ctx.reset()
        return found

    def _today(self, ctx: Context, found: Seat) -> date:
        return ctx.now.astimezone(found.tz).date()

    async def prompt(self, ctx: Context) -> None:
        found = await self._seat(ctx)
        if found is None:
            return
        today = self._today(ctx, found)
        step = ctx.state.step
        if step == "kind":
            kinds = await _kinds(ctx, found)
            if not kinds:
                ctx.reset()
                ctx.say(ctx.t("meetings.log.after_final"))
                return await menu.show_menu(ctx)
            rows = [[ctx.button(ctx.t(f"meetings.kind.{k}"), "kind", k)] for k in kinds]
            rows.append(ctx.nav_row(back=False))
            ctx.say(ctx.t("meetings.plan_meeting.kind_question"), rows)
        elif step == "day":
            labels = {1: "tomorrow", 2: "after_tomorrow", 7: "in_week"}
            rows = [
                [
                    ctx.button(
                        ctx.t(
                            f"meetings.btn.{key}",
                            date=say_date(ctx.t, today + timedelta(days=n)),
                        ),
                        "day",
                        str(n),
                    )
                ]
                for n, key in labels.items()
            ]
            rows.append(ctx.nav_row())
            example = date_example(today, past=False)
            ctx.say(ctx.t("meetings.plan_meeting.day_question", example=example), rows)
        elif step == "time":
            times = [ctx.button(t, "time", str(i)) for i, t in enumerate(rules.TIME_CHOICES)]
            ctx.say(ctx.t("meetings.plan_meeting.time_question"), [times, ctx.nav_row()])
        elif step == "format":
            rows = [
                [ctx.button(ctx.t(f"meetings.format.{f}"), "fmt", f) for f in rules.FORMATS],
                ctx.nav_row(),
            ]
            ctx.say(ctx.t("meetings.plan_meeting.format_question"), rows)

    async def on_text(self, ctx: Context, text: str) -> None:
        found = await self._seat(ctx)
        if found is None:
            return
        today = self._today(ctx, found)
        if ctx.state.step == "day":
            day = rules.parse_day(text, today, past=False)
            if day is None:
                example = date_example(today, past=False)
                ctx.say("⚠️ " + ctx.t("meetings.log.bad_date", example=example))
                return await self.prompt(ctx)
            return await self._set_day(ctx, found, day)
        if ctx.state.step == "time":
            moment = rules.parse_time(text)
            if moment is None:
                ctx.say("⚠️ " + ctx.t("meetings.plan_meeting.bad_time"))
                return await self.prompt(ctx)
            return await self._set_time(ctx, found, moment.strftime("%H:%M"))
        ctx.say(ctx.t("common.use_buttons"))
        await self.prompt(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        found = await self._seat(ctx)
        if found is None:
            return
        step = ctx.state.step
        if step == "kind" and action == "kind" and arg in await _kinds(ctx, found):
            ctx.remember("kind", arg)
            push_step(ctx, FLOW, "day")
            return await self.prompt(ctx)
        if step == "day" and action == "day" and arg in ("1", "2", "7"):
            return await self._set_day(
                ctx, found, self._today(ctx, found) + timedelta(days=int(arg))
            )
        if step == "time" and action == "time" and arg in _TIME_ARGS:
            return await self._set_time(ctx, found, rules.TIME_CHOICES[int(arg)])
        if step == "format" and action == "fmt" and arg in rules.FORMATS:
            return await self._save(ctx, found, arg)
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        if pop_step(ctx) is None:
            ctx.say(ctx.t("common.first_step"))
        await self.prompt(ctx)

    def _start(self, ctx: Context, found: Seat, day: date, clock: str) -> datetime:
        hour, minute = map(int, clock.split(":"))
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=found.tz)

    async def _refuse(self, ctx: Context, found: Seat, problem: str) -> None:
        end = say_date(ctx.t, found.pair.ends_on) if found.pair.ends_on else ""
        ctx.say("⚠️ " + ctx.t(f"meetings.errors.{problem}", end=end))
        await self.prompt(ctx)

    async def _set_day(self, ctx: Context, found: Seat, day: date) -> None:
        # The latest time of that day: a day in the past is refused here, a time later.
        latest = self._start(ctx, found, day, "23:59")
        problem = rules.planned_error(latest, ctx.now, found.pair.ends_on, day)
        if problem is not None:
            return await self._refuse(ctx, found, problem)
        ctx.remember("day", day.isoformat())
        push_step(ctx, FLOW, "time")
        await self.prompt(ctx)

    async def _set_time(self, ctx: Context, found: Seat, clock: str) -> None:
        day = date.fromisoformat(str(ctx.data["day"]))
        start = self._start(ctx, found, day, clock)
        problem = rules.planned_error(start, ctx.now, found.pair.ends_on, day)
        if problem is not None:
            return await self._refuse(ctx, found, problem)
        ctx.remember("time", clock)
        push_step(ctx, FLOW, "format")
        await self.prompt(ctx)

    async def _save(self, ctx: Context, found: Seat, fmt: str) -> None:
        day = date.fromisoformat(str(ctx.data["day"]))
        start = self._start(ctx, found, day, str(ctx.data["time"]))
        kind = str(ctx.data["kind"])
        if rules.planned_error(start, ctx.now, found.pair.ends_on, day) or kind not in (
            await _kinds(ctx, found)
        ):
            ctx.say(ctx.t("common.stale_button"))
            ctx.reset()
            return await menu.show_menu(ctx)
        assert ctx.person is not None
        meeting = Meeting(
            pair_id=found.pair.id,
            kind=kind,
            status=meetings.PLANNED,
            at=start,
            duration_minutes=rules.PLANNED_MINUTES,
            format=fmt,
            logged_by=ctx.person.id,
            created_at=ctx.now,
        )
        ctx.session.add(meeting)
        await ctx.session.flush()
        audit(ctx, found.pair.organization_id, "meeting.planned", meeting=meeting.id)
        ctx.reset()
        await _send_invitations(ctx, found, meeting)


async def _send_invitations(ctx: Context, found: Seat, meeting: Meeting) -> None:
    """Each side, in their own language: the when, the what, and the calendar file."""
    assert ctx.person is not None
    me = ctx.person.id
    names = await pairs.names_of(ctx.session, list(found.people))
    everyone = " — ".join(names.get(p, "—") for p in found.people)
    for person in found.people:
        t = await translator_for(ctx, person)
        kind = kind_label(t, meeting.kind)
        fmt = t(f"meetings.format_lower.{meeting.format}")
        when = say_when(t, meeting.at, found.tz)
        data = ics.meeting_file(
            meeting_id=meeting.id,
            start=meeting.at,
            tz=found.org.timezone,
            minutes=meeting.duration_minutes or rules.PLANNED_MINUTES,
            summary=t("meetings.plan_meeting.ics_summary", kind=kind),
            description=t("meetings.plan_meeting.ics_description", names=everyone, format=fmt),
            now=ctx.now,
        )
        file = Attachment(f"meeting-{meeting.id}.ics", data, ics.MIME)
        if person == me:
            text = t("meetings.plan_meeting.saved", when=when, kind=kind, format=fmt)
            back = [[ctx.menu_button(t("meetings.btn.my_pair"), "mypair", str(found.pair.id))]]
            await send_file(ctx, person, text, file, back)
        else:
            who = names.get(me, "—")
            text = t("meetings.plan_meeting.told", who=who, when=when, kind=kind, format=fmt)
            await send_file(ctx, person, text, file)


register_flow(PlanMeetingFlow())
