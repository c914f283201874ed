"""A new version of the consent text (locales: consent.personal_data.version) is put to
each person at their next interaction, before anything else; declining leads to the
withdrawal. The reminders' consent (mute) is a separate kind and is not touched.

Whom the check has passed is kept in memory: the version only changes with a deploy,
so each person costs one query per process, not one per update."""

from __future__ import annotations

from bot.context import Context
from bot.events import Kind
from handlers import menu
from handlers.base import register_flow
from handlers.registration import CONSENT_KIND, consent_version, has_current_consent
from storage import people

FLOW = "reconsent"
# Flows that ask for consent themselves, or that a person without it may use.
EXEMPT_FLOWS = frozenset({"registration", "parent", "privacy"})
EXEMPT_COMMANDS = frozenset({"/start", "/mydata", "/privacy"})
START_WORDS = frozenset({"начать", "start", "старт"})
_accepted: set[int] = set()


def forget(person_id: int) -> None:
    _accepted.discard(person_id)


def _exempt_text(ctx: Context) -> bool:
    if ctx.event.kind is not Kind.TEXT:
        return False
    text = ctx.event.text.strip()
    command = text.split(maxsplit=1)[0].split("@", 1)[0].lower() if text else ""
    if command in EXEMPT_COMMANDS or text.lower() in START_WORDS:
        return True
    code = people.normalize_code(text)  # a code typed as it is (VK): /start's job
    return len(code) == people.CODE_LENGTH and set(code) <= set(people.CODE_ALPHABET)


async def intercept(ctx: Context) -> bool:
    """True when the person must first accept the current text (the question is asked)."""
    person = ctx.person
    if person is None or person.id in _accepted or ctx.state.flow in EXEMPT_FLOWS:
        return False
    if _exempt_text(ctx):
        return False
    if ctx.state.flow == FLOW:  # its own buttons pass; an old menu button or /menu does not
        if ctx.event.kind is Kind.BUTTON and not (ctx.event.payload or "").startswith("m:"):
            return False
        await ReconsentFlow().prompt(ctx)
        return True
    if await has_current_consent(ctx):
        _accepted.add(person.id)
        return False
    ctx.reset()
    ctx.goto(FLOW, "ask")
    ctx.say(ctx.t("privacy.reconsent.intro"))
    ctx.say(ctx.t("consent.personal_data.text"))
    await ReconsentFlow().prompt(ctx)
    return True


class ReconsentFlow:
    name = FLOW

    async def prompt(self, ctx: Context) -> None:
        ctx.say(
            ctx.t("privacy.reconsent.question"),
            [
                [ctx.button(ctx.t("privacy.reconsent.accept"), "accept")],
                [ctx.button(ctx.t("privacy.reconsent.decline"), "decline")],
            ],
        )

    async def on_text(self, ctx: Context, text: str) -> None:
        ctx.say(ctx.t("common.use_buttons"))
        await self.prompt(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        if ctx.person is None:
            ctx.reset()
            return
        if action == "accept":
            await people.record_consent(
                ctx.session,
                kind=CONSENT_KIND,
                version=consent_version(ctx.t.locale),
                given=True,
                now=ctx.now,
                account_id=ctx.account.id,
                person_id=ctx.person.id,
            )
            _accepted.add(ctx.person.id)
            ctx.reset()
            ctx.say(ctx.t("privacy.reconsent.accepted"))
            return await menu.show_menu(ctx)
        if action == "decline":
            from handlers.privacy import confirm_self  # the privacy flow imports this module

            ctx.say(ctx.t("privacy.reconsent.declined"))
            return await confirm_self(ctx)
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        await self.prompt(ctx)


register_flow(ReconsentFlow())
