"""Tables. Personal data lives only in `people` (and answers that will be detachable):
everything else refers to a person by id, so deletion on request is one place."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

# BigInteger ids on PostgreSQL, plain INTEGER on SQLite (which only autoincrements INTEGER).
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # Program settings: the default term of a pair, the day of the monthly reminders and
    # the quiet hours (local time) in which nothing is sent.
    default_term_months: Mapped[int] = mapped_column(default=9, server_default="9")
    reminder_day: Mapped[int] = mapped_column(default=25, server_default="25")
    quiet_start_hour: Mapped[int] = mapped_column(default=21, server_default="21")
    quiet_end_hour: Mapped[int] = mapped_column(default=9, server_default="9")


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]


class Account(Base):
    """A messenger identity. Exists from the first message, before any consent: it holds
    only the platform's ids, which are needed to answer at all."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))  # private chat with the bot
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    unreachable_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]  # picks the messenger a person uses now
    created_at: Mapped[datetime]


class Participation(Base):
    __tablename__ = "participations"
    __table_args__ = (UniqueConstraint("person_id", "organization_id", "role"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    role: Mapped[str] = mapped_column(String(16))  # mentee | mentor | curator
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]
    # When the curator approved the request or the nomination: a mentee's 30 days to get
    # a mentor count from here.
    admitted_at: Mapped[datetime | None]
    # A mentor's places (from the nomination, never above 3) and how many are taken by
    # active pairs. Taking a place is one conditional UPDATE, so two approvals racing for
    # the last place cannot both win, on SQLite or PostgreSQL.
    capacity: Mapped[int | None]
    active_mentees: Mapped[int] = mapped_column(default=0, server_default="0")


class InviteCode(Base):
    __tablename__ = "invite_codes"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    role: Mapped[str] = mapped_column(String(16))  # curator | participant
    uses_left: Mapped[int | None]  # None: unlimited
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Consent(Base):
    """A consent or a refusal, with the version of the text that was shown."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))  # personal_data | reminders | parental
    text_version: Mapped[str] = mapped_column(String(32))
    given: Mapped[bool] = mapped_column(Boolean)
    given_by_person_id: Mapped[int | None]  # a parent giving consent for a child
    created_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]


class DialogState(Base):
    """Where a person is in a conversation; written with every answer."""

    __tablename__ = "dialog_states"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "user_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    flow: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    revision: Mapped[int] = mapped_column(default=0)  # stamps buttons so stale ones are known
    updated_at: Mapped[datetime]


class InboxUpdate(Base):
    """Every update is a row before it is acknowledged to the platform."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "update_key"),
        Index("ix_inbox_pending", "processed_at", "id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    update_key: Mapped[str] = mapped_column(String(96))
    event: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(Base):
    """Every outgoing message is a row first; senders drain it within platform limits."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "platform", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[dict[str, Any] | None]
    edit_ref: Mapped[str | None] = mapped_column(String(64))
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_mime: Mapped[str | None] = mapped_column(String(100))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    platform_message_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)


class TransportCursor(Base):
    """A transport's acknowledged position (the VK long-poll ts), saved with the updates."""

    __tablename__ = "transport_cursors"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime]
    actor_person_id: Mapped[int | None]
    organization_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Response(Base):
    """One person's answers to one questionnaire, saved after every answer.

    `version` pins the questionnaire file the answers were given to, so an old response
    stays readable after the form changes. `subject_org_id` ties it to an organization."""

    __tablename__ = "responses"
    __table_args__ = (Index("ix_responses_person", "person_id", "questionnaire"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    questionnaire: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(24))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    skipped: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"ids": [...]}
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)


class ParentCode(Base):
    """A one-time code a minor's legal representative uses to give consent."""

    __tablename__ = "parent_codes"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    child_person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_person_id: Mapped[int | None]
    created_at: Mapped[datetime]


class Pair(Base):
    """A mentoring pair, or a group (one mentor, several mentees), from proposal to end.

    status: proposed -> agreed (every side said yes) -> active -> finished | ended_early;
    or declined / cancelled before it starts."""

    __tablename__ = "pairs"
    __table_args__ = (Index("ix_pairs_org_status", "organization_id", "status"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    mentor_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(8), default="pair")  # pair | group
    form: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    mentor_agreed_at: Mapped[datetime | None]
    proposed_by: Mapped[int | None]
    approved_by: Mapped[int | None]
    approved_at: Mapped[datetime | None]
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    finished_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    result: Mapped[str | None] = mapped_column(Text)
    completion_mark: Mapped[str | None] = mapped_column(String(16))  # fully|partly|not
    case_link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PairMember(Base):
    """A mentee of a pair or group, with their own agreement (the program is voluntary)."""

    __tablename__ = "pair_members"
    __table_args__ = (UniqueConstraint("pair_id", "mentee_person_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    mentee_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    agreed_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    left_on: Mapped[date | None] = mapped_column(Date)


class PairEvent(Base):
    """The pair's history: proposed, agreed, approved, extended (reason, new end), ended."""

    __tablename__ = "pair_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(24))
    actor_person_id: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(String(32))
    old_ends_on: Mapped[date | None] = mapped_column(Date)
    new_ends_on: Mapped[date | None] = mapped_column(Date)


class Preference(Base):
    """Whom a mentee or a mentor would like to work with, named after the candidates'
    meeting (stage 5). A choice returned by the other side is mutual."""

    __tablename__ = "preferences"
    __table_args__ = (UniqueConstraint("organization_id", "chooser_person_id", "chosen_person_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    chooser_person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    chosen_person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]


class Meeting(Base):
    """A meeting of a pair, planned or held. kind: intro | trial | planning | regular | final."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_pair", "pair_id", "at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # planned | held | cancelled
    at: Mapped[datetime]
    duration_minutes: Mapped[int | None]
    format: Mapped[str | None] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(Text)
    logged_by: Mapped[int | None]
    confirmed: Mapped[bool | None] = mapped_column(Boolean)
    confirmed_by: Mapped[int | None]
    confirmed_at: Mapped[datetime | None]
    usefulness: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class MeetingAttendance(Base):
    """Which mentees of a group came to a meeting, and each one's confirmation: in a
    group every mentee who came confirms and rates on their own (a pair's answer is
    also on the meeting row, which the digest reads)."""

    __tablename__ = "meeting_attendance"
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    mentee_person_id: Mapped[int] = mapped_column(primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)
    confirmed: Mapped[bool | None] = mapped_column(Boolean)
    usefulness: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]


class PlanItem(Base):
    """A goal or task of the pair's individual plan."""

    __tablename__ = "plan_items"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None]
    done_by: Mapped[int | None]
    created_at: Mapped[datetime]


class ReminderMark(Base):
    """The ledger of the scheduler: one row per reason a person was told something
    ("pair 7's mentor, November 2026"). A row is written in the same transaction as the
    outbox row that carries the message, so a reason is told exactly once, however many
    ticks and restarts see it due (scheduler/tick.py)."""

    __tablename__ = "reminder_marks"
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Announcement(Base):
    """A curator's message to the program's participants or to one role; the scheduler
    delivers it outside quiet hours, once per recipient (reminder_marks)."""

    __tablename__ = "announcements"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    author_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    audience: Mapped[str] = mapped_column(String(16))  # all | mentee | mentor
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


# -- mastermind groups (handlers/mastermind*.py) -------------------------------------------------


class MmLinkCode(Base):
    """A one-time code a curator gives to link a group chat to the organization."""

    __tablename__ = "mm_link_codes"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class MmGroup(Base):
    """A group chat linked to an organization, with its regular schedule (local time)."""

    __tablename__ = "mm_groups"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)  # False once the bot is removed
    turn_seconds: Mapped[int] = mapped_column(default=180, server_default="180")
    weekday: Mapped[int | None]  # 0 = Monday; None: no schedule
    every_weeks: Mapped[int] = mapped_column(default=2, server_default="2")
    at_minute: Mapped[int | None]  # minutes after local midnight
    anchor_on: Mapped[date | None]  # the first session's date: fixes "every second" week
    card_row_id: Mapped[int | None]  # outbox row of the group card (members, join button)
    created_at: Mapped[datetime]


class MmMember(Base):
    __tablename__ = "mm_members"
    __table_args__ = (UniqueConstraint("group_id", "person_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mm_groups.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(default=True)
    joined_at: Mapped[datetime]


class MmSession(Base):
    """One session. `turns` is the plan [[round, speaker, about], ...]: round 1 at the
    start, rounds 2 and 3 appended when round 1 ends (they depend on who made a request).
    The current turn and its start are rows, so a restart continues at the same turn."""

    __tablename__ = "mm_sessions"
    __table_args__ = (UniqueConstraint("group_id", "planned_for"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mm_groups.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # running | done | stopped
    planned_for: Mapped[datetime | None]  # the schedule's slot: one session per slot
    turns: Mapped[list[Any]] = mapped_column(JSON)
    turn_index: Mapped[int] = mapped_column(default=0)
    turn_started_at: Mapped[datetime]
    status_row_id: Mapped[int | None]  # outbox row of the status message edited in place
    status_dirty: Mapped[bool] = mapped_column(default=False)  # edit waits for the first send
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class MmEntry(Base):
    """What was said in a turn (kind text), or that the turn was passed or timed out."""

    __tablename__ = "mm_entries"
    __table_args__ = (Index("ix_mm_entries_session", "session_id", "turn_index"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mm_sessions.id", ondelete="CASCADE"))
    turn_index: Mapped[int]
    round: Mapped[int]
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    about_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # text | pass | timeout
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class MmFeedback(Base):
    __tablename__ = "mm_feedback"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mm_sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
