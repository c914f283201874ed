"""A curator's announcement: choose the audience → write the text → preview → send.

Sending stores the announcement; the scheduler delivers it through the outbox within
seconds, once per recipient and never in quiet hours (scheduler/tick.py)."""

from __future__ import annotations

from bot.context import Context
from handlers import menu
from handlers.base import pop_step, push_step, register_flow
from handlers.pair_common import audit
from scheduler import texts
from scheduler.timing import is_quiet, local, next_allowed
from storage import reminders
from storage.models import Announcement, Organization

FLOW = "announce"
AUDIENCES = ("all", "mentee", "mentor")
TEXT_LIMIT = 2000
CURATOR = frozenset({"curator"})


@menu.action("announce", roles=CURATOR, label_key="reminders.menu.announce", order=35)
async def _announce(ctx: Context, arg: str) -> None:
    orgs = await menu.curated_orgs(ctx)
    if len(orgs) == 1:
        ctx.remember("org", orgs[0].id)
        push_step(ctx, FLOW, "audience")
    else:
        push_step(ctx, FLOW, "org")
    await AnnouncementFlow().prompt(ctx)


class AnnouncementFlow:
    name = FLOW

    async def _org(self, ctx: Context) -> Organization | None:
        """The chosen organization, if the person still curates it."""
        wanted = ctx.data.get("org")
        return next((o for o in await menu.curated_orgs(ctx) if o.id == wanted), None)

    async def _count(self, ctx: Context, org: Organization, who: str) -> int:
        author = ctx.person.id if ctx.person else None
        return len(await reminders.audience(ctx.session, org.id, who, ctx.now, author))

    async def prompt(self, ctx: Context) -> None:
        t, step = ctx.t, ctx.state.step
        first = not ctx.data.get("history")
        if step == "org":
            rows = [
                [ctx.button(o.name[:30], "org", str(o.id))] for o in await menu.curated_orgs(ctx)
            ]
            ctx.say(t("reminders.announce.choose_org"), [*rows, ctx.nav_row(back=False)])
            return
        org = await self._org(ctx)
        if org is None:
            ctx.reset()
            ctx.say(t("common.not_allowed"))
            return await menu.show_menu(ctx)
        if step == "audience":
            rows = [[ctx.button(t(f"reminders.announce.{who}"), "who", who)] for who in AUDIENCES]
            ctx.say(t("reminders.announce.audience"), [*rows, ctx.nav_row(back=not first)])
        elif step == "text":
            ctx.say(t("reminders.announce.text", limit=TEXT_LIMIT), [ctx.nav_row()])
        elif step == "preview":
            who = str(ctx.data.get("who"))
            count = texts.plural(t, "people", await self._count(ctx, org, who))
            lines = [
                t(
                    "reminders.announce.preview",
                    who=t(f"reminders.announce.who.{who}"),
                    count=count,
                ),
                texts.announcement(t, org.name, str(ctx.data.get("text"))),
                t("reminders.announce.confirm"),
            ]
            rows = [
                [ctx.button(t("reminders.announce.send"), "send")],
                [ctx.button(t("reminders.announce.edit"), "edit")],
                ctx.nav_row(),
            ]
            ctx.say("\n\n".join(lines), rows)

    async def on_text(self, ctx: Context, text: str) -> None:
        if ctx.state.step != "text":
            ctx.say(ctx.t("common.use_buttons"))
            return await self.prompt(ctx)
        if len(text) > TEXT_LIMIT:
            ctx.say(ctx.t("reminders.announce.too_long", limit=TEXT_LIMIT, got=len(text)))
            return await self.prompt(ctx)
        ctx.remember("text", text)
        push_step(ctx, FLOW, "preview")
        await self.prompt(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        step = ctx.state.step
        if step == "org" and action == "org" and arg.isdigit():
            ctx.remember("org", int(arg))
            push_step(ctx, FLOW, "audience")
        elif step == "audience" and action == "who" and arg in AUDIENCES:
            org = await self._org(ctx)
            if org is not None and not await self._count(ctx, org, arg):
                ctx.say(ctx.t("reminders.announce.nobody"))
            else:
                ctx.remember("who", arg)
                push_step(ctx, FLOW, "text")
        elif step == "preview" and action == "edit":
            pop_step(ctx)
        elif step == "preview" and action == "send":
            return await self._send(ctx)
        else:
            ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        if pop_step(ctx) is None:
            ctx.say(ctx.t("common.first_step"))
        await self.prompt(ctx)

    async def _send(self, ctx: Context) -> None:
        org = await self._org(ctx)
        if org is None:
            return await self.prompt(ctx)
        who = str(ctx.data.get("who"))
        count = texts.plural(ctx.t, "people", await self._count(ctx, org, who))
        ctx.session.add(
            Announcement(
                organization_id=org.id,
                author_person_id=ctx.person.id if ctx.person else None,
                audience=who,
                text=str(ctx.data.get("text")),
                created_at=ctx.now,
            )
        )
        audit(ctx, org.id, "announcement.sent", audience=who)
        ctx.reset()
        quiet = is_quiet(
            local(ctx.now, org.timezone).hour, org.quiet_start_hour, org.quiet_end_hour
        )
        if quiet:
            at = next_allowed(ctx.now, org.timezone, org.quiet_start_hour, org.quiet_end_hour)
            ctx.say(ctx.t("reminders.announce.sent_later", time=f"{at:%H:%M}", count=count))
        else:
            ctx.say(ctx.t("reminders.announce.sent", count=count))
        await menu.show_menu(ctx)


register_flow(AnnouncementFlow())
