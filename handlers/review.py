"""The curator's decisions on a request or nomination, and the applicant's reply to a
question. Every press is checked on the server: a curator of the response's
organization, a response in a state where the action makes sense."""

from __future__ import annotations

from bot import forms
from bot.context import Context
from handlers import menu
from handlers.applications import (
    CHANGEABLE,
    card_buttons,
    card_text,
    changeable_response,
    own_response,
    send_card,
)
from handlers.notify import tell, translator_for
from handlers.questionnaire import display
from storage import pairs, people, responses
from storage.models import AuditEntry, Person, Response

CURATOR = frozenset({"curator"})
NOTE_FLOW = "note"
DECIDABLE = (responses.SUBMITTED, responses.NEEDS_INFO)
PENDING_PAGE = 8  # VK shows 10 buttons: eight people and the way back


async def _curated(ctx: Context, arg: str, action: str) -> Response | None:
    """The response, if the presser curates its organization; else refused and audited."""
    response = await ctx.session.get(Response, int(arg)) if arg.isdigit() else None
    orgs = {org.id for org in await menu.curated_orgs(ctx)}
    if response is None or response.organization_id not in orgs:
        ctx.session.add(
            AuditEntry(
                at=ctx.now,
                actor_person_id=ctx.person.id if ctx.person else None,
                organization_id=None,
                action="forbidden",
                details={"action": action, "target": arg[:32]},
            )
        )
        ctx.say(ctx.t("common.not_allowed"))
        return None
    return response


def _audit(ctx: Context, response: Response, action: str, **details: str) -> None:
    ctx.session.add(
        AuditEntry(
            at=ctx.now,
            actor_person_id=ctx.person.id if ctx.person else None,
            organization_id=response.organization_id,
            action=action,
            details={"response": response.id, **details},
        )
    )


async def _applicant_name(ctx: Context, response: Response) -> str:
    person = await ctx.session.get(Person, response.person_id) if response.person_id else None
    return person.full_name if person and person.full_name else "—"


async def _already(ctx: Context, response: Response) -> None:
    ctx.say(ctx.t("card.already", status=ctx.t(f"status.{response.status}")))


@menu.action("apps", roles=CURATOR, label_key="menu.applications", order=20)
async def _pending(ctx: Context, arg: str) -> None:
    """Requests and nominations waiting for the curator, oldest first."""
    waiting = (*DECIDABLE, responses.PENDING_PARENT)
    found = []
    for org in await menu.curated_orgs(ctx):
        found += await responses.for_organization(ctx.session, org.id, waiting)
    if not found:
        ctx.say(ctx.t("card.none_pending"))
        return await menu.show_menu(ctx)
    rows = []
    for response in found[:PENDING_PAGE]:
        name = await _applicant_name(ctx, response)
        mark = "⏳ " if response.status == responses.PENDING_PARENT else ""
        label = f"{mark}{name} · {ctx.t(f'forms.short.{response.questionnaire}')}"
        rows.append([ctx.menu_button(label[:30], "full", str(response.id))])
    rows.append([ctx.menu_button(ctx.t("menu.back_to_menu"), "menu")])
    ctx.say(ctx.t("card.pending_list", count=len(found)), rows)


@menu.action("appr", roles=CURATOR)
async def _approve(ctx: Context, arg: str) -> None:
    response = await _curated(ctx, arg, "approve")
    if response is None:
        return
    if response.status not in DECIDABLE:
        return await _already(ctx, response)
    response.status = responses.APPROVED
    response.decided_at, response.decided_by = ctx.now, ctx.person.id if ctx.person else None
    if response.person_id and response.organization_id:
        await pairs.admit(
            ctx.session,
            response.organization_id,
            response.person_id,
            response.questionnaire,
            ctx.now,
            response.answers,
        )
    _audit(ctx, response, "response.approved")
    name = await _applicant_name(ctx, response)
    ctx.say(ctx.t("card.approved_by_you", name=name), edit=True)
    if response.person_id:
        t = await translator_for(ctx, response.person_id)
        await tell(
            ctx,
            response.person_id,
            t("decision.approved", form=t(f"forms.acc.{response.questionnaire}")),
        )


@menu.action("rej", roles=CURATOR)
async def _reject(ctx: Context, arg: str) -> None:
    await _ask_note(ctx, arg, "reject")


@menu.action("clar", roles=CURATOR)
async def _clarify(ctx: Context, arg: str) -> None:
    await _ask_note(ctx, arg, "clarify")


async def _ask_note(ctx: Context, arg: str, purpose: str) -> None:
    response = await _curated(ctx, arg, purpose)
    if response is None:
        return
    if response.status not in DECIDABLE:
        return await _already(ctx, response)
    ctx.goto(NOTE_FLOW, purpose)
    ctx.remember("resp", response.id)
    await NoteFlow().prompt(ctx)


@menu.action("full", roles=CURATOR)
async def _all_answers(ctx: Context, arg: str) -> None:
    response = await _curated(ctx, arg, "view")
    if response is None:
        return
    form = forms.version(response.questionnaire, response.locale, response.version)
    lines = [await _applicant_name(ctx, response)]
    for number, question in enumerate(form.visible(response.answers), start=1):
        shown = display(ctx.t, question, response.answers.get(question.id))
        lines.append(f"{number}. {question.text} — {shown}")
    _audit(ctx, response, "response.viewed")
    ctx.say(
        "\n".join(lines),
        card_buttons(ctx.t, response)
        if response.status in (*DECIDABLE, responses.PENDING_PARENT)
        else [],
    )


@menu.action("paper", roles=CURATOR)
async def _paper_consent(ctx: Context, arg: str) -> None:
    response = await _curated(ctx, arg, "paper_consent")
    if response is None:
        return
    if response.status != responses.PENDING_PARENT:
        return await _already(ctx, response)
    await people.record_consent(
        ctx.session,
        kind="parental",
        version="paper",
        given=True,
        now=ctx.now,
        person_id=response.person_id,
        given_by=None,
    )
    response.status = responses.SUBMITTED
    _audit(ctx, response, "consent.paper_recorded")
    person = await ctx.session.get(Person, response.person_id) if response.person_id else None
    ctx.say(
        card_text(ctx.t, response, person, "card.new"), card_buttons(ctx.t, response), edit=True
    )
    if response.person_id:
        t = await translator_for(ctx, response.person_id)
        await tell(ctx, response.person_id, t("parent.paper_recorded"))


class NoteFlow:
    """The curator types a reason for a refusal or a question for the applicant."""

    name = NOTE_FLOW

    async def prompt(self, ctx: Context) -> None:
        rows = []
        if ctx.state.step == "reject":
            rows.append([ctx.button(ctx.t("card.no_reason"), "noreason")])
        rows.append(ctx.nav_row(back=False))
        ctx.say(ctx.t(f"card.note_{ctx.state.step}"), rows)

    async def on_text(self, ctx: Context, text: str) -> None:
        note = text.strip()
        if not 2 <= len(note) <= 1000:
            ctx.say(ctx.t("form.errors.length", min=2, max=1000))
            return await self.prompt(ctx)
        await self._decide(ctx, note)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        if action == "noreason" and ctx.state.step == "reject":
            return await self._decide(ctx, None)
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        ctx.say(ctx.t("common.first_step"))
        await self.prompt(ctx)

    async def _decide(self, ctx: Context, note: str | None) -> None:
        purpose = ctx.state.step or ""
        response = await _curated(ctx, str(ctx.data.get("resp", "")), purpose)
        ctx.reset()
        if response is None:
            return
        if response.status not in DECIDABLE:
            return await _already(ctx, response)
        name = await _applicant_name(ctx, response)
        t = await translator_for(ctx, response.person_id) if response.person_id else ctx.t
        form = t(f"forms.acc.{response.questionnaire}")
        if purpose == "reject":
            response.status = responses.REJECTED
            response.decided_at = ctx.now
            response.decided_by = ctx.person.id if ctx.person else None
            response.note = note
            _audit(ctx, response, "response.rejected")
            ctx.say(ctx.t("card.rejected_by_you", name=name))
            text = t("decision.rejected", form=form)
            if note:
                text += "\n" + t("decision.reason", reason=note)
            if response.person_id:
                await tell(ctx, response.person_id, text)
        else:
            response.status = responses.NEEDS_INFO
            response.note = note
            _audit(ctx, response, "response.clarification_asked")
            ctx.say(ctx.t("card.question_sent", name=name))
            if response.person_id:
                buttons = [
                    [ctx.menu_button(t("decision.reply"), "reply", str(response.id))],
                    [ctx.menu_button(t("form.view_change"), "myresp", str(response.id))],
                ]
                await tell(
                    ctx,
                    response.person_id,
                    t("decision.question", form=form, question=note or ""),
                    buttons,
                )
        await menu.show_menu(ctx)


REPLY_FLOW = "reply"


@menu.action("reply")
async def _start_reply(ctx: Context, arg: str) -> None:
    response = await changeable_response(ctx, arg)
    if response is None:
        return
    ctx.goto(REPLY_FLOW, "text")
    ctx.remember("resp", response.id)
    await ReplyFlow().prompt(ctx)


class ReplyFlow:
    """The applicant answers the curator's question in their own words."""

    name = REPLY_FLOW

    async def prompt(self, ctx: Context) -> None:
        ctx.say(ctx.t("decision.reply_prompt"), [ctx.nav_row(back=False)])

    async def on_text(self, ctx: Context, text: str) -> None:
        answer = text.strip()
        if not 1 <= len(answer) <= 1000:
            ctx.say(ctx.t("form.errors.length", min=1, max=1000))
            return await self.prompt(ctx)
        response = await own_response(ctx, str(ctx.data.get("resp", "")))
        ctx.reset()
        if response is None or response.status not in CHANGEABLE:
            ctx.say(ctx.t("common.stale_button"))
            return await menu.show_menu(ctx)
        response.status = responses.SUBMITTED
        response.context = {**response.context, "reply": answer[:1000]}
        ctx.say(ctx.t("decision.reply_sent"))
        await send_card(ctx, response, "card.replied")
        await menu.show_menu(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        await self.prompt(ctx)
