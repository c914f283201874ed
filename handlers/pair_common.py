"""What the curator's and the participants' pair screens share: the server-side checks,
the audit, dates in the organization's time, and how a pair is described."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot import forms
from bot.context import Context
from bot.events import Button
from bot.i18n import Translator
from domain import pairs as rules
from handlers import menu
from handlers.notify import tell, translator_for
from storage import pairs
from storage.models import AuditEntry, Organization, Pair

DATE_FORMAT = "%d.%m.%Y"
CURATOR = frozenset({"curator"})


def fmt(day: date | None) -> str:
    return day.strftime(DATE_FORMAT) if day else "—"


def parse_date(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), DATE_FORMAT).date()
    except ValueError:
        return None


def form_label(t: Translator, form_id: str | None) -> str:
    """The program's form (pupil–pupil, teacher–teacher, ...) as the request names it."""
    question = forms.current("mentee_request", t.locale).question("form")
    option = question.option(form_id) if question and form_id else None
    return option.label if option else "—"


def local_today(org: Organization, now: datetime) -> date:
    """Terms and deadlines count in the organization's calendar, not the server's."""
    return now.astimezone(ZoneInfo(org.timezone)).date()


def audit(ctx: Context, org_id: int | None, what: str, /, **details: object) -> None:
    """`what` is positional-only so `action=` can be one of the details."""
    ctx.session.add(
        AuditEntry(
            at=ctx.now,
            actor_person_id=ctx.person.id if ctx.person else None,
            organization_id=org_id,
            action=what,
            details=details,
        )
    )


def refuse(ctx: Context, action: str, target: str) -> None:
    """A press the presser has no right to: nothing changes, and the attempt is kept."""
    audit(ctx, None, "forbidden", action=action, target=target[:32])
    ctx.say(ctx.t("common.not_allowed"))


async def curator_org(ctx: Context, arg: str, action: str) -> Organization | None:
    """The organization named by `arg` (or the first one) if the presser curates it."""
    curated = await menu.curated_orgs(ctx)
    if not arg:
        return curated[0] if curated else None
    org_id = int(arg) if arg.isdigit() else -1
    for org in curated:
        if org.id == org_id:
            return org
    refuse(ctx, action, arg)
    return None


async def curated_pair(ctx: Context, arg: str, action: str) -> tuple[Pair, Organization] | None:
    """The pair named by a button, if the presser curates its organization."""
    pair = await ctx.session.get(Pair, int(arg)) if arg.isdigit() else None
    if pair is not None:
        for org in await menu.curated_orgs(ctx):
            if org.id == pair.organization_id:
                return pair, org
    refuse(ctx, action, arg)
    return None


def check_status(ctx: Context, pair: Pair, action: str) -> bool:
    """A replayed or late press: said plainly, audited, nothing changed."""
    if rules.may(action, pair.status):
        return True
    audit(ctx, pair.organization_id, "refused", action=action, pair=pair.id, status=pair.status)
    ctx.say(ctx.t("pairs.already", status=ctx.t(f"pairs.status.{pair.status}")))
    return False


async def people_of(ctx: Context, pair: Pair) -> tuple[str, list[str]]:
    ids = await pairs.mentee_ids(ctx.session, pair.id)
    everyone = [*ids, *([pair.mentor_person_id] if pair.mentor_person_id else [])]
    names = await pairs.names_of(ctx.session, everyone)
    mentor = names.get(pair.mentor_person_id or -1, "—")
    return mentor, [names.get(i, "—") for i in ids]


async def title(ctx: Context, pair: Pair, t: Translator | None = None) -> str:
    t = t or ctx.t
    mentor, mentees = await people_of(ctx, pair)
    return t(
        "pairs.pair_line",
        kind=t(f"pairs.kind.{pair.kind}"),
        id=pair.id,
        mentor=mentor,
        mentees=", ".join(mentees) or "—",
    )


def term(t: Translator, pair: Pair) -> str:
    if pair.starts_on is None or pair.ends_on is None:
        return t("pairs.term_none")
    return t("pairs.term_line", start=fmt(pair.starts_on), end=fmt(pair.ends_on))


def plural(t: Translator, count: int) -> str:
    return t("pairs.plural_one") if count == 1 else t("pairs.plural_many")


async def participants(ctx: Context, pair: Pair) -> list[int]:
    ids = await pairs.mentee_ids(ctx.session, pair.id)
    return [*([pair.mentor_person_id] if pair.mentor_person_id else []), *ids]


async def tell_pair(
    ctx: Context,
    pair: Pair,
    compose: Callable[[Translator], tuple[str, list[list[Button]]]],
    skip: Sequence[int] = (),
) -> None:
    """Tell everyone in the pair, each in their own language and messenger."""
    for person_id in await participants(ctx, pair):
        if person_id in skip:
            continue
        t = await translator_for(ctx, person_id)
        text, buttons = compose(t)
        await tell(ctx, person_id, text, buttons)


def back_to_pairs(ctx: Context, org: Organization) -> list[Button]:
    return [ctx.menu_button(ctx.t("pairs.btn.back"), "pairs", str(org.id))]


def paged(
    ctx: Context,
    items: list[Button],
    page: int,
    turn: Callable[[int, str], Button],
    tail: list[list[Button]],
) -> list[list[Button]]:
    """One item a row, as many as the platform shows with `tail` below; «‹»/«Ещё ›» rows
    between pages (a VK inline keyboard holds 10 buttons in 6 rows)."""
    room_rows = ctx.max_rows - len(tail) - 1
    room_buttons = ctx.max_buttons - sum(map(len, tail)) - 2
    per_page = max(1, min(room_rows, room_buttons, 8))
    pages = max(1, (len(items) + per_page - 1) // per_page)
    page = min(max(page, 0), pages - 1)
    rows = [[b] for b in items[page * per_page : (page + 1) * per_page]]
    arrows = []
    if page > 0:
        arrows.append(turn(page - 1, "‹"))
    if page < pages - 1:
        arrows.append(turn(page + 1, ctx.t("form.more")))
    if arrows:
        rows.append(arrows)
    return [*rows, *tail]


def split_arg(arg: str, parts: int) -> list[int] | None:
    """`"12.3"` -> [12, 3]; None for anything else (a forged payload)."""
    pieces = arg.split(".")
    if len(pieces) != parts or not all(p.isdigit() for p in pieces):
        return None
    return [int(p) for p in pieces]


async def curated_ids(
    ctx: Context, arg: str, parts: int, action: str
) -> tuple[Organization, list[int]] | None:
    """`"<org>.<id>…"` from a curator's button: the organization, if the presser curates
    it, and the ids after it; else refused (and audited) and None."""
    ids = split_arg(arg, parts)
    if ids is None:
        refuse(ctx, action, arg)
        return None
    org = await curator_org(ctx, str(ids[0]), action)
    return (org, ids[1:]) if org is not None else None


async def curated_page(ctx: Context, arg: str, action: str) -> tuple[Organization, int] | None:
    """`"<org>"` or `"<org>.<page>"` of a curator's list."""
    found = await curated_ids(ctx, arg if "." in arg else f"{arg}.0", 2, action)
    return (found[0], found[1][0]) if found else None


async def pair_summary(ctx: Context, pair: Pair, key: str, **extra: str) -> str:
    """A pair described by the text `key`: kind, number, status, people, term."""
    mentor, mentees = await people_of(ctx, pair)
    return ctx.t(
        key,
        kind=ctx.t(f"pairs.kind.{pair.kind}"),
        id=pair.id,
        status=ctx.t(f"pairs.status.{pair.status}"),
        mentor=mentor,
        plural=plural(ctx.t, len(mentees)),
        mentees=", ".join(mentees) or "—",
        term=term(ctx.t, pair),
        **extra,
    )
