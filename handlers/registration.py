"""First contact: consent → role → name → organization → the role's menu.

Each step is skipped when already known (a returning person, a code that fixes the
organization or the role), so `/start` with a new code reuses what was given before.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from bot.i18n import text as localized
from handlers.base import pop_step, push_step
from handlers.menu import show_menu
from handlers.validation import clean_name
from storage import erasure, people
from storage.models import AuditEntry, Consent, InviteCode

FLOW = "registration"
CONSENT_KIND = "personal_data"
ROLES = ("mentee", "mentor")
MAX_ORG_BUTTONS = 8


def consent_version(locale: str) -> str:
    return localized(locale, "consent.personal_data.version")


async def has_current_consent(ctx: Context) -> bool:
    if ctx.person is None:
        return False
    query = select(Consent).where(
        Consent.person_id == ctx.person.id,
        Consent.kind == CONSENT_KIND,
        Consent.given.is_(True),
        Consent.withdrawn_at.is_(None),
        Consent.text_version == consent_version(ctx.t.locale),
    )
    return (await ctx.session.scalars(query)).first() is not None


class Registration:
    name = FLOW

    async def begin(self, ctx: Context, code: str | None) -> None:
        ctx.reset()
        if code:
            invite = await people.find_invite(ctx.session, code, ctx.now)
            if invite is None:
                ctx.say(ctx.t("registration.code_invalid"))
            else:
                self._apply_invite(ctx, invite)
        if ctx.person is None:
            ctx.say(ctx.t("registration.welcome"))
        await self._advance(ctx)

    def _apply_invite(self, ctx: Context, invite: InviteCode) -> None:
        ctx.remember("org_id", invite.organization_id)
        ctx.remember("code", invite.code)
        if invite.role == "curator":
            ctx.remember("role", "curator")

    async def _advance(self, ctx: Context) -> None:
        """Go to the first step whose answer is still missing, or finish."""
        if not await has_current_consent(ctx):
            return await self._ask(ctx, "consent")
        if not ctx.data.get("role"):
            return await self._ask(ctx, "role")
        if ctx.person is not None and not ctx.person.full_name:
            return await self._ask(ctx, "name")
        if not ctx.data.get("org_id"):
            return await self._ask(ctx, "org")
        await self._complete(ctx)

    async def _ask(self, ctx: Context, step: str) -> None:
        push_step(ctx, FLOW, step)
        if step == "consent":
            ctx.say(ctx.t("consent.personal_data.text"))  # once; a re-ask shows the question
        await self.prompt(ctx)

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        step = ctx.state.step
        first = not ctx.data.get("history")
        if step == "consent":
            ctx.say(
                t("registration.consent_question"),
                [
                    [ctx.button(t("registration.consent_yes"), "consent", "yes")],
                    [ctx.button(t("registration.consent_no"), "consent", "no")],
                    ctx.nav_row(back=False),
                ],
            )
        elif step == "role":
            ctx.say(
                t("registration.role_question"),
                [
                    [ctx.button(t("roles.choose.mentee"), "role", "mentee")],
                    [ctx.button(t("roles.choose.mentor"), "role", "mentor")],
                    ctx.nav_row(back=not first),
                ],
            )
        elif step == "name":
            rows = []
            suggestion = clean_name(ctx.event.display_name)
            if suggestion and len(suggestion) <= 24:
                rows.append(
                    [ctx.button(t("registration.name_is", name=suggestion), "name_profile")]
                )
            rows.append(ctx.nav_row(back=not first))
            ctx.say(t("registration.name_question"), rows)
        elif step == "org":
            rows = [
                [ctx.button(org.name[:30], "org", str(org.id))]
                for org in await people.organizations(ctx.session, MAX_ORG_BUTTONS + 1)
            ]
            if len(rows) > MAX_ORG_BUTTONS:
                rows = []  # too many to list: the invite code is the way
            rows.append(ctx.nav_row(back=not first))
            key = "registration.org_question_list" if len(rows) > 1 else "registration.org_question"
            ctx.say(t(key), rows)

    async def on_text(self, ctx: Context, text: str) -> None:
        step = ctx.state.step
        if step == "name":
            name = clean_name(text)
            if name is None:
                ctx.say(ctx.t("registration.name_invalid"))
                return await self.prompt(ctx)
            return await self._set_name(ctx, name)
        if step == "org":
            invite = await people.find_invite(ctx.session, text, ctx.now)
            if invite is None:
                ctx.say(ctx.t("registration.code_invalid"))
                return await self.prompt(ctx)
            if invite.role == "curator" or not ctx.data.get("role"):
                self._apply_invite(ctx, invite)
            else:
                ctx.remember("org_id", invite.organization_id)
            return await self._advance(ctx)
        ctx.say(ctx.t("common.use_buttons"))
        await self.prompt(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        step = ctx.state.step
        if step == "consent" and action == "consent" and arg in ("yes", "no"):
            return await self._consent(ctx, arg == "yes")
        if step == "role" and action == "role" and arg in ROLES:
            ctx.remember("role", arg)
            return await self._advance(ctx)
        if step == "name" and action == "name_profile":
            name = clean_name(ctx.event.display_name)
            if name:
                return await self._set_name(ctx, name)
        if step == "org" and action == "org" and arg.isdigit():
            orgs = {org.id for org in await people.organizations(ctx.session, MAX_ORG_BUTTONS + 1)}
            if int(arg) in orgs and len(orgs) <= MAX_ORG_BUTTONS:
                ctx.remember("org_id", int(arg))
                return await self._advance(ctx)
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        if ctx.state.step == "org":
            ctx.forget("org_id")
        previous = pop_step(ctx)
        if previous is None:
            ctx.say(ctx.t("common.first_step"))
        elif previous == "role":
            ctx.forget("role")
        await self.prompt(ctx)

    async def _consent(self, ctx: Context, given: bool) -> None:
        if given and ctx.person is None:
            ctx.person = await people.create_person(ctx.session, ctx.account, ctx.t.locale, ctx.now)
        await people.record_consent(
            ctx.session,
            kind=CONSENT_KIND,
            version=consent_version(ctx.t.locale),
            given=given,
            now=ctx.now,
            account_id=ctx.account.id,
            person_id=ctx.person.id if given and ctx.person else None,
        )
        if given:
            return await self._advance(ctx)
        if ctx.person is not None:  # a participant refusing a new text: that is a withdrawal
            from handlers.privacy import confirm_self  # privacy imports this module

            ctx.say(ctx.t("privacy.reconsent.declined"))
            return await confirm_self(ctx)
        # Only the refusal itself is kept: no person, no name, not even their messages.
        ctx.reset()
        account = ctx.account
        chat = erasure.Chat(account.platform, account.external_id, account.chat_id)
        await erasure.forget_chats(
            ctx.session, [chat], (ctx.event.platform.value, ctx.event.update_key)
        )
        ctx.say(ctx.t("registration.consent_declined"))

    async def _set_name(self, ctx: Context, name: str) -> None:
        assert ctx.person is not None  # the name step comes after consent creates the person
        ctx.person.full_name = name
        await self._advance(ctx)

    async def _complete(self, ctx: Context) -> None:
        assert ctx.person is not None
        org_id, role = int(ctx.data["org_id"]), str(ctx.data["role"])
        if role == "curator":
            # The one-time code is spent only now, when the power is actually granted.
            invite = await people.find_invite(ctx.session, str(ctx.data.get("code", "")), ctx.now)
            if invite is None or invite.role != "curator" or invite.organization_id != org_id:
                ctx.reset()
                ctx.say(ctx.t("registration.code_invalid"))
                return await show_menu(ctx)
            invite.uses_left = (invite.uses_left or 1) - 1
        await people.join(ctx.session, ctx.person, org_id, role, ctx.now)
        ctx.session.add(
            AuditEntry(
                at=ctx.now,
                actor_person_id=ctx.person.id,
                organization_id=org_id,
                action="participation.joined",
                details={"role": role},
            )
        )
        ctx.reset()
        ctx.say(
            ctx.t("registration.done", name=ctx.person.full_name, role=ctx.t(f"roles.name.{role}"))
        )
        await show_menu(ctx)
