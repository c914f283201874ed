"""Group chats: link a chat to the organization, join, run a session, and stay quiet.

In a group the bot answers commands meant for it and nothing else: a message out of
turn, a stranger's button press, chatter between sessions get no reply at all.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import payload
from bot.context import Context
from bot.events import Address, Button, Kind, Reply
from domain import mastermind as rules
from handlers import mastermind_session as room
from storage import mastermind as store
from storage import outbox, people
from storage.models import MmGroup, MmMember, OutboxMessage, Participation

TITLE_CHARS = 100


async def on_group(ctx: Context) -> None:
    event = ctx.event
    group = await store.group_of_chat(ctx.session, event.platform.value, event.chat_id)
    if event.kind is Kind.BOT_REMOVED:
        return await _removed(ctx, group)
    if group is None or not group.active:
        if event.kind is Kind.TEXT and _command(event.text)[0] == "/link":
            await _link(ctx, group, _command(event.text)[1])
        return
    if event.kind is Kind.MEMBER_LEFT:
        return await _left(ctx, group)
    if event.kind is Kind.BUTTON:
        return await _button(ctx, group)
    if event.kind is not Kind.TEXT or ctx.person is None:
        return
    command, arg = _command(event.text)
    if command:
        return await _on_command(ctx, group, command, arg)
    sess = await store.running(ctx.session, group.id)
    if sess is not None:
        await room.speak(ctx.session, ctx.now, sess, ctx.person.id, event.text.strip())


def _command(text: str) -> tuple[str, str]:
    text = text.strip()
    if not text.startswith("/"):
        return "", ""
    command, _, arg = text.partition(" ")
    return command.split("@", 1)[0].lower(), arg.strip()  # /link@SchoolMentorBot in groups


def _say(ctx: Context, text: str) -> None:
    """A plain answer in the group, outside any session's status message."""
    ctx.send(ctx.here, Reply(text))


async def _link(ctx: Context, group: MmGroup | None, arg: str) -> None:
    """`/link CODE` from a curator's one-time code: the chat becomes the org's group and
    the one who linked it its facilitator."""
    code, _, title = arg.partition(" ")
    if ctx.person is None:
        return
    if not code:
        _say(ctx, ctx.t("mastermind.link_how"))
        return
    found, refused = await store.use_link_code(ctx.session, code, ctx.now)
    if found is None:  # /link is meant for the bot: a wrong code gets a reason, not silence
        _say(ctx, ctx.t(f"mastermind.link_{refused}"))
        return
    title = title.strip()[:TITLE_CHARS]
    if group is None:
        group = MmGroup(
            organization_id=found.organization_id,
            platform=ctx.event.platform.value,
            chat_id=ctx.event.chat_id,
            title=title or ctx.t("mastermind.menu.link"),
            facilitator_id=ctx.person.id,
            active=True,
            turn_seconds=180,
            every_weeks=2,
            created_at=ctx.now,
        )
        ctx.session.add(group)
    else:  # the bot was removed and added back
        group.active, group.organization_id = True, found.organization_id
        group.facilitator_id = ctx.person.id
    await ctx.session.flush()
    await _ensure_member(ctx, group, ctx.person.id)
    await post_card(ctx, group)


async def post_card(ctx: Context, group: MmGroup) -> None:
    """The group card: members, schedule and the «Участвовать» button; edited on change."""
    t = await room.group_t(ctx.session, group)
    ids = await store.members(ctx.session, group.id)
    who = await store.names(ctx.session, ids)
    schedule = t("mastermind.no_schedule")
    if group.weekday is not None and group.at_minute is not None and group.anchor_on:
        tz = await room.tz_of(ctx.session, group)
        slot = rules.next_slot(
            ctx.now, tz, group.weekday, group.at_minute, group.every_weeks, group.anchor_on
        )
        schedule = t(
            "mastermind.schedule",
            weekday=rules.WEEKDAYS_RU[group.weekday],
            time=f"{group.at_minute // 60:02d}:{group.at_minute % 60:02d}",
            every=group.every_weeks,
            next=room.local(slot, tz).strftime("%d.%m %H:%M"),
        )
    text = t(
        "mastermind.card",
        title=group.title,
        count=len(ids),
        names=", ".join(who[i] for i in ids) or t("mastermind.card_nobody"),
        schedule=schedule,
    )
    join = Button(t("mastermind.btn.join"), payload.encode(payload.MENU, "mmjoin", str(group.id)))
    reply = Reply(text, [[join]])
    state = await store.outbox_state(ctx.session, group.card_row_id) if group.card_row_id else None
    if state is not None and state[0] == "sent" and state[1]:
        await outbox.enqueue(
            ctx.session, room.group_address(group), reply, ctx.now, edit_ref=state[1]
        )
        return
    key = f"mm:card:{group.id}:{ctx.event.update_key}"
    await outbox.enqueue(ctx.session, room.group_address(group), reply, ctx.now, key)
    group.card_row_id = await store.outbox_id(ctx.session, key)


async def _ensure_member(ctx: Context, group: MmGroup, person_id: int) -> bool:
    member = await store.membership(ctx.session, group.id, person_id)
    if member is not None and member.active:
        return False
    if member is None:
        ctx.session.add(
            MmMember(group_id=group.id, person_id=person_id, active=True, joined_at=ctx.now)
        )
    else:
        member.active, member.joined_at = True, ctx.now
    await ctx.session.flush()
    return True


async def _join(ctx: Context, group: MmGroup) -> None:
    """Someone new to the bot gets the consent step in private first; the group sees
    nothing but the card's member list changing."""
    private = Address(ctx.event.platform, ctx.account.chat_id)
    if ctx.person is None:
        codes = await people.join_codes(ctx.session, group.organization_id)
        code = codes[0].code if codes else ""
        ctx.send(private, Reply(ctx.t("mastermind.join_register", title=group.title, code=code)))
        return
    if await _ensure_member(ctx, group, ctx.person.id):
        ctx.send(private, Reply(ctx.t("mastermind.joined", title=group.title)))
        await post_card(ctx, group)


async def _may_lead(ctx: Context, group: MmGroup) -> bool:
    if ctx.person is None:
        return False
    if group.facilitator_id == ctx.person.id:
        return True
    return any(
        p.role == "curator" and p.organization_id == group.organization_id
        for p in await people.participations(ctx.session, ctx.person.id)
        if isinstance(p, Participation)
    )


async def _on_command(ctx: Context, group: MmGroup, command: str, arg: str) -> None:
    if command == "/link":
        return await _link(ctx, group, arg)
    if command == "/join":
        return await _join(ctx, group)
    if not await _may_lead(ctx, group):
        return  # quiet: other commands are the facilitator's
    sess = await store.running(ctx.session, group.id)
    if command in ("/session", "/mastermind") and sess is None:
        await room.start(ctx.session, ctx.now, group)
    elif command == "/next" and sess is not None:
        by = ctx.person.id if ctx.person else None
        await room.advance(ctx.session, ctx.now, group, sess, "next", by)
    elif command == "/stop" and sess is not None:
        sess.status, sess.ended_at = room.STOPPED, ctx.now
        _say(ctx, (await room.group_t(ctx.session, group))("mastermind.stopped"))
    elif command == "/schedule":
        parsed = rules.parse_schedule(arg)
        if parsed is None:
            _say(ctx, (await room.group_t(ctx.session, group))("mastermind.no_schedule"))
            return
        group.weekday, group.at_minute, group.every_weeks = parsed
        group.anchor_on = room.local(ctx.now, await room.tz_of(ctx.session, group)).date()
        await post_card(ctx, group)
    elif command == "/turn" and arg.isdigit() and 1 <= int(arg) <= 15:
        group.turn_seconds = int(arg) * 60


async def _button(ctx: Context, group: MmGroup) -> None:
    pressed = payload.decode(ctx.event.payload)
    if pressed is None or not pressed.is_menu:
        return
    if pressed.action == "mmjoin" and pressed.arg == str(group.id):
        return await _join(ctx, group)
    if pressed.action not in ("mmnext", "mmpass") or ctx.person is None:
        return
    sess = await store.running(ctx.session, group.id)
    if sess is None or pressed.arg != f"{sess.id}.{sess.turn_index}":
        return  # an old status message: the turn has moved on
    turn = room.current(sess)
    if turn is not None and (turn[1] == ctx.person.id or await _may_lead(ctx, group)):
        outcome = "next" if pressed.action == "mmnext" else "pass"
        await room.advance(ctx.session, ctx.now, group, sess, outcome, ctx.person.id)


async def _left(ctx: Context, group: MmGroup) -> None:
    if ctx.person is None:
        return
    member = await store.membership(ctx.session, group.id, ctx.person.id)
    if member is None or not member.active:
        return
    member.active = False
    await ctx.session.flush()
    sess = await store.running(ctx.session, group.id)
    turn = room.current(sess) if sess is not None else None
    if sess is not None and turn is not None and ctx.person.id in (turn[1], turn[2]):
        await room.advance(ctx.session, ctx.now, group, sess, "pass")
    await post_card(ctx, group)


async def _removed(ctx: Context, group: MmGroup | None) -> None:
    """The bot is out of the chat: nothing more is sent there; the records stay."""
    if group is None:
        return
    group.active = False
    sess = await store.running(ctx.session, group.id)
    if sess is not None:
        sess.status, sess.ended_at = room.STOPPED, ctx.now
    await _drop_pending(ctx.session, group)


async def _drop_pending(db: AsyncSession, group: MmGroup) -> None:
    """Messages still queued for the chat would only fail: mark them so."""
    await db.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.platform == group.platform,
            OutboxMessage.chat_id == group.chat_id,
            OutboxMessage.status == "pending",
        )
        .values(status="failed", last_error="bot removed from the chat")
    )
