"""What reminders say: Russian plurals and dates, one message per person with the buttons
that do the thing, within a VK keyboard."""

from __future__ import annotations

from datetime import date

import pytest

from bot import payload
from bot.i18n import Translator
from scheduler import texts
from scheduler.snapshot import Item, Kind

RU, EN = Translator("ru"), Translator("en")


@pytest.mark.parametrize(
    ("n", "said"),
    [(1, "1 день"), (2, "2 дня"), (5, "5 дней"), (11, "11 дней"), (21, "21 день"), (24, "24 дня")],
)
def test_russian_day_counts(n: int, said: str) -> None:
    assert texts.days(RU, n) == said


def test_english_day_counts_and_dates() -> None:
    assert texts.days(EN, 1) == "1 day" and texts.days(EN, 3) == "3 days"
    assert texts.day_month(EN, date(2026, 12, 2)) == "December 2"
    assert texts.day_month(RU, date(2026, 12, 2)) == "2 декабря"


def _item(kind: Kind, key: str, **data: object) -> Item:
    return Item(kind, key, 10, 1, dict(data))


def test_one_message_with_each_reasons_button_and_the_way_to_mute() -> None:
    items = [
        _item(Kind.PULSE, "pulse:1", month=date(2026, 12, 25)),
        _item(Kind.MEETLOG, "meet:7", pair=7, mentees=(11,), month=date(2026, 12, 25)),
        _item(Kind.DIAGNOSTICS, "diag:1"),
    ]
    (parcel,) = texts.reminder_parcels(items)
    text, rows = texts.reminder(RU, parcel, texts.Lookup({11: "Пётр Сидоров"}))
    assert text.startswith("📝 Пётр Сидоров: в декабре пока нет ни одной записанной встречи")
    assert [b.payload for row in rows for b in row] == [
        "m:meetlog:7",
        "m:fill:pulse.1",
        "m:fill:diag.1",
        "m:remind:off",
    ]
    assert all(payload.decode(b.payload) for row in rows for b in row)
    assert all(len(b.label) <= 30 for row in rows for b in row)


def test_many_reasons_split_into_messages_that_fit_a_vk_keyboard() -> None:
    items = [
        _item(Kind.WAITING, f"wait:{n}", mentee=n, days=20, deadline=date(2026, 12, 2))
        for n in range(20)
    ]
    parcels = texts.reminder_parcels(items)
    assert [len(p) for p in parcels] == [8, 8, 4]
    for parcel in parcels:
        _, rows = texts.reminder(RU, parcel, texts.Lookup())
        assert len(rows) <= 6 and sum(map(len, rows)) <= 10
