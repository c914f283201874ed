"""The registries and the draft order, sent to the curator in chat as files."""

from __future__ import annotations

import documents
from bot.context import Context
from bot.events import Attachment
from handlers import menu
from handlers.pair_common import CURATOR, audit, back_to_pairs, curator_org, refuse

CAPTIONS = {
    "mentees": "pairs.registry_caption_mentees",
    "mentors": "pairs.registry_caption_mentors",
}


@menu.action("registry", roles=CURATOR)
async def _registries(ctx: Context, arg: str) -> None:
    org = await curator_org(ctx, arg, "registry") if arg.isdigit() else None
    if org is None:
        if not arg.isdigit():
            refuse(ctx, "registry", arg)
        return
    files = await documents.registry_files(ctx.session, org.id, ctx.t.locale, now=ctx.now)
    for name, mime, data in files:
        caption = ctx.t(CAPTIONS[name.split("_", 1)[0]])
        ctx.say(caption, attachment=Attachment(name, data, mime))
    audit(ctx, org.id, "export.registries")
    ctx.say(ctx.t("pairs.documents_sent"), [back_to_pairs(ctx, org)])


@menu.action("order", roles=CURATOR)
async def _order(ctx: Context, arg: str) -> None:
    org = await curator_org(ctx, arg, "order") if arg.isdigit() else None
    if org is None:
        if not arg.isdigit():
            refuse(ctx, "order", arg)
        return
    name, mime, data = await documents.order_file(ctx.session, org.id, ctx.t.locale, now=ctx.now)
    ctx.say(ctx.t("pairs.order_caption"), attachment=Attachment(name, data, mime))
    audit(ctx, org.id, "export.order")
    ctx.say(ctx.t("pairs.documents_sent"), [back_to_pairs(ctx, org)])
