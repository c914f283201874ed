"""Withdrawal of consent, by the person or by a minor's legal representative: the person's
pairs end («отзыв согласия»), the counterparts and the curators are told without
details, an audit row without personal data records it, and storage/erasure.py deletes
or anonymizes the rest in the same transaction."""

from __future__ import annotations

from sqlalchemy import select

from bot import forms
from bot.context import Context
from bot.events import Address, Button, Platform, Reply
from bot.i18n import Translator
from domain import pairs as rules
from domain.questionnaire import QType
from handlers import consent_gate
from handlers.notify import tell, tell_curators, translator_for
from handlers.pair_common import audit, local_today
from handlers.pair_lifecycle import end_pair
from storage import erasure, pairs
from storage.models import Organization, Pair, Participation, Response

REASON = "consent_withdrawn"
KEPT_TYPES = (QType.SINGLE, QType.MULTI, QType.SCALE, QType.YESNO)
Composed = tuple[str, list[list[Button]]]
BATCH_REPLIES = "batch_replies"  # key of AsyncSession.info: lives as long as the batch


def track_replies(ctx: Context) -> None:
    """Remember the replies of every update of the transaction (the engine handles
    waiting updates in batches and stores all their replies at the end), so that a
    withdrawal can redact those composed before it that name the person."""
    ctx.session.info.setdefault(BATCH_REPLIES, []).append(ctx.outgoing)


def _redact_batch(ctx: Context, names: list[str]) -> None:
    for replies in ctx.session.info.get(BATCH_REPLIES, []):
        if replies is ctx.outgoing:
            continue
        for envelope in replies:
            reply = envelope.reply
            labels = [b.label for row in reply.buttons for b in row]
            if any(n in reply.text or any(n in label for label in labels) for n in names):
                reply.text, reply.buttons, reply.attachment = ctx.t("privacy.redacted"), [], None
                reply.edit = False


def choice_answers(response: Response) -> dict[str, object]:
    """Answers that say nothing about who gave them: choices and scales (for the
    program's figures); typed answers (name, contact, year of birth, free text) go."""
    form = forms.version(response.questionnaire, response.locale, response.version)
    kept = {q.id for q in form.questions if q.type in KEPT_TYPES}
    return {k: v for k, v in (response.answers or {}).items() if k in kept}


async def _addresses(ctx: Context, person_id: int) -> set[Address]:
    chats = await erasure.accounts_of(ctx.session, person_id)
    return {Address(Platform(c.platform), c.chat_id) for c in chats}


async def _leave_group(ctx: Context, pair: Pair, person_id: int) -> None:
    """A mentee leaves a group that goes on with the others: one place is freed."""
    org = await ctx.session.get(Organization, pair.organization_id)
    today = local_today(org, ctx.now) if org else ctx.now.date()
    for member in await pairs.members(ctx.session, pair.id):
        if member.mentee_person_id == person_id:
            member.left_on = today
    if pair.mentor_person_id is not None:
        await pairs.release_places(ctx.session, pair.organization_id, pair.mentor_person_id, 1)
    ctx.session.add(pairs.event(pair, "member_left", None, ctx.now, reason=REASON))
    audit(ctx, pair.organization_id, "pair.member_left", pair=pair.id, reason=REASON)
    if pair.mentor_person_id is not None:
        t = await translator_for(ctx, pair.mentor_person_id)
        await tell(ctx, pair.mentor_person_id, t("privacy.member_left_group", id=pair.id))


async def _cancel_proposal(ctx: Context, pair: Pair, person_id: int) -> None:
    """A pair not started yet: cancelled, or the person's place in a group offer dropped."""
    members = await pairs.members(ctx.session, pair.id)
    others = [
        m for m in members if m.mentee_person_id not in (None, person_id) and not m.declined_at
    ]
    if pair.mentor_person_id == person_id or not others:
        pair.status, pair.updated_at = rules.CANCELLED, ctx.now
        ctx.session.add(pairs.event(pair, "cancelled", None, ctx.now, reason=REASON))
        audit(ctx, pair.organization_id, "pair.cancelled", pair=pair.id, reason=REASON)
        told = [m.mentee_person_id for m in others if m.mentee_person_id]
        if pair.mentor_person_id not in (None, person_id):
            told.append(pair.mentor_person_id)  # type: ignore[arg-type]
        for other in told:
            t = await translator_for(ctx, other)
            await tell(ctx, other, t("privacy.proposal_cancelled", id=pair.id))
        return
    for member in members:
        if member.mentee_person_id == person_id:
            member.declined_at = ctx.now


async def _end_pairs(ctx: Context, person_id: int) -> list[int]:
    """Every current pair of the person; returns the ids of those ended early."""
    ended = []
    for pair in await pairs.of_person(ctx.session, person_id, rules.CURRENT):
        if pair.status != rules.ACTIVE:
            await _cancel_proposal(ctx, pair, person_id)
            continue
        staying = [  # mentees still in the group, not counting the one who withdraws
            m
            for m in await pairs.members(ctx.session, pair.id)
            if m.mentee_person_id not in (None, person_id) and not (m.left_on or m.declined_at)
        ]
        if pair.mentor_person_id != person_id and staying:
            await _leave_group(ctx, pair, person_id)
            continue
        org = await ctx.session.get(Organization, pair.organization_id)
        today = local_today(org, ctx.now) if org else ctx.now.date()
        await end_pair(ctx, pair, today, REASON)
        ended.append(pair.id)
    return ended


async def withdraw(ctx: Context, person_id: int, by_representative: bool) -> None:
    """End the person's participation and erase their data. The messages end_pair
    writes for a curator pressing «Завершить» are dropped: whoever withdraws gets the
    withdrawal's own answer, and the person themselves nothing that names anyone."""
    rows = await ctx.session.execute(
        select(Participation.organization_id, Participation.role, Organization.name)
        .join(Organization, Organization.id == Participation.organization_id)
        .where(Participation.person_id == person_id)
    )
    roles = [tuple(row) for row in rows]
    theirs = await _addresses(ctx, person_id)
    chats = await erasure.accounts_of(ctx.session, person_id)
    _redact_batch(ctx, await erasure.identifiers(ctx.session, person_id, chats))
    mark = len(ctx.outgoing)
    ended = await _end_pairs(ctx, person_id)
    who = "representative" if by_representative else "self"
    for org_id, org_name in sorted({(org, name) for org, _, name in roles}):
        held = sorted({role for org, role, _ in roles if org == org_id})
        audit(ctx, org_id, "consent.withdrawn", by=who, roles=held, pairs_ended=len(ended))

        def compose(t: Translator, held: list[str] = held, org: str = org_name) -> Composed:
            return _curator_text(t, org, held, ended), []

        await tell_curators(ctx, org_id, compose)
    if not roles:
        audit(ctx, None, "consent.withdrawn", by=who)
    ctx.outgoing[mark:] = [e for e in ctx.outgoing[mark:] if e.to not in theirs | {ctx.here}]
    if by_representative:
        t = await translator_for(ctx, person_id)
        for to in theirs:
            ctx.send(to, Reply(t("privacy.done.child_told")))
    consent_gate.forget(person_id)
    await erasure.erase(
        ctx.session,
        person_id,
        ctx.now,
        choice_answers,
        keep_account=None if by_representative else ctx.account.id,
        current_update=None
        if by_representative
        else (ctx.event.platform.value, ctx.event.update_key),
    )
    if not by_representative:
        ctx.person = None  # the rest of this update treats the writer as a newcomer


def _curator_text(t: Translator, org: str, roles: list[str], ended: list[int]) -> str:
    text = t("privacy.curator_told", org=org, roles=", ".join(t(f"roles.name.{r}") for r in roles))
    if ended:
        text += "\n" + t("privacy.curator_pairs", pairs=", ".join(f"№{i}" for i in ended))
    return text
