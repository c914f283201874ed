"""A mastermind session as rows: start, count a turn's words, move on, post the summary.

Used by the group handler (a message, a button) and by the scheduler tick (a turn's time
is up, a scheduled start), so everything lives in the session row: the turn plan, the
current turn and when it began. A restart continues at the same turn. Group messages are
written to the outbox directly: the status message is one row edited in place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import payload
from bot.events import Address, Button, Platform, Reply
from bot.i18n import Translator
from domain import mastermind as rules
from storage import mastermind as store
from storage import outbox
from storage.models import MmEntry, MmGroup, MmSession, Organization, Person
from storage.reminders import recipients

DONE, STOPPED = "done", "stopped"
ENTRY_CHARS = 300  # one entry's share of the summary
SUMMARY_CHARS = 3500


def group_address(group: MmGroup) -> Address:
    return Address(Platform(group.platform), group.chat_id, is_group=True)


async def group_t(db: AsyncSession, group: MmGroup) -> Translator:
    """The group speaks its facilitator's language (Russian by default)."""
    person = await db.get(Person, group.facilitator_id) if group.facilitator_id else None
    return Translator(person.locale if person else "ru")


async def tz_of(db: AsyncSession, group: MmGroup) -> str:
    org = await db.get(Organization, group.organization_id)
    return org.timezone if org else "Europe/Moscow"


def local(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(ZoneInfo(tz))


def current(sess: MmSession) -> rules.Turn | None:
    if sess.turn_index >= len(sess.turns):
        return None
    r, speaker, about = sess.turns[sess.turn_index]
    return int(r), int(speaker), about


def deadline(group: MmGroup, sess: MmSession) -> datetime:
    return sess.turn_started_at + timedelta(seconds=group.turn_seconds)


async def start(
    db: AsyncSession, now: datetime, group: MmGroup, planned_for: datetime | None = None
) -> MmSession | None:
    """A new session with the active members in order; None with fewer than two."""
    people = await store.members(db, group.id)
    if len(people) < 2:
        t = await group_t(db, group)
        key = f"mm:few:{group.id}:{planned_for.isoformat()}" if planned_for else None
        await outbox.enqueue(
            db, group_address(group), Reply(t("mastermind.too_few", count=len(people))), now, key
        )
        return None
    seed = int(now.timestamp())
    order = rules.order_of(people, shuffle=True, seed=seed)
    sess = MmSession(
        group_id=group.id,
        status=store.RUNNING,
        planned_for=planned_for,
        turns=[list(turn) for turn in rules.round_one(order)],
        turn_index=0,
        turn_started_at=now,
        started_at=now,
    )
    db.add(sess)
    await db.flush()
    await post_status(db, now, group, sess)
    return sess


async def speak(
    db: AsyncSession, now: datetime, sess: MmSession, person_id: int, text: str
) -> bool:
    """A message in the group: counted only when it is the speaker's turn."""
    turn = current(sess)
    if turn is None or turn[1] != person_id:
        return False
    db.add(
        MmEntry(
            session_id=sess.id,
            turn_index=sess.turn_index,
            round=turn[0],
            person_id=person_id,
            about_id=turn[2],
            kind="text",
            text=text,
            created_at=now,
        )
    )
    return True


async def advance(
    db: AsyncSession,
    now: datetime,
    group: MmGroup,
    sess: MmSession,
    outcome: str,
    by: int | None = None,
) -> None:
    """End the current turn ("next", "pass" or "timeout"; `by` who pressed) and start the
    next one. A silent turn is recorded as "pass" only when the speaker ended it (they were
    there: it counts as attendance), as "skip" when someone else did or they left."""
    turn = current(sess)
    if turn is None:
        return
    said = any(e.turn_index == sess.turn_index for e in await store.entries(db, sess.id))
    if not said:
        kind = "timeout" if outcome == "timeout" else "pass" if by == turn[1] else "skip"
        db.add(
            MmEntry(
                session_id=sess.id,
                turn_index=sess.turn_index,
                round=turn[0],
                person_id=turn[1],
                about_id=turn[2],
                kind=kind,
                created_at=now,
            )
        )
        await db.flush()
    await _next_turn(db, now, group, sess)


async def _next_turn(db: AsyncSession, now: datetime, group: MmGroup, sess: MmSession) -> None:
    present = set(await store.members(db, group.id))
    old_round = current(sess)[0]  # type: ignore[index]
    sess.turn_index += 1
    if old_round == 1 and sess.turn_index == len(sess.turns):
        said = {e.person_id for e in await store.entries(db, sess.id) if e.kind == "text"}
        order = [int(t[1]) for t in sess.turns]
        requests = [p for p in order if p in said]
        sess.turns = [*sess.turns, *([*t] for t in rules.later_rounds(order, requests))]
    while (turn := current(sess)) is not None and (
        turn[1] not in present or (turn[2] is not None and turn[2] not in present)
    ):
        sess.turn_index += 1  # a member who left the chat is skipped quietly
    sess.turn_started_at = now
    turn = current(sess)
    if turn is None:
        return await finish(db, now, group, sess)
    if turn[0] != old_round or (turn[0] == 2 and sess.turns[sess.turn_index - 1][2] != turn[2]):
        await post_status(db, now, group, sess)  # a new round: a fresh message below the talk
    else:
        await refresh_status(db, now, group, sess)


# -- the status message ------------------------------------------------------------------------


async def _status(db: AsyncSession, group: MmGroup, sess: MmSession) -> Reply:
    t = await group_t(db, group)
    turn = current(sess)
    assert turn is not None
    round_no, speaker, about = turn
    following = [int(x[1]) for x in sess.turns[sess.turn_index + 1 : sess.turn_index + 3]]
    who = await store.names(db, [speaker, *following, *([about] if about else [])])
    until = deadline(group, sess).astimezone(ZoneInfo(await tz_of(db, group)))
    text = t(
        "mastermind.status",
        round=t(f"mastermind.round.{round_no}", owner=who.get(about or 0, "")),
        speaker=who[speaker],
        until=until.strftime("%H:%M"),
        hint=t(f"mastermind.hint.{round_no}"),
        following=", ".join(who[p] for p in following) or t("mastermind.nobody_next"),
    )
    arg = f"{sess.id}.{sess.turn_index}"
    buttons = [
        [
            Button(t("mastermind.btn.next"), payload.encode(payload.MENU, "mmnext", arg)),
            Button(t("mastermind.btn.pass"), payload.encode(payload.MENU, "mmpass", arg)),
        ]
    ]
    return Reply(text, buttons)


async def post_status(db: AsyncSession, now: datetime, group: MmGroup, sess: MmSession) -> None:
    key = f"mm:status:{sess.id}:{sess.turn_index}"
    await outbox.enqueue(db, group_address(group), await _status(db, group, sess), now, key)
    sess.status_row_id = await store.outbox_id(db, key)
    sess.status_dirty = False


async def refresh_status(db: AsyncSession, now: datetime, group: MmGroup, sess: MmSession) -> None:
    """Edit the status message in place once it is out; until then the tick retries."""
    if sess.status != store.RUNNING or current(sess) is None:
        return
    state = await store.outbox_state(db, sess.status_row_id) if sess.status_row_id else None
    if state is None or state[0] in ("failed", "unreachable"):
        return await post_status(db, now, group, sess)
    status, message_id = state
    if status != "sent" or not message_id:
        sess.status_dirty = True
        return
    reply = await _status(db, group, sess)
    await outbox.enqueue(db, group_address(group), reply, now, edit_ref=message_id)
    sess.status_dirty = False


# -- the end -----------------------------------------------------------------------------------


async def finish(db: AsyncSession, now: datetime, group: MmGroup, sess: MmSession) -> None:
    sess.status, sess.ended_at = DONE, now
    t = await group_t(db, group)
    said = await store.entries(db, sess.id)
    order = [int(x[1]) for x in sess.turns if x[0] == 1]
    who = await store.names(db, order)
    tz = ZoneInfo(await tz_of(db, group))
    for part in summary_parts(t, group.title, sess.started_at.astimezone(tz), order, who, said):
        await outbox.enqueue(db, group_address(group), Reply(part), now)
    await ask_feedback(db, now, group, sess, order)


def summary_parts(
    t: Translator,
    title: str,
    when: datetime,
    order: list[int],
    who: dict[int, str],
    said: Sequence[MmEntry],
) -> list[str]:
    """Requests, ideas per request and steps by person, split into readable messages."""
    by: dict[tuple[int, int, int | None], list[str]] = defaultdict(list)
    for e in said:
        text = e.text[:ENTRY_CHARS] if e.kind == "text" else t("mastermind.summary_skipped")
        if e.kind == "text" or e.round != 2:
            by[(e.round, e.person_id, e.about_id)].append(text)

    def lines(round_no: int, about: int | None = None) -> list[str]:
        found = [
            t("mastermind.summary_line", name=who.get(p, "—"), text=" ".join(by[key]))
            for p in order
            if (key := (round_no, p, about)) in by
        ]
        return found or [t("mastermind.summary_none")]

    blocks = [t("mastermind.summary_title", title=title, date=when.strftime("%d.%m.%Y"))]
    blocks.append("\n".join([t("mastermind.summary_requests"), *lines(1)]))
    requesters = [p for p in order if any(k[0] == 2 and k[2] == p for k in by)]
    for owner in requesters:
        head = t("mastermind.summary_ideas", owner=who.get(owner, "—"))
        givers = [
            t("mastermind.summary_line", name=who.get(p, "—"), text=" ".join(by[key]))
            for p in order
            if (key := (2, p, owner)) in by
        ]
        blocks.append("\n".join([head, *givers]))
    blocks.append("\n".join([t("mastermind.summary_commitments"), *lines(3)]))
    parts: list[str] = []
    for block in blocks:
        if parts and len(parts[-1]) + len(block) + 2 <= SUMMARY_CHARS:
            parts[-1] += "\n\n" + block
        else:
            parts.append(block[:SUMMARY_CHARS])
    return parts


async def ask_feedback(
    db: AsyncSession, now: datetime, group: MmGroup, sess: MmSession, order: list[int]
) -> None:
    """One-tap 1–5 in private; a person with no reachable account is simply not asked."""
    found = await recipients(db, order)
    for person_id, where in found.items():
        t = Translator(where.locale)
        scores = [
            Button(str(n), payload.encode(payload.MENU, "mmfb", f"{sess.id}.{n}"))
            for n in range(1, 6)
        ]
        mentor = Button(
            t("mastermind.btn.mentor"), payload.encode(payload.MENU, "mmmentor", str(sess.id))
        )
        await outbox.enqueue(
            db,
            Address(Platform(where.platform), where.chat_id),
            Reply(t("mastermind.feedback_ask", title=group.title), [scores, [mentor]]),
            now,
            f"mm:fb:{sess.id}:{person_id}",
        )
