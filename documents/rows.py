"""The rows of the registries of mentees and of mentors, built from the database.

A row holds what its cells say, in the document's language: option ids are turned into the
labels of the questionnaire version the answers were given to. A person appears once per
pair they were in, the latest first, or once with empty pair columns when unmatched."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import forms
from bot.i18n import text
from domain.questionnaire import QType, Question, Questionnaire
from storage.models import Organization, Pair, PairMember, Participation, Person, Response

MENTEE_FORM = "mentee_request"
MENTOR_FORM = "mentor_nomination"
APPROVED = "approved"
# Pairs the curator approved: a proposal or a mere agreement is not in the registry yet.
REGISTERED = ("active", "finished", "ended_early")


@dataclass(frozen=True, slots=True)
class MenteeRow:
    full_name: str
    contact: str
    birth_year: int | None
    main_request: str
    entered_on: date | None
    # The pair's columns stay empty for a mentee still waiting for a mentor.
    mentor_name: str = ""
    form: str = ""
    mentor_workplace: str = ""
    finished_on: date | None = None
    results: str = ""
    case_link: str = ""
    completion_mark: str = ""


@dataclass(frozen=True, slots=True)
class MentorRow:
    full_name: str
    contact: str
    workplace: str
    competencies: str
    achievements: str
    interests: str
    mentee_age: str
    time_available: str
    entered_on: date | None
    mentees: str = ""  # one name a line for a group
    form: str = ""
    mentee_workplace: str = ""  # one line a mentee, beside the names
    finished_on: date | None = None
    results: str = ""
    case_link: str = ""


@dataclass(frozen=True, slots=True)
class Admitted:
    person_id: int
    name: str
    entered_on: date | None
    answers: Answers


class Answers:
    """One approved response read through its questionnaire version, in `locale`."""

    def __init__(self, response: Response | None, locale: str) -> None:
        self.locale = locale
        self.form: Questionnaire | None = None
        self.values: dict[str, object] = {}
        if response is not None:
            self.form = forms.version(response.questionnaire, locale, response.version)
            # A changed answer can hide a question: its stale answer is not shown.
            self.values = dict(self.form.relevant(response.answers or {}))

    def _question(self, key: str) -> Question | None:
        if self.form is None:
            return None
        tagged = [q for q in self.form.questions if q.registry == key]
        return tagged[0] if tagged else self.form.question(key)

    def get(self, key: str) -> str:
        """The answer to the question tagged `registry: key` (or with that id), as text."""
        question = self._question(key)
        if question is None or question.id not in self.values:
            return ""
        return _render(question, self.values[question.id], self.locale)

    def year(self, key: str) -> int | None:
        question = self._question(key)
        value = self.values.get(question.id) if question else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None


def _render(question: Question, value: object, locale: str) -> str:
    def label(option_id: object) -> str:
        option = question.option(str(option_id))
        return option.label if option else str(option_id)

    if question.type is QType.SINGLE:
        return label(value)
    if question.type is QType.MULTI and isinstance(value, list):
        return "; ".join(label(v) for v in value)  # labels may hold commas
    if isinstance(value, bool):
        return text(locale, "documents.yes" if value else "documents.no")
    return str(value)


def form_label(form_id: str | None, locale: str) -> str:
    """A pair's form (`pupil_pupil`) as the questionnaires name it."""
    if not form_id:
        return ""
    question = forms.current(MENTOR_FORM, locale).question("forms")
    option = question.option(form_id) if question else None
    return option.label if option else form_id


def zone(name: str) -> ZoneInfo:
    """The organization's timezone; UTC if the stored name is unknown here."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local(moment: datetime | None, tz: ZoneInfo) -> date | None:
    return moment.astimezone(tz).date() if moment else None


async def _zone_of(session: AsyncSession, organization_id: int) -> ZoneInfo:
    org = await session.get(Organization, organization_id)
    return zone(org.timezone if org else "UTC")


async def admitted(
    session: AsyncSession, organization_id: int, role: str, locale: str
) -> list[Admitted]:
    """People admitted to the organization in `role`: an approved questionnaire there, or an
    admission date; ordered by the date they entered, then by name."""
    form_id = MENTEE_FORM if role == "mentee" else MENTOR_FORM
    tz = await _zone_of(session, organization_id)
    found = await session.execute(
        select(Participation, Person)
        .join(Person, Person.id == Participation.person_id)
        .where(Participation.organization_id == organization_id, Participation.role == role)
    )
    approved = await _approved(session, organization_id, form_id)
    people = []
    for participation, person in found.all():
        response = approved.get(person.id)
        if response is None and participation.admitted_at is None:
            continue
        entered = participation.admitted_at or (response.decided_at if response else None)
        people.append(
            Admitted(
                person.id, person.full_name or "", _local(entered, tz), Answers(response, locale)
            )
        )
    people.sort(key=lambda a: (a.entered_on or date.max, a.name.casefold(), a.person_id))
    return people


async def _approved(
    session: AsyncSession, organization_id: int, form_id: str
) -> dict[int, Response]:
    """The latest approved response of each person to `form_id` in the organization."""
    found = await session.scalars(
        select(Response)
        .where(
            Response.organization_id == organization_id,
            Response.questionnaire == form_id,
            Response.status == APPROVED,
            Response.person_id.is_not(None),
        )
        .order_by(Response.id)
    )
    return {r.person_id: r for r in found if r.person_id is not None}


@dataclass(frozen=True, slots=True)
class PairFacts:
    pair: Pair
    members: tuple[PairMember, ...]  # those who did not decline, in the order they joined


async def registered_pairs(
    session: AsyncSession, organization_id: int, statuses: Sequence[str] = REGISTERED
) -> list[PairFacts]:
    """The organization's pairs and groups in `statuses`, the latest first."""
    pairs = (
        await session.scalars(
            select(Pair).where(Pair.organization_id == organization_id, Pair.status.in_(statuses))
        )
    ).all()
    by_pair: dict[int, list[PairMember]] = {p.id: [] for p in pairs}
    if pairs:
        members = await session.scalars(
            select(PairMember)
            .where(PairMember.pair_id.in_(by_pair), PairMember.declined_at.is_(None))
            .order_by(PairMember.id)
        )
        for member in members:
            by_pair[member.pair_id].append(member)
    latest_first = sorted(pairs, key=lambda p: (p.starts_on or date.min, p.id), reverse=True)
    return [PairFacts(p, tuple(by_pair[p.id])) for p in latest_first]


async def names(session: AsyncSession, person_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in person_ids if i is not None}
    if not ids:
        return {}
    found = await session.execute(select(Person.id, Person.full_name).where(Person.id.in_(ids)))
    return {person_id: name or "" for person_id, name in found.all()}


def _results(facts: PairFacts, locale: str) -> str:
    parts = [text(locale, "documents.ended_early")] if facts.pair.status == "ended_early" else []
    return "\n".join([*parts, *([facts.pair.result] if facts.pair.result else [])])


def _mark(mark: str | None, locale: str) -> str:
    return text(locale, f"documents.marks.{mark}") if mark in ("fully", "partly", "not") else ""


async def mentee_rows(
    session: AsyncSession, organization_id: int, locale: str = "ru"
) -> list[MenteeRow]:
    """The registry of mentees (seed 003 appendix 3): approved mentees of the organization."""
    mentees = await admitted(session, organization_id, "mentee", locale)
    pairs = await registered_pairs(session, organization_id)
    mentors = {m.person_id: m for m in await admitted(session, organization_id, "mentor", locale)}
    mentor_names = await names(session, (f.pair.mentor_person_id for f in pairs))
    by_mentee: dict[int | None, list[tuple[PairFacts, PairMember]]] = defaultdict(list)
    for facts in pairs:  # the latest first, so each mentee's pairs are too
        for member in facts.members:
            by_mentee[member.mentee_person_id].append((facts, member))
    rows: list[MenteeRow] = []
    for mentee in mentees:
        request = [mentee.answers.get("main_request"), mentee.answers.get("goal")]
        unmatched = MenteeRow(
            full_name=mentee.name,
            contact=mentee.answers.get("contact"),
            birth_year=mentee.answers.year("birth_year"),
            main_request="\n".join(part for part in request if part),
            entered_on=mentee.entered_on,
        )
        own = by_mentee.get(mentee.person_id, [])
        rows.extend(
            replace(
                unmatched,
                mentor_name=mentor_names.get(facts.pair.mentor_person_id or -1, ""),
                mentor_workplace=_workplace(mentors.get(facts.pair.mentor_person_id or -1)),
                **_mentee_outcome(facts, member, locale),
            )
            for facts, member in own
        )
        if not own:
            rows.append(unmatched)
    return rows


def _workplace(mentor: Admitted | None) -> str:
    return mentor.answers.get("workplace") if mentor else ""


def _mentee_outcome(facts: PairFacts, member: PairMember, locale: str) -> dict[str, Any]:
    pair = facts.pair
    left = member.left_on is not None  # left a group before its end: the result is not theirs
    return {
        "form": form_label(pair.form, locale),
        "finished_on": member.left_on or pair.finished_on,
        "results": text(locale, "documents.left_group") if left else _results(facts, locale),
        "case_link": pair.case_link or "",
        "completion_mark": "" if left else _mark(pair.completion_mark, locale),
    }


def _place(answers: Answers) -> str:
    """Where a mentee studies or works: «Ученик школы, 7Б», «Педагог, учитель химии»."""
    parts = [answers.get("who"), answers.get("class_group") or answers.get("position_subject")]
    return ", ".join(part for part in parts if part)


async def mentor_rows(
    session: AsyncSession, organization_id: int, locale: str = "ru"
) -> list[MentorRow]:
    """The registry of mentors (seed 003 appendix 3): approved mentors of the organization."""
    mentors = await admitted(session, organization_id, "mentor", locale)
    pairs = await registered_pairs(session, organization_id)
    mentees = {m.person_id: m for m in await admitted(session, organization_id, "mentee", locale)}
    mentee_names = await names(session, (m.mentee_person_id for f in pairs for m in f.members))
    by_mentor: dict[int | None, list[PairFacts]] = defaultdict(list)
    for facts in pairs:
        by_mentor[facts.pair.mentor_person_id].append(facts)
    rows: list[MentorRow] = []
    for mentor in mentors:
        answers = mentor.answers
        unmatched = MentorRow(
            full_name=mentor.name,
            contact=answers.get("contact"),
            workplace=answers.get("workplace"),
            competencies=answers.get("competencies"),
            achievements=answers.get("achievements"),
            interests=answers.get("interests"),
            mentee_age=answers.get("mentee_age"),
            time_available=answers.get("time_per_month"),
            entered_on=mentor.entered_on,
        )
        own = by_mentor.get(mentor.person_id, [])
        rows.extend(
            replace(unmatched, **_mentor_pair(facts, mentees, mentee_names, locale))
            for facts in own
        )
        if not own:
            rows.append(unmatched)
    return rows


def _mentor_pair(
    facts: PairFacts, mentees: dict[int, Admitted], mentee_names: dict[int, str], locale: str
) -> dict[str, Any]:
    who, where = [], []
    for member in facts.members:
        name = mentee_names.get(member.mentee_person_id or -1, "")
        if member.left_on is not None:
            name = text(locale, "documents.left_on", name=name, date=member.left_on)
        mentee = mentees.get(member.mentee_person_id or -1)
        who.append(name)
        where.append((_place(mentee.answers) if mentee else "") or "—")
    return {
        "mentees": "\n".join(who),
        "form": form_label(facts.pair.form, locale),
        # One line a mentee, so a group's places read beside the names.
        "mentee_workplace": "\n".join(where) if any(w != "—" for w in where) else "",
        "finished_on": facts.pair.finished_on,
        "results": _results(facts, locale),
        "case_link": facts.pair.case_link or "",
    }
