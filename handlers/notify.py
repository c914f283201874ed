"""Messages to people other than the one who wrote: on the messenger they use now."""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Context
from bot.events import Address, Button, Platform, Reply
from bot.i18n import Translator
from storage import people
from storage.models import Person

# Builds one message in the recipient's language: (text, buttons).
Compose = Callable[[Translator], tuple[str, list[list[Button]]]]


async def address_of(ctx: Context, person_id: int) -> Address | None:
    account = await people.preferred_account(ctx.session, person_id)
    if account is None:
        return None
    return Address(Platform(account.platform), account.chat_id)


async def translator_for(ctx: Context, person_id: int) -> Translator:
    person = await ctx.session.get(Person, person_id)
    return Translator(person.locale if person else ctx.settings.default_locale)


async def tell(
    ctx: Context, person_id: int, text: str, buttons: list[list[Button]] | None = None
) -> bool:
    """Send to a person; False when they have no reachable account."""
    to = await address_of(ctx, person_id)
    if to is None:
        return False
    if to == ctx.here:
        ctx.say(text, buttons)
    else:
        ctx.send(to, Reply(text, buttons or []))
    return True


async def tell_curators(ctx: Context, org_id: int, compose: Compose) -> int:
    """Send each curator of the organization a message composed in their language."""
    sent = 0
    for curator_id in await people.curators_of(ctx.session, org_id):
        t = await translator_for(ctx, curator_id)
        text, buttons = compose(t)
        sent += await tell(ctx, curator_id, text, buttons)
    return sent
