"""The main menu: what each role can do, and the menu actions of the foundation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select

from bot.context import Context
from bot.events import Button
from storage import people
from storage.models import Organization, Participation

MenuHandler = Callable[[Context, str], Awaitable[None]]
Shown = Callable[[Context], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class MenuAction:
    roles: frozenset[str]  # empty: anyone registered
    run: MenuHandler
    label_key: str | None = None  # shown in the main menu when set
    order: int = 50  # position in the main menu: the main task of a role first
    shown: Shown | None = None  # in the main menu only when this says so (a working pair)


ACTIONS: dict[str, MenuAction] = {}
ALL = frozenset[str]()


def action(
    name: str,
    roles: frozenset[str] = ALL,
    label_key: str | None = None,
    order: int = 50,
    shown: Shown | None = None,
) -> Callable[[MenuHandler], MenuHandler]:
    def register(fn: MenuHandler) -> MenuHandler:
        ACTIONS[name] = MenuAction(roles, fn, label_key, order, shown)
        return fn

    return register


async def roles_of(ctx: Context) -> list[Participation]:
    if ctx.person is None:
        return []
    return list(await people.participations(ctx.session, ctx.person.id))


async def allowed(ctx: Context, menu_action: MenuAction, org_id: int | None = None) -> bool:
    """Checked on the server for every press: a button proves nothing about its sender."""
    mine = await roles_of(ctx)
    if not mine:
        return False
    if not menu_action.roles:
        return True
    return any(
        p.role in menu_action.roles and (org_id is None or p.organization_id == org_id)
        for p in mine
    )


async def show_menu(ctx: Context, edit: bool = False, page: int = 0) -> None:
    mine = await roles_of(ctx)
    if ctx.person is None or not mine:
        ctx.say(ctx.t("menu.not_registered"))
        return
    role_set = {p.role for p in mine}
    rows: list[list[Button]] = []
    for name, item in sorted(ACTIONS.items(), key=lambda pair: pair[1].order):
        if not item.label_key or (item.roles and not item.roles & role_set):
            continue
        if item.shown is None or await item.shown(ctx):
            rows.append([ctx.menu_button(ctx.t(item.label_key), name)])
    if len(rows) > ctx.max_buttons:  # over VK's 10 buttons: pages, «Ещё ›» goes round
        per_page = ctx.max_buttons - 1
        pages = (len(rows) + per_page - 1) // per_page
        page = page % pages
        rows = rows[page * per_page : (page + 1) * per_page]
        rows.append([ctx.menu_button(ctx.t("form.more"), "menu", str((page + 1) % pages))])
    if len(rows) > ctx.max_rows:  # a VK inline keyboard has 6 rows: two buttons a row then
        flat = [button for row in rows for button in row]
        rows = [flat[i : i + 2] for i in range(0, len(flat), 2)]
    orgs = {p.organization_id for p in mine}
    names = (
        await ctx.session.scalars(select(Organization.name).where(Organization.id.in_(orgs)))
    ).all()
    who = ", ".join(ctx.t(f"roles.name.{r}") for r in sorted(role_set))
    ctx.say(
        ctx.t("menu.title", name=ctx.person.full_name, roles=who, orgs=", ".join(names)),
        rows,
        edit=edit,
    )


@action("menu")
async def _menu(ctx: Context, arg: str) -> None:
    await show_menu(ctx, edit=True, page=int(arg) if arg.isdigit() else 0)


@action("help", label_key="menu.help", order=90)
async def _help(ctx: Context, arg: str) -> None:
    ctx.say(ctx.t("help.registered"), [[ctx.menu_button(ctx.t("menu.back_to_menu"), "menu")]])


@action("profile", label_key="menu.profile", order=80)
async def _profile(ctx: Context, arg: str) -> None:
    assert ctx.person is not None
    lines = []
    for p in await roles_of(ctx):
        org = await ctx.session.get(Organization, p.organization_id)
        lines.append(
            ctx.t(
                "profile.role_line",
                role=ctx.t(f"roles.name.{p.role}"),
                org=org.name if org else "—",
            )
        )
    other = "en" if ctx.t.locale == "ru" else "ru"
    curator = any(p.role == "curator" for p in await roles_of(ctx))
    ctx.say(
        ctx.t("profile.text", name=ctx.person.full_name, roles="\n".join(lines)),
        [
            [ctx.menu_button(ctx.t("profile.switch_language"), "lang", other)],
            # Personal data rights (handlers/privacy.py) and the curator's audit log.
            [ctx.menu_button(ctx.t("privacy.profile.mydata"), "mydata")],
            [ctx.menu_button(ctx.t("privacy.profile.withdraw"), "privacy")],
            *([[ctx.menu_button(ctx.t("privacy.profile.audit"), "auditlog")]] if curator else []),
            [ctx.menu_button(ctx.t("menu.back_to_menu"), "menu")],
        ],
    )


@action("lang")
async def _language(ctx: Context, arg: str) -> None:
    assert ctx.person is not None
    if arg not in ("ru", "en"):
        ctx.say(ctx.t("common.stale_button"))
        return
    ctx.person.locale = arg
    ctx.t.locale = arg
    ctx.say(ctx.t("profile.language_set"))
    await show_menu(ctx)


async def curated_orgs(ctx: Context) -> list[Organization]:
    """The organizations the person is a curator of."""
    ids = [p.organization_id for p in await roles_of(ctx) if p.role == "curator"]
    if not ids:
        return []
    query = select(Organization).where(Organization.id.in_(ids)).order_by(Organization.id)
    return list((await ctx.session.scalars(query)).all())


@action("codes", roles=frozenset({"curator"}), label_key="menu.codes", order=30)
async def _codes(ctx: Context, arg: str) -> None:
    for org in await curated_orgs(ctx):
        for invite in await people.join_codes(ctx.session, org.id):
            ctx.say(ctx.t("curator.join_code", org=org.name, code=invite.code))
    await show_menu(ctx)


@action("people", roles=frozenset({"curator"}), label_key="menu.people", order=40)
async def _people(ctx: Context, arg: str) -> None:
    for org in await curated_orgs(ctx):
        counts = await people.role_counts(ctx.session, org.id)
        ctx.say(
            ctx.t(
                "curator.people",
                org=org.name,
                mentees=counts.get("mentee", 0),
                mentors=counts.get("mentor", 0),
                curators=counts.get("curator", 0),
            )
        )
    await show_menu(ctx)
