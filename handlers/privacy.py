"""A person's rights over their data (152-FZ): a copy of everything the bot stores
(/mydata, «Мои данные» in the profile) and withdrawal of consent (/privacy, «Отозвать
согласие»), for themselves or, as a minor's legal representative, for the child.

A parent who only gave consent has no role and so no menu: the commands work for anyone
the bot has a person for. Every press is checked again on the server."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.context import Context
from bot.events import Attachment, Button
from documents import mydata as render
from handlers import consent_gate, menu
from handlers.base import register_flow
from handlers.pair_common import audit, refuse
from handlers.withdrawal import withdraw
from storage import mydata
from storage.models import Organization, Participation, Person

FLOW = "privacy"
SELF = "me"


async def _zone(ctx: Context, person_id: int) -> ZoneInfo:
    """Times in the copy are in the person's organization's time."""
    query = (
        select(Organization.timezone)
        .join(Participation, Participation.organization_id == Organization.id)
        .where(Participation.person_id == person_id)
        .limit(1)
    )
    name = (await ctx.session.scalars(query)).first()
    return ZoneInfo(name or ctx.settings.default_timezone)


async def send_copy(ctx: Context, person_id: int) -> None:
    data = await mydata.collect(ctx.session, person_id)
    if not data:
        return
    zone = await _zone(ctx, person_id)
    child = ctx.person is not None and person_id != ctx.person.id
    for name, mime, content in render.files(ctx.t, data, ctx.now, zone):
        kind = "json" if name.endswith(".json") else "text"
        caption = ctx.t(f"privacy.mydata.caption_{kind}")
        if child:
            caption = ctx.t("privacy.mydata.child_caption", name=data["person"]["full_name"] or "—")
        ctx.say(caption, attachment=Attachment(name, content, mime))
    audit(ctx, None, "data.exported", child=person_id if child else None)


async def my_data(ctx: Context) -> None:
    """/mydata: the files, then where withdrawal is."""
    if ctx.person is None:
        ctx.say(ctx.t("privacy.mydata.nothing"))
        return
    await send_copy(ctx, ctx.person.id)
    ctx.say(ctx.t("privacy.mydata.done"), [[ctx.menu_button(ctx.t("menu.back_to_menu"), "menu")]])


async def open_screen(ctx: Context) -> None:
    """/privacy: what is stored, the copy, withdrawal (and the same for one's children)."""
    if ctx.person is None:
        ctx.say(ctx.t("privacy.mydata.nothing"))
        return
    ctx.reset()
    ctx.goto(FLOW, "screen")
    await PrivacyFlow().prompt(ctx)


async def confirm_self(ctx: Context) -> None:
    ctx.reset()
    ctx.goto(FLOW, "confirm")
    ctx.remember("target", SELF)
    await PrivacyFlow().prompt(ctx)


COMMANDS = {"/mydata": my_data, "/privacy": open_screen}


@menu.action("mydata")
async def _mydata(ctx: Context, arg: str) -> None:
    await my_data(ctx)


@menu.action("privacy")
async def _privacy(ctx: Context, arg: str) -> None:
    if ctx.person is not None and not await mydata.children_of(ctx.session, ctx.person.id):
        return await confirm_self(ctx)
    await open_screen(ctx)


async def _target(ctx: Context, arg: str, action: str) -> int | None:
    """The person a button acts for: oneself, or a child one is the representative of."""
    if ctx.person is None:
        return None
    if arg == SELF:
        return ctx.person.id
    if arg.isdigit() and int(arg) in await mydata.children_of(ctx.session, ctx.person.id):
        return int(arg)
    refuse(ctx, action, arg)
    return None


async def _names(ctx: Context, ids: list[int]) -> dict[int, str]:
    rows = await ctx.session.execute(select(Person.id, Person.full_name).where(Person.id.in_(ids)))
    return {row.id: row.full_name or "—" for row in rows}


class PrivacyFlow:
    name = FLOW

    async def prompt(self, ctx: Context) -> None:
        if ctx.person is None:
            ctx.reset()
            return
        t = ctx.t
        if ctx.state.step == "confirm":
            target = str(ctx.data.get("target", SELF))
            if target == SELF:
                text = t("privacy.confirm.self")
            else:
                names = await _names(ctx, [int(target)] if target.isdigit() else [])
                text = t("privacy.confirm.child", name=names.get(int(target or 0), "—"))
            rows = [
                [ctx.button(t("privacy.confirm.yes"), "yes")],
                [ctx.button(t("privacy.confirm.copy_first"), "copy", target)],
                ctx.nav_row(),
            ]
            ctx.say(text, rows)
            return
        children = await mydata.children_of(ctx.session, ctx.person.id)
        names = await _names(ctx, children)
        rows: list[list[Button]] = [[ctx.button(t("privacy.screen.mydata"), "copy", SELF)]]
        rows += [
            [ctx.button(t("privacy.screen.child_data", name=names[c][:24]), "copy", str(c))]
            for c in children[:2]
        ]
        rows.append([ctx.button(t("privacy.screen.withdraw"), "ask", SELF)])
        rows += [
            [ctx.button(t("privacy.screen.withdraw_child", name=names[c][:20]), "ask", str(c))]
            for c in children[:2]
        ]
        rows.append(ctx.nav_row(back=False))
        text = t("privacy.screen.text")
        if children:
            text += "\n\n" + t("privacy.screen.children", names=", ".join(names.values()))
        ctx.say(text, rows)

    async def on_text(self, ctx: Context, text: str) -> None:
        ctx.say(ctx.t("common.use_buttons"))
        await self.prompt(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        step = ctx.state.step
        if action == "copy":
            target = await _target(ctx, arg, "privacy.copy")
            if target is not None:
                await send_copy(ctx, target)
            return await self.prompt(ctx)
        if step == "screen" and action == "ask":
            if await _target(ctx, arg, "privacy.withdraw") is not None:
                ctx.goto(FLOW, "confirm")
                ctx.remember("target", arg)
            return await self.prompt(ctx)
        if step == "confirm" and action == "yes":
            return await self._withdraw(ctx)
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        if ctx.state.step == "confirm" and ctx.person is not None:
            ctx.goto(FLOW, "screen")
        else:
            ctx.say(ctx.t("common.first_step"))
        await self.prompt(ctx)

    async def _withdraw(self, ctx: Context) -> None:
        arg = str(ctx.data.get("target", SELF))
        target = await _target(ctx, arg, "privacy.withdraw")
        ctx.reset()
        if target is None:
            return
        by_representative = arg != SELF
        await withdraw(ctx, target, by_representative)
        if by_representative:
            ctx.say(ctx.t("privacy.done.child"))
            if await menu.roles_of(ctx):
                await menu.show_menu(ctx)
            return
        consent_gate.forget(target)
        ctx.say(ctx.t("privacy.done.self"))


register_flow(PrivacyFlow())
