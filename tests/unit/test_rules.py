"""The program's numeric rules."""

from datetime import date

from domain import rules


def test_a_mentor_offers_one_to_three_mentees_never_more() -> None:
    assert [rules.valid_capacity(v) for v in ("1", "2", "3", 3)] == [True] * 4
    assert [rules.valid_capacity(v) for v in ("0", "4", 4, "-1", "три", None)] == [False] * 6


def test_parent_consent_until_the_year_a_child_surely_turned_14() -> None:
    today = date(2026, 11, 24)
    assert rules.needs_parent_consent(2013, today)  # 13
    assert rules.needs_parent_consent(2012, today)  # 14 this year, maybe not yet
    assert not rules.needs_parent_consent(2011, today)  # 15 this year: at least 14 now
    assert not rules.needs_parent_consent(None, today)
