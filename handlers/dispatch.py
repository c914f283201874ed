"""Top-level routing of one event: commands, buttons, flows, and everything unexpected.

Whatever arrives, the person gets a short useful answer and nothing changes unless the
input was valid for where they are.
"""

from __future__ import annotations

from bot import payload
from bot.context import Context
from bot.events import Kind
from bot.i18n import FALLBACK, catalog
from handlers import consent_gate, features, mastermind, menu, privacy, review, withdrawal
from handlers.base import FLOWS, Flow
from handlers.parent import ParentFlow, find_code
from handlers.questionnaire import QuestionnaireFlow
from handlers.registration import Registration
from storage.models import AuditEntry
from storage.people import CODE_LENGTH, normalize_code

START_WORDS = {"начать", "start", "старт"}
MAX_TEXT = 4000  # longer than any answer we ask for; Telegram's own message limit is 4096


__all__ = ["Dispatcher", "features"]  # imported for the menu actions it registers


class Dispatcher:
    def __init__(self) -> None:
        self.registration = Registration()
        self.parent = ParentFlow()
        flows: list[Flow] = [
            self.registration,
            self.parent,
            QuestionnaireFlow(),
            review.NoteFlow(),
            review.ReplyFlow(),
            *FLOWS.values(),
        ]
        self.flows = {f.name: f for f in flows}

    async def start(self, ctx: Context, code: str | None) -> None:
        """`/start`, with an invite code or a parent's consent code."""
        if code:
            parent_code = await find_code(ctx, code)
            if parent_code is not None:
                return await self.parent.begin(ctx, parent_code)
        await self.registration.begin(ctx, code)

    async def handle(self, ctx: Context) -> None:
        event = ctx.event
        withdrawal.track_replies(ctx)  # a withdrawal later in the batch redacts them
        if event.is_group or event.kind in (Kind.MEMBER_JOINED, Kind.MEMBER_LEFT, Kind.BOT_REMOVED):
            return await mastermind.on_group(ctx)  # quiet there: see handlers/mastermind.py
        if await consent_gate.intercept(ctx):  # a new consent text is accepted first
            return
        if event.kind is Kind.UNSUPPORTED:
            ctx.say(ctx.t("errors.unsupported"))
            return await self.reprompt(ctx)
        if event.kind is Kind.BUTTON:
            return await self.on_button(ctx)
        text = event.text.strip()
        if not text:
            ctx.say(ctx.t("errors.empty"))
            return await self.reprompt(ctx)
        if len(text) > MAX_TEXT:
            ctx.say(ctx.t("errors.too_long", limit=MAX_TEXT))
            return await self.reprompt(ctx)
        if text.startswith("/"):
            return await self.on_command(ctx, text)
        if text.lower() in START_WORDS:
            return await self.start(ctx, None)
        flow = self.current_flow(ctx)
        if flow is not None:
            return await flow.on_text(ctx, text)
        if ctx.person is None or not await menu.roles_of(ctx):
            code = text if len(normalize_code(text)) == CODE_LENGTH else None
            return await self.start(ctx, code)
        ctx.say(ctx.t("errors.not_understood"))
        await menu.show_menu(ctx)

    def current_flow(self, ctx: Context) -> Flow | None:
        return self.flows.get(ctx.state.flow or "")

    async def reprompt(self, ctx: Context) -> None:
        flow = self.current_flow(ctx)
        if flow is not None:
            await flow.prompt(ctx)
        elif ctx.person is not None and await menu.roles_of(ctx):
            await menu.show_menu(ctx)
        else:
            ctx.say(ctx.t("menu.not_registered"))

    async def on_command(self, ctx: Context, text: str) -> None:
        command, _, arg = text.partition(" ")
        command = command.split("@", 1)[0].lower()  # /help@SchoolMentorBot in groups
        if command == "/start":
            return await self.start(ctx, arg.strip() or None)
        if command == "/help":
            flow = self.current_flow(ctx)
            key = f"help.{flow.name}" if flow else "help.general"
            if key not in catalog(FALLBACK):  # a flow without its own hint (found by fuzzing)
                key = "help.registered"
            ctx.say(ctx.t(key))
            return await self.reprompt(ctx)
        if command == "/cancel":
            return await self.cancel(ctx)
        if command in privacy.COMMANDS:
            return await privacy.COMMANDS[command](ctx)
        if command == "/menu":
            ctx.reset()
            return await self.reprompt(ctx)
        ctx.say(ctx.t("errors.unknown_command"))
        await self.reprompt(ctx)

    async def cancel(self, ctx: Context) -> None:
        if ctx.state.flow is None:
            ctx.say(ctx.t("common.nothing_to_cancel"))
        else:
            ctx.reset()
            ctx.say(ctx.t("common.cancelled"))
        await self.reprompt(ctx)

    async def on_button(self, ctx: Context) -> None:
        pressed = payload.decode(ctx.event.payload)
        if pressed is None:
            ctx.say(ctx.t("common.stale_button"))
            return await self.reprompt(ctx)
        if pressed.is_menu:
            item = menu.ACTIONS.get(pressed.action)
            if item is None or not await menu.allowed(ctx, item):
                ctx.session.add(
                    AuditEntry(
                        at=ctx.now,
                        actor_person_id=ctx.person.id if ctx.person else None,
                        organization_id=None,
                        action="forbidden",
                        details={"action": pressed.action, "target": pressed.arg},
                    )
                )
                ctx.say(ctx.t("common.not_allowed"))
                return await self.reprompt(ctx)
            ctx.reset()  # a menu action leaves any flow in progress
            return await item.run(ctx, pressed.arg)
        flow = self.current_flow(ctx)
        if flow is None or pressed.revision != ctx.state.revision:
            ctx.say(ctx.t("common.stale_button"))
            return await self.reprompt(ctx)
        if pressed.action == "cancel":
            return await self.cancel(ctx)
        if pressed.action == "back":
            return await flow.on_back(ctx)
        await flow.on_button(ctx, pressed.action, pressed.arg)
