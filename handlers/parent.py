"""A legal representative confirms consent for a minor with the one-time code the child
was given. The parent may use another messenger than the child."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from handlers.applications import send_card
from handlers.notify import tell, translator_for
from handlers.registration import CONSENT_KIND, consent_version
from handlers.validation import clean_name
from storage import people, responses
from storage.models import AuditEntry, ParentCode, Person, Response

FLOW = "parent"


async def find_code(ctx: Context, text: str) -> ParentCode | None:
    code = people.normalize_code(text)
    query = select(ParentCode).where(ParentCode.code == code)
    return (await ctx.session.scalars(query)).first()


def _refusal(ctx: Context, code: ParentCode) -> str | None:
    if code.used_at is not None:
        return ctx.t("parent.code_used")
    if code.expires_at <= ctx.now:
        return ctx.t("parent.code_expired")
    return None


class ParentFlow:
    name = FLOW

    async def begin(self, ctx: Context, code: ParentCode) -> None:
        ctx.reset()
        refusal = _refusal(ctx, code)
        if refusal:
            ctx.say(refusal)
            return
        ctx.goto(FLOW, "consent")
        ctx.remember("code", code.id)
        child = await ctx.session.get(Person, code.child_person_id)
        ctx.say(ctx.t("parent.consent_text", child=child.full_name if child else "—"))
        await self.prompt(ctx)

    async def prompt(self, ctx: Context) -> None:
        if ctx.state.step == "consent":
            ctx.say(
                ctx.t("parent.consent_question"),
                [
                    [ctx.button(ctx.t("parent.confirm"), "yes")],
                    [ctx.button(ctx.t("parent.decline"), "no")],
                    ctx.nav_row(back=False),
                ],
            )
        else:
            ctx.say(ctx.t("parent.name_question"), [ctx.nav_row()])

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        code = await self._code(ctx)
        if code is None:
            return
        if ctx.state.step == "consent" and action in ("yes", "no"):
            if action == "no":
                return await self._declined(ctx, code)
            if ctx.person is None:
                ctx.person = await people.create_person(
                    ctx.session, ctx.account, ctx.t.locale, ctx.now
                )
            await people.record_consent(
                ctx.session,
                kind=CONSENT_KIND,
                version=consent_version(ctx.t.locale),
                given=True,
                now=ctx.now,
                account_id=ctx.account.id,
                person_id=ctx.person.id,
            )
            if not ctx.person.full_name:
                ctx.goto(FLOW, "name")
                return await self.prompt(ctx)
            return await self._confirm(ctx, code)
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_text(self, ctx: Context, text: str) -> None:
        code = await self._code(ctx)
        if code is None:
            return
        if ctx.state.step != "name" or ctx.person is None:
            ctx.say(ctx.t("common.use_buttons"))
            return await self.prompt(ctx)
        name = clean_name(text)
        if name is None:
            ctx.say(ctx.t("registration.name_invalid"))
            return await self.prompt(ctx)
        ctx.person.full_name = name
        await self._confirm(ctx, code)

    async def on_back(self, ctx: Context) -> None:
        ctx.say(ctx.t("common.first_step"))
        await self.prompt(ctx)

    async def _code(self, ctx: Context) -> ParentCode | None:
        code = await ctx.session.get(ParentCode, int(ctx.data.get("code", 0)))
        refusal = _refusal(ctx, code) if code else ctx.t("parent.code_used")
        if code is None or refusal:
            ctx.reset()
            ctx.say(refusal or ctx.t("parent.code_used"))
            return None
        return code

    async def _confirm(self, ctx: Context, code: ParentCode) -> None:
        assert ctx.person is not None
        code.used_at, code.used_by_person_id = ctx.now, ctx.person.id
        await people.record_consent(
            ctx.session,
            kind="parental",
            version=consent_version(ctx.t.locale),
            given=True,
            now=ctx.now,
            person_id=code.child_person_id,
            given_by=ctx.person.id,
        )
        ctx.session.add(
            AuditEntry(
                at=ctx.now,
                actor_person_id=ctx.person.id,
                organization_id=None,
                action="consent.parental_given",
                details={"child": code.child_person_id},
            )
        )
        ctx.reset()
        ctx.say(ctx.t("parent.done"))
        response = await ctx.session.get(Response, code.response_id) if code.response_id else None
        if response is not None and response.status == responses.PENDING_PARENT:
            response.status = responses.SUBMITTED
            await send_card(ctx, response, "card.parent_confirmed")
        t = await translator_for(ctx, code.child_person_id)
        await tell(ctx, code.child_person_id, t("parent.child_told"))

    async def _declined(self, ctx: Context, code: ParentCode) -> None:
        await people.record_consent(
            ctx.session,
            kind="parental",
            version="declined",
            given=False,
            now=ctx.now,
            account_id=ctx.account.id,
            person_id=code.child_person_id,
        )
        ctx.reset()
        ctx.say(ctx.t("parent.declined"))
        t = await translator_for(ctx, code.child_person_id)
        await tell(ctx, code.child_person_id, t("parent.child_told_declined"))
