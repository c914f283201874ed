"""The program's rules with numbers (../shared/domain.md, seeds 000 and 002)."""

from __future__ import annotations

from datetime import date

MAX_MENTEES_PER_MENTOR = 3
PARENT_CONSENT_BELOW_AGE = 14
PARENT_CODE_DAYS = 7


def needs_parent_consent(birth_year: int | None, today: date) -> bool:
    """Under 14 needs a legal representative's consent. Only the year of birth is known:
    someone born in 2012 may still be 13 on 24 November 2026, so a person counts as
    possibly under 14 until the year in which they turn 15."""
    if birth_year is None:
        return False
    return today.year - birth_year <= PARENT_CONSENT_BELOW_AGE


def valid_capacity(value: object) -> bool:
    """How many mentees a mentor offers at once: 1 to 3, never more."""
    try:
        number = int(str(value))
    except ValueError:
        return False
    return 1 <= number <= MAX_MENTEES_PER_MENTOR
