"""The calendar file of a planned meeting, the day-before reminder the scheduler derives
from it, and the monitoring questionnaires: loadable, alike in both languages, and with
the entry and exit items sharing ids so they compare."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot import forms
from bot.i18n import Translator
from domain import ics
from domain.questionnaire import QType
from scheduler import due, texts
from scheduler.snapshot import ActivePair, Kind, Org, PlannedMeeting, Snapshot

PAIR_FORMS = ("monitoring_entry", "monitoring_exit", "final_satisfaction", "curator_swot")


def _calendar(tz: str, start: datetime) -> icalendar.Event:
    data = ics.meeting_file(
        meeting_id=7,
        start=start,
        tz=tz,
        minutes=60,
        summary="Наставничество: регулярная встреча",
        description="Ирина Волкова — Пётр Сидоров. Формат: очно.",
        now=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )
    events = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert len(events) == 1
    return events[0]


@pytest.mark.parametrize(
    ("tz", "local_hour"),
    [("Europe/Moscow", 16), ("Asia/Vladivostok", 23), ("Europe/Kaliningrad", 15)],
)
def test_the_calendar_file_carries_the_organizations_local_time(tz: str, local_hour: int) -> None:
    start = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
    event = _calendar(tz, start)
    begins = event.decoded("dtstart")
    assert begins == start  # the same instant
    assert begins.hour == local_hour and str(begins.tzinfo) == tz  # told in local time
    assert event.decoded("dtend") - begins == timedelta(hours=1)
    assert str(event["uid"]) == "meeting-7@mentorbot"
    assert "регулярная" in str(event["summary"])


def _snapshot(meeting_at: datetime, planned_at: datetime) -> Snapshot:
    pair = ActivePair(
        id=3,
        org_id=1,
        mentor_id=10,
        mentee_ids=(11,),
        activated_at=datetime(2026, 11, 2, 7, 0, tzinfo=UTC),
        starts_on=date(2026, 11, 2),
    )
    return Snapshot(
        orgs={1: Org(1, "Europe/Moscow")},
        pairs=[pair],
        planned=[PlannedMeeting(5, 3, "regular", meeting_at, planned_at)],
    )


MEETING = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # Tuesday 16:00 in Moscow


def _reminders(now: datetime, planned_at: datetime) -> list[due.Item]:
    found = due.due(_snapshot(MEETING, planned_at), now)
    return [i for i in found if i.kind is Kind.MEETING]


def test_both_sides_are_reminded_the_day_before_in_local_time() -> None:
    planned_at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert _reminders(datetime(2026, 11, 22, 9, 0, tzinfo=UTC), planned_at) == []  # Sunday
    # Monday 12:00 in Moscow: the eve
    items = _reminders(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), planned_at)
    assert sorted(i.person_id for i in items) == [10, 11]
    assert items[0].data["local"].hour == 16 and not items[0].data["today"]
    text, buttons = texts.reminder(
        Translator("ru"), items[:1], texts.Lookup({10: "Ирина", 11: "Пётр"})
    )
    assert text.startswith("⏰ Завтра в 16:00 — регулярная встреча: Ирина — Пётр")
    assert buttons[0][0].payload == "m:mypair:3"


def test_no_reminder_in_quiet_hours_after_the_start_or_for_a_meeting_planned_on_the_eve() -> None:
    planned_at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert _reminders(datetime(2026, 11, 23, 19, 0, tzinfo=UTC), planned_at) == []  # 22:00
    assert _reminders(MEETING + timedelta(minutes=1), planned_at) == []
    on_the_eve = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert _reminders(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), on_the_eve) == []


def test_a_bot_down_on_the_eve_reminds_on_the_day_before_the_meeting() -> None:
    planned_at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    items = _reminders(datetime(2026, 11, 24, 7, 0, tzinfo=UTC), planned_at)  # 10:00 local
    assert items and items[0].data["today"]
    # the same key as on the eve: the ledger tells it once
    eve = _reminders(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), planned_at)
    assert {i.key for i in items} == {i.key for i in eve}


@pytest.mark.parametrize("form_id", PAIR_FORMS)
def test_monitoring_files_agree_across_languages(form_id: str) -> None:
    ru, en = forms.current(form_id, "ru"), forms.current(form_id, "en")
    assert ru.version == en.version
    assert [(q.id, q.type, q.required, [o.id for o in q.options]) for q in ru.questions] == [
        (q.id, q.type, q.required, [o.id for o in q.options]) for q in en.questions
    ]
    for q in ru.questions + en.questions:
        assert all(len(o.label) <= 30 for o in q.options), q.id


def test_entry_and_exit_share_the_stage_two_items() -> None:
    entry, exit_ = forms.current("monitoring_entry", "ru"), forms.current("monitoring_exit", "ru")
    shared = {q.id for q in entry.questions} & {q.id for q in exit_.questions}
    stage_two = {
        "involvement",
        "achievements",
        "competencies",
        "mentoring_wish",
        "help_seeking",
        "role",
        "work_satisfaction",
        "climate",
        "program_involvement",  # expected on entry, real on exit
    }
    assert stage_two <= shared
    for qid in stage_two:
        before, after = entry.question(qid), exit_.question(qid)
        assert before is not None and after is not None
        assert before.type == after.type and before.bounds() == after.bounds()
        assert [o.id for o in before.options] == [o.id for o in after.options]
    assert exit_.question("involvement").type is QType.SCALE  # type: ignore[union-attr]


def test_local_time_of_the_reminder_follows_the_zone() -> None:
    items = due.due(
        Snapshot(
            orgs={1: Org(1, "Asia/Vladivostok")},
            pairs=_snapshot(MEETING, MEETING).pairs,
            planned=[PlannedMeeting(5, 3, "final", MEETING, MEETING - timedelta(days=5))],
        ),
        datetime(2026, 11, 23, 3, 0, tzinfo=UTC),  # 13:00 in Vladivostok, the eve
    )
    meeting = [i for i in items if i.kind is Kind.MEETING]
    assert meeting and meeting[0].data["local"] == MEETING.astimezone(ZoneInfo("Asia/Vladivostok"))


def test_an_unfinished_monitoring_form_is_resumed_from_the_pairs_card() -> None:
    t = Translator("ru")
    for form in ("monitoring_entry", "monitoring_exit", "final_satisfaction"):
        assert texts.form_button(t, form, 1).payload == "m:mypair:"
    assert texts.form_button(t, "curator_swot", 1).payload == "m:swot:"
