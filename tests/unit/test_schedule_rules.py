"""What is due at an instant: the scheduler's pure rules, no database, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from scheduler import due as rules
from scheduler.snapshot import (
    ActivePair,
    Broadcast,
    Curator,
    Kind,
    OpenPlanItem,
    OpenResponse,
    Org,
    Snapshot,
    WaitingMentee,
)

MOSCOW = Org(1, "Europe/Moscow")  # UTC+3, reminder day 25, quiet 21:00-09:00
MENTOR, MENTEE, CURATOR = 10, 11, 12
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def msk(day: int, hour: int, month: int = 11) -> datetime:
    """An instant given as Moscow local time."""
    return datetime(2026, month, day, hour, tzinfo=UTC) - timedelta(hours=3)


def pair(**changes: object) -> ActivePair:
    fields: dict[str, object] = {
        "id": 7,
        "org_id": 1,
        "mentor_id": MENTOR,
        "mentee_ids": (MENTEE,),
        "activated_at": LONG_AGO,
    }
    return ActivePair(**{**fields, **changes})  # type: ignore[arg-type]


def snapshot(**parts: object) -> Snapshot:
    curators = {1: (Curator(CURATOR, LONG_AGO),)}
    return Snapshot(orgs={1: MOSCOW}, curators=curators, **parts)  # type: ignore[arg-type]


def keys(snap: Snapshot, now: datetime, kind: Kind | None = None) -> set[str]:
    return {i.key for i in rules.due(snap, now) if kind is None or i.kind is kind}


def test_monthly_reminder_and_pulse_from_the_reminder_day_outside_quiet_hours() -> None:
    snap = snapshot(pairs=[pair()])
    assert keys(snap, msk(24, 12), Kind.MEETLOG) == set()
    assert keys(snap, msk(25, 8), Kind.MEETLOG) == set()  # 08:00: quiet hours
    assert keys(snap, msk(25, 9), Kind.MEETLOG) == {"meet:7:2026-11:10"}
    assert keys(snap, msk(25, 9), Kind.PULSE) == {"pulse:1:2026-11:11"}
    assert keys(snap, msk(30, 20), Kind.MEETLOG) == {"meet:7:2026-11:10"}  # still due, same key
    assert keys(snap, msk(30, 21), Kind.MEETLOG) == set()
    assert keys(snap, msk(25, 9, month=12), Kind.MEETLOG) == {"meet:7:2026-12:10"}


def test_a_meeting_held_this_month_spares_the_mentor_not_the_mentees_pulse() -> None:
    held_this_month = snapshot(pairs=[pair(last_held_at=msk(1, 0))])
    assert keys(held_this_month, msk(25, 10), Kind.MEETLOG) == set()
    assert keys(held_this_month, msk(25, 10), Kind.PULSE) == {"pulse:1:2026-11:11"}
    held_last_month = snapshot(pairs=[pair(last_held_at=msk(1, 0) - timedelta(minutes=1))])
    assert keys(held_last_month, msk(25, 10), Kind.MEETLOG) == {"meet:7:2026-11:10"}


def test_a_pair_that_has_not_started_is_not_reminded() -> None:
    snap = snapshot(pairs=[pair(starts_on=date(2026, 12, 1))])
    assert {i.kind for i in rules.due(snap, msk(26, 10, month=12))} >= {Kind.PULSE}
    assert {i.kind for i in rules.due(snap, msk(26, 10))} == {Kind.DIGEST}


def test_reminder_day_31_falls_on_the_last_day_of_a_short_month() -> None:
    org = Org(1, "Europe/Moscow", reminder_day=31)
    snap = Snapshot(orgs={1: org}, pairs=[pair()])
    feb_27 = datetime(2026, 2, 27, 9, tzinfo=UTC)
    feb_28 = datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert keys(snap, feb_27, Kind.MEETLOG) == set()
    assert keys(snap, feb_28, Kind.MEETLOG) == {"meet:7:2026-02:10"}


def test_the_same_instant_is_morning_in_vladivostok_and_night_in_kaliningrad() -> None:
    east, west = Org(1, "Asia/Vladivostok"), Org(2, "Europe/Kaliningrad")  # UTC+10, UTC+2
    snap = Snapshot(
        orgs={1: east, 2: west},
        pairs=[pair(id=1, org_id=1), pair(id=2, org_id=2, mentor_id=20, mentee_ids=(21,))],
    )
    instant = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # 10:30 and 02:30 local
    assert keys(snap, instant, Kind.MEETLOG) == {"meet:1:2026-11:10"}
    later = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 17:00 and 09:00 local
    assert keys(snap, later, Kind.MEETLOG) == {"meet:1:2026-11:10", "meet:2:2026-11:20"}


def test_quarterly_diagnostics_in_the_last_month_of_a_quarter_to_both_sides() -> None:
    snap = snapshot(pairs=[pair()])
    assert keys(snap, msk(25, 10), Kind.DIAGNOSTICS) == set()  # November
    assert keys(snap, msk(25, 10, month=12), Kind.DIAGNOSTICS) == {
        "diag:1:2026Q4:10",
        "diag:1:2026Q4:11",
    }


@pytest.mark.parametrize(
    ("days", "alert"),
    [(0, None), (19, None), (20, 20), (26, 20), (27, 27), (29, 27), (30, 30), (31, 31), (90, 90)],
)
def test_waiting_alerts_at_20_27_30_then_daily(days: int, alert: int | None) -> None:
    assert rules.waiting_alert(days) == alert


def test_waiting_days_count_local_calendar_days_from_admission() -> None:
    # Admitted at 23:30 Moscow time on 1 November (20:30 UTC): day 0 is 1 November.
    mentee = WaitingMentee(5, MENTEE, 1, datetime(2026, 11, 1, 20, 30, tzinfo=UTC))
    snap = snapshot(waiting=[mentee])
    assert keys(snap, msk(20, 20), Kind.WAITING) == set()
    assert keys(snap, msk(21, 9), Kind.WAITING) == {"wait:5:20:12"}
    item = rules.due(snap, msk(21, 9))[0]
    assert item.data == {"mentee": MENTEE, "days": 20, "deadline": date(2026, 12, 1)}
    assert keys(snap, msk(5, 10, month=12), Kind.WAITING) == {"wait:5:34:12"}


@pytest.mark.parametrize(
    ("left", "alert"), [(15, None), (14, 14), (4, 14), (3, 3), (0, 3), (-1, None)]
)
def test_term_alerts_14_and_3_days_before_the_end(left: int, alert: int | None) -> None:
    assert rules.term_alert(left) == alert


def test_term_ending_tells_both_sides_and_the_curator_again_after_an_extension() -> None:
    snap = snapshot(pairs=[pair(ends_on=date(2026, 12, 9))])
    assert keys(snap, msk(25, 10), Kind.TERM) == {
        "term:7:2026-12-09:14:10",
        "term:7:2026-12-09:14:11",
        "term:7:2026-12-09:14:12",
    }
    to_curator = [i for i in rules.due(snap, msk(25, 10)) if i.person_id == CURATOR]
    assert to_curator[0].data["curator"] is True
    extended = snapshot(pairs=[pair(ends_on=date(2026, 12, 20))])
    assert "term:7:2026-12-20:14:10" in keys(extended, msk(6, 10, month=12), Kind.TERM)


def test_plan_items_due_tomorrow_and_overdue_go_to_the_pair() -> None:
    items = [
        OpenPlanItem(1, 7, "Прочитать главу", date(2026, 11, 26)),
        OpenPlanItem(2, 7, "Сделать макет", date(2026, 11, 25)),
        OpenPlanItem(3, 7, "Выбрать тему", date(2026, 11, 20)),
        OpenPlanItem(4, 99, "Чужая пара", date(2026, 11, 20)),
    ]
    snap = snapshot(pairs=[pair()], plan_items=items)
    assert keys(snap, msk(25, 10), Kind.PLAN) == {
        "plan:1:2026-11-26:soon:10",
        "plan:1:2026-11-26:soon:11",
        "plan:3:2026-11-20:late:10",
        "plan:3:2026-11-20:late:11",
    }


def test_an_unfinished_questionnaire_is_due_after_three_days() -> None:
    started = msk(20, 12)
    snap = snapshot(responses=[OpenResponse(40, MENTEE, 1, "monthly_pulse", started)])
    assert keys(snap, started + timedelta(days=3, seconds=-1), Kind.STALLED) == set()
    assert keys(snap, started + timedelta(days=3), Kind.STALLED) == {"form:40:once:11"}


def test_a_pair_without_a_meeting_for_45_days_is_the_curators_concern() -> None:
    held = pair(last_held_at=msk(1, 12, month=10))
    assert keys(snapshot(pairs=[held]), msk(14, 10), Kind.IDLE) == set()  # 44 days
    assert keys(snapshot(pairs=[held]), msk(15, 10), Kind.IDLE) == {"idle:7:2026-10-01:12"}
    never = pair(starts_on=date(2026, 10, 1))
    assert keys(snapshot(pairs=[never]), msk(15, 10), Kind.IDLE) == {"idle:7:2026-10-01:12"}


def test_the_weekly_digest_from_monday_not_for_a_curator_who_joined_this_week() -> None:
    monday, thursday = msk(23, 10), msk(26, 10)
    assert keys(snapshot(), monday, Kind.DIGEST) == {"digest:1:2026W48:12"}
    assert keys(snapshot(), thursday, Kind.DIGEST) == {"digest:1:2026W48:12"}
    newcomer = Snapshot(orgs={1: MOSCOW}, curators={1: (Curator(CURATOR, msk(24, 10)),)})
    assert keys(newcomer, thursday, Kind.DIGEST) == set()
    assert keys(newcomer, msk(30, 10), Kind.DIGEST) == {"digest:1:2026W49:12"}


def test_muted_people_get_no_reminders_but_do_get_announcements() -> None:
    broadcast = Broadcast(3, 1, msk(25, 9), (MENTOR, MENTEE))
    snap = snapshot(pairs=[pair()], broadcasts=[broadcast], muted=frozenset({MENTOR}))
    found = rules.due(snap, msk(25, 10), rules.REMINDERS + rules.ANNOUNCEMENTS)
    assert {i.key for i in found if i.person_id == MENTOR} == {"ann:3:once:10"}
    assert {i.kind for i in found if i.person_id == MENTEE} >= {Kind.PULSE, Kind.ANNOUNCEMENT}


def test_announcements_wait_for_the_morning_and_expire_after_a_week() -> None:
    broadcast = Broadcast(3, 1, msk(25, 22), (MENTEE,))
    snap = snapshot(broadcasts=[broadcast])
    assert rules.due(snap, msk(25, 23), rules.ANNOUNCEMENTS) == []
    assert keys(Snapshot(orgs={1: MOSCOW}, broadcasts=[broadcast]), msk(26, 9)) == set()
    morning = rules.due(snap, msk(26, 9), rules.ANNOUNCEMENTS)
    assert [i.key for i in morning] == ["ann:3:once:11"]
    assert rules.due(snap, msk(25, 22) + timedelta(days=8), rules.ANNOUNCEMENTS) == []


def test_a_mentee_in_two_pairs_gets_one_pulse() -> None:
    snap = snapshot(pairs=[pair(), pair(id=8, mentor_id=30)])
    assert keys(snap, msk(25, 10), Kind.PULSE) == {"pulse:1:2026-11:11"}
    assert keys(snap, msk(25, 10), Kind.MEETLOG) == {"meet:7:2026-11:10", "meet:8:2026-11:30"}
