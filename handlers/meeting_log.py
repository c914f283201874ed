"""A meeting logged from a phone in five taps from the main menu: «Записать встречу» →
kind (the next expected one first) → when → how long → in person or online. The fifth
tap saves it; topic, notes and the next step may follow. A group's mentor then says who
came. The other side is asked to confirm (handlers/meeting_confirm.py).

Steps: kind, when, duration, format, attendance (a group's mentor), notes, next.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.context import Context
from bot.events import Button
from domain import meetings as rules
from handlers import menu, monitoring
from handlers.base import pop_step, push_step, register_flow
from handlers.keyboards import short
from handlers.meeting_common import (
    PARTICIPANTS,
    Seat,
    date_example,
    day_start,
    kind_label,
    mentor_with_active_pair,
    say_date,
    say_duration,
    seat,
    working_pairs,
)
from handlers.meeting_confirm import ask_to_confirm
from handlers.pair_common import audit
from storage import meetings, pairs
from storage.models import Meeting

FLOW = "meetlog"
TOPIC_MAX, NOTES_MAX = 200, 1000


@menu.action(
    "meetlog",
    roles=PARTICIPANTS,
    label_key="meetings.menu.log",
    order=9,
    shown=mentor_with_active_pair,
)
async def start(ctx: Context, arg: str) -> None:
    """From the main menu (no arg: the only working pair, or a choice) or from a reminder
    and the pair's card (`m:meetlog:<pair>`)."""
    if not arg:
        mine = await working_pairs(ctx)
        if not mine:
            ctx.say(ctx.t("meetings.no_active_pair"))
            return await menu.show_menu(ctx)
        if len(mine) > 1:
            return await _choose_pair(ctx, [p.id for p in mine])
        arg = str(mine[0].id)
    found = await seat(ctx, arg, "meetlog")
    if found is None:
        return
    ctx.reset()
    ctx.goto(FLOW, "kind")
    ctx.remember("pair", found.pair.id)
    await MeetLogFlow().prompt(ctx)


async def _choose_pair(ctx: Context, pair_ids: list[int]) -> None:
    rows = []
    for pair_id in pair_ids[: ctx.max_rows - 1]:
        found = await seat(ctx, str(pair_id), "meetlog")
        if found is not None:
            names = ", ".join(await _names(ctx, found.others(_me(ctx))))
            label = ctx.t("meetings.btn.choose_pair", id=pair_id, names=names)
            rows.append([ctx.menu_button(short(label), "meetlog", str(pair_id))])
    rows.append([ctx.menu_button(ctx.t("meetings.btn.menu"), "menu")])
    ctx.say(ctx.t("meetings.choose_pair"), rows)


def _me(ctx: Context) -> int:
    assert ctx.person is not None
    return ctx.person.id


async def _names(ctx: Context, ids: list[int]) -> list[str]:
    names = await pairs.names_of(ctx.session, ids)
    return [names.get(i, "—") for i in ids]


class MeetLogFlow:
    name = FLOW

    async def _seat(self, ctx: Context) -> Seat | None:
        """Checked again on every step: the pair may have ended meanwhile."""
        found = await seat(ctx, str(ctx.data.get("pair", "")), "meetlog")
        if found is None:
            ctx.reset()
        return found

    async def prompt(self, ctx: Context) -> None:
        found = await self._seat(ctx)
        if found is None:
            return
        step = ctx.state.step
        today = _today(ctx, found)
        if step == "kind":
            return await self._ask_kind(ctx, found)
        if step == "when":
            rows = [
                [
                    ctx.button(ctx.t("meetings.btn.today"), "when", "0"),
                    ctx.button(ctx.t("meetings.btn.yesterday"), "when", "1"),
                ],
                ctx.nav_row(),
            ]
            example = date_example(today, past=True)
            ctx.say(ctx.t("meetings.log.when_question", example=example), rows)
        elif step == "duration":
            choices = [
                ctx.button(say_duration(ctx.t, m), "min", str(m)) for m in rules.DURATION_CHOICES
            ]
            rows = [choices[:3], choices[3:], ctx.nav_row()]
            ctx.say(ctx.t("meetings.log.duration_question"), rows)
        elif step == "format":
            rows = [
                [ctx.button(ctx.t(f"meetings.format.{f}"), "fmt", f) for f in rules.FORMATS],
                ctx.nav_row(),
            ]
            ctx.say(ctx.t("meetings.log.format_question"), rows)
        elif step == "attendance":
            await self._ask_attendance(ctx, found)
        elif step == "notes":
            skip = [[ctx.button(ctx.t("meetings.btn.skip"), "skip")]]
            ctx.say(ctx.t("meetings.log.notes_question"), skip)
        elif step == "next":
            skip = [[ctx.button(ctx.t("meetings.btn.skip"), "skip")]]
            ctx.say(ctx.t("meetings.log.next_question"), skip)

    async def _ask_kind(self, ctx: Context, found: Seat) -> None:
        kinds = rules.choices(await meetings.held_kinds(ctx.session, found.pair.id))
        if not kinds:
            ctx.reset()
            ctx.say(ctx.t("meetings.log.after_final"))
            return await menu.show_menu(ctx)
        names = ", ".join(await _names(ctx, found.others(_me(ctx))))
        rows = [[ctx.button(ctx.t(f"meetings.kind.{k}"), "kind", k)] for k in kinds]
        rows.append(ctx.nav_row(back=False))
        heading = ctx.t("meetings.log.heading", who=names)
        ctx.say(f"{heading}\n{ctx.t('meetings.log.kind_question')}", rows)

    async def _ask_attendance(self, ctx: Context, found: Seat, edit: bool = False) -> None:
        present = set(ctx.data.get("present", []))
        names = await _names(ctx, list(found.mentees))
        rows = [
            [ctx.button(short(("✅ " if m in present else "") + name), "tog", str(i))]
            for i, (m, name) in enumerate(zip(found.mentees, names, strict=True))
        ][: ctx.max_rows - 2]
        rows.append([ctx.button(ctx.t("meetings.btn.done"), "done")])
        rows.append(ctx.nav_row())
        ctx.say(ctx.t("meetings.log.attendance_question"), rows, edit=edit)

    async def on_text(self, ctx: Context, text: str) -> None:
        found = await self._seat(ctx)
        if found is None:
            return
        step = ctx.state.step
        today = _today(ctx, found)
        if step == "when":
            day = rules.parse_day(text, today, past=True)
            if day is None:
                example = date_example(today, past=True)
                ctx.say("⚠️ " + ctx.t("meetings.log.bad_date", example=example))
                return await self.prompt(ctx)
            return await self._set_day(ctx, found, day)
        if step == "duration":
            minutes = rules.parse_minutes(text)
            if minutes is None:
                ctx.say("⚠️ " + ctx.t("meetings.log.bad_duration"))
                return await self.prompt(ctx)
            return await self._set_minutes(ctx, minutes)
        if step == "notes":
            return await self._notes(ctx, text)
        if step == "next":
            return await self._next_step(ctx, found, text)
        ctx.say(ctx.t("common.use_buttons"))
        await self.prompt(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        found = await self._seat(ctx)
        if found is None:
            return
        step = ctx.state.step
        if step == "kind" and action == "kind":
            return await self._set_kind(ctx, found, arg)
        if step == "when" and action == "when" and arg in ("0", "1"):
            return await self._set_day(ctx, found, _today(ctx, found) - timedelta(days=int(arg)))
        if step == "duration" and action == "min" and arg.isdigit():
            return await self._set_minutes(ctx, int(arg))
        if step == "format" and action == "fmt" and arg in rules.FORMATS:
            ctx.remember("fmt", arg)
            if found.role == "mentor" and len(found.mentees) > 1:
                ctx.remember("present", list(found.mentees))
                push_step(ctx, FLOW, "attendance")
                return await self.prompt(ctx)
            return await self._save(ctx, found)
        if step == "attendance" and action == "tog" and arg.isdigit():
            return await self._toggle(ctx, found, int(arg))
        if step == "attendance" and action == "done":
            if not ctx.data.get("present"):
                ctx.say("⚠️ " + ctx.t("meetings.log.attendance_none"))
                return await self.prompt(ctx)
            return await self._save(ctx, found)
        if step in ("notes", "next") and action == "skip":
            if step == "notes":
                ctx.goto(FLOW, "next")
                return await self.prompt(ctx)
            return await self._finish(ctx, found)
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        if ctx.state.step in ("notes", "next"):
            ctx.say(ctx.t("meetings.log.already_saved"))
        elif pop_step(ctx) is None:
            ctx.say(ctx.t("common.first_step"))
        await self.prompt(ctx)

    # -- steps -------------------------------------------------------------------------------

    async def _set_kind(self, ctx: Context, found: Seat, kind: str) -> None:
        problem = rules.kind_error(kind, await meetings.held_kinds(ctx.session, found.pair.id))
        if problem is not None:
            ctx.say("⚠️ " + ctx.t(f"meetings.errors.{problem}"))
            return await self.prompt(ctx)
        ctx.remember("kind", kind)
        push_step(ctx, FLOW, "when")
        await self.prompt(ctx)

    async def _set_day(self, ctx: Context, found: Seat, day: date) -> None:
        problem = rules.held_date_error(day, _today(ctx, found), found.pair.starts_on)
        if problem is not None:
            start = say_date(ctx.t, found.pair.starts_on) if found.pair.starts_on else ""
            ctx.say("⚠️ " + ctx.t(f"meetings.errors.{problem}", start=start))
            return await self.prompt(ctx)
        ctx.remember("day", day.isoformat())
        push_step(ctx, FLOW, "duration")
        await self.prompt(ctx)

    async def _set_minutes(self, ctx: Context, minutes: int) -> None:
        problem = rules.duration_error(minutes)
        if problem is not None:
            ctx.say("⚠️ " + ctx.t(f"meetings.errors.{problem}"))
            return await self.prompt(ctx)
        ctx.remember("minutes", minutes)
        push_step(ctx, FLOW, "format")
        await self.prompt(ctx)

    async def _toggle(self, ctx: Context, found: Seat, index: int) -> None:
        if index >= len(found.mentees):
            ctx.say(ctx.t("common.stale_button"))
            return await self.prompt(ctx)
        person = found.mentees[index]
        present = list(ctx.data.get("present", []))
        present = [p for p in present if p != person] if person in present else [*present, person]
        ctx.remember("present", present)
        await self._ask_attendance(ctx, found, edit=True)

    async def _save(self, ctx: Context, found: Seat) -> None:
        """The fifth tap: the meeting is a row now, whatever happens after."""
        me, pair = _me(ctx), found.pair
        kind, day = str(ctx.data["kind"]), date.fromisoformat(str(ctx.data["day"]))
        problem = rules.kind_error(kind, await meetings.held_kinds(ctx.session, pair.id))
        if problem is not None:  # a second phone logged it meanwhile
            ctx.say("⚠️ " + ctx.t(f"meetings.errors.{problem}"))
            ctx.reset()
            return await menu.show_menu(ctx)
        minutes, fmt = int(ctx.data["minutes"]), str(ctx.data["fmt"])
        if found.role == "mentor":
            came = [p for p in ctx.data.get("present", found.mentees) if p in found.mentees]
            absent, confirmers = [p for p in found.mentees if p not in came], came
        else:  # a mentee knows only that they came; the mentor confirms
            came, absent = [me], []
            confirmers = [pair.mentor_person_id] if pair.mentor_person_id else []
        meeting = await meetings.record_held(
            ctx.session,
            pair_id=pair.id,
            kind=kind,
            day_start=day_start(day, found.tz),
            minutes=minutes,
            fmt=fmt,
            logger=me,
            came=came,
            absent=absent,
            now=ctx.now,
        )
        audit(ctx, pair.organization_id, "meeting.logged", pair=pair.id, meeting=meeting.id)
        ctx.remember("meeting", meeting.id)
        ctx.remember("history", [])
        ctx.goto(FLOW, "notes")
        saved = ctx.t(
            "meetings.log.saved",
            kind=kind_label(ctx.t, kind),
            date=say_date(ctx.t, day),
            duration=say_duration(ctx.t, minutes),
            format=ctx.t(f"meetings.format_lower.{fmt}"),
        )
        names = ", ".join(await _names(ctx, confirmers))
        ctx.say(f"{saved}\n{ctx.t('meetings.log.confirm_asked', names=names)}")
        await self.prompt(ctx)
        await ask_to_confirm(ctx, found, meeting, confirmers)
        if kind == rules.FINAL:  # the logger gets the button when the flow ends
            await monitoring.ask_exit(ctx, found, skip=(me,))

    async def _notes(self, ctx: Context, text: str) -> None:
        topic, _, notes = text.strip().partition("\n")
        if len(topic) > TOPIC_MAX or len(notes) > NOTES_MAX:
            ctx.say("⚠️ " + ctx.t("meetings.log.notes_too_long"))
            return await self.prompt(ctx)
        meeting = await ctx.session.get(Meeting, int(ctx.data.get("meeting", 0)))
        if meeting is not None:
            meeting.topic, meeting.notes = topic.strip() or None, notes.strip() or None
        ctx.goto(FLOW, "next")
        await self.prompt(ctx)

    async def _next_step(self, ctx: Context, found: Seat, text: str) -> None:
        if len(text) > NOTES_MAX:
            ctx.say("⚠️ " + ctx.t("meetings.log.notes_too_long"))
            return await self.prompt(ctx)
        meeting = await ctx.session.get(Meeting, int(ctx.data.get("meeting", 0)))
        if meeting is not None:
            meeting.next_step = text.strip()
        await self._finish(ctx, found)

    async def _finish(self, ctx: Context, found: Seat) -> None:
        kind = str(ctx.data.get("kind", ""))
        ctx.reset()
        p = str(found.pair.id)
        b = ctx.menu_button
        rows: list[list[Button]] = []
        if kind == rules.PLANNING:
            rows.append([b(ctx.t("meetings.btn.make_plan"), "plan", p)])
        elif kind == rules.FINAL:
            rows.append([b(ctx.t("meetings.btn.exit"), "mform", f"exit.{p}")])
        else:
            rows.append([b(ctx.t("meetings.btn.plan_meeting"), "mplan", p)])
        rows.append([b(ctx.t("meetings.btn.my_pair"), "mypair", p)])
        rows.append([b(ctx.t("meetings.btn.menu"), "menu")])
        key = {rules.PLANNING: "finished_planning", rules.FINAL: "finished_final"}
        ctx.say(ctx.t(f"meetings.log.{key.get(kind, 'finished')}"), rows)


def _today(ctx: Context, found: Seat) -> date:
    """The organization's date: a meeting "today" in Vladivostok is not the server's."""
    return ctx.now.astimezone(found.tz).date()


register_flow(MeetLogFlow())
