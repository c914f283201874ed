"""Mastermind rules: the turn plan and the regular schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain import mastermind as rules


def test_round_two_gives_each_request_the_others_in_turn_starting_after_its_owner() -> None:
    order = [1, 2, 3, 4]
    plan = rules.later_rounds(order, with_requests=[1, 3])
    assert plan[:6] == [(2, 2, 1), (2, 3, 1), (2, 4, 1), (2, 4, 3), (2, 1, 3), (2, 2, 3)]
    assert plan[6:] == [(3, 1, None), (3, 2, None), (3, 3, None), (3, 4, None)]


def test_a_shuffled_order_is_the_same_for_the_same_seed_and_keeps_everyone() -> None:
    first = rules.order_of([1, 2, 3, 4, 5], shuffle=True, seed=7)
    assert first == rules.order_of([1, 2, 3, 4, 5], shuffle=True, seed=7)
    assert sorted(first) == [1, 2, 3, 4, 5]
    assert rules.order_of([3, 1, 2], shuffle=False, seed=7) == [3, 1, 2]


def test_every_second_thursday_at_16_local_counts_weeks_from_the_anchor() -> None:
    anchor = date(2026, 11, 24)  # a Tuesday: its week is week 0
    slot = rules.next_slot(
        datetime(2026, 11, 24, 7, tzinfo=UTC), "Europe/Moscow", 3, 960, 2, anchor
    )
    assert slot == datetime(2026, 11, 26, 13, tzinfo=UTC)
    after = rules.next_slot(slot.replace(minute=1), "Europe/Moscow", 3, 960, 2, anchor)
    assert after == datetime(2026, 12, 10, 13, tzinfo=UTC)
    vladivostok = rules.next_slot(slot, "Asia/Vladivostok", 3, 960, 1, anchor)
    assert vladivostok == datetime(2026, 12, 3, 6, tzinfo=UTC)


def test_schedule_text_in_russian_or_english_and_nonsense_refused() -> None:
    assert rules.parse_schedule("чт 16:00") == (3, 960, 2)
    assert rules.parse_schedule("четверг 9:30 1") == (3, 570, 1)
    assert rules.parse_schedule("Thu 16:00 2") == (3, 960, 2)
    assert rules.parse_schedule("чт 25:00") is None
    assert rules.parse_schedule("когда-нибудь") is None
    assert rules.parse_schedule("чт 16:00 9") is None
