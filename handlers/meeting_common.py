"""What the pair's work screens share: who the presser is in a pair (checked on the server
for every press), dates and lengths as people say them, and files to other people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.events import Attachment, Button, Reply
from bot.i18n import Translator
from domain import pairs as pair_rules
from handlers import menu
from handlers.notify import address_of
from handlers.pair_common import refuse
from storage import pairs
from storage.models import Organization, Pair

PARTICIPANTS = frozenset({"mentee", "mentor"})
CURATOR = frozenset({"curator"})
EVERYONE = PARTICIPANTS | CURATOR
WORKING = (pair_rules.ACTIVE,)
WORKED = (pair_rules.ACTIVE, pair_rules.FINISHED, pair_rules.ENDED_EARLY)


@dataclass(frozen=True, slots=True)
class Seat:
    """The presser's place: mentor, mentee or curator of the pair's organization."""

    pair: Pair
    org: Organization
    role: str
    mentees: tuple[int, ...]  # the pair's current mentees

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.org.timezone)

    @property
    def people(self) -> tuple[int, ...]:
        mentor = (self.pair.mentor_person_id,) if self.pair.mentor_person_id else ()
        return mentor + self.mentees

    def others(self, me: int) -> list[int]:
        return [p for p in self.people if p != me]


async def current_mentees(ctx: Context, pair: Pair) -> tuple[int, ...]:
    return tuple(
        m.mentee_person_id
        for m in await pairs.members(ctx.session, pair.id)
        if m.mentee_person_id and m.declined_at is None and m.left_on is None
    )


async def seat(
    ctx: Context,
    pair_arg: str,
    action: str,
    statuses: tuple[str, ...] = WORKING,
    curator_ok: bool = False,
) -> Seat | None:
    """The pair named by a button, if the presser is in it (or curates it, when allowed).
    Anyone else is refused and audited; a pair no longer working is said plainly."""
    pair = await ctx.session.get(Pair, int(pair_arg)) if pair_arg.isdigit() else None
    me = ctx.person.id if ctx.person else None
    org = await ctx.session.get(Organization, pair.organization_id) if pair else None
    if pair is None or me is None or org is None:
        refuse(ctx, action, pair_arg)
        return None
    mentees = await current_mentees(ctx, pair)
    role = "mentor" if pair.mentor_person_id == me else "mentee" if me in mentees else None
    if role is None and curator_ok and org.id in {o.id for o in await menu.curated_orgs(ctx)}:
        role = "curator"
    if role is None:
        refuse(ctx, action, pair_arg)
        return None
    if pair.status not in statuses:
        ctx.say(ctx.t("meetings.pair_not_active"))
        await menu.show_menu(ctx)
        return None
    return Seat(pair, org, role, mentees)


async def working_pairs(ctx: Context, role: str | None = None) -> list[Pair]:
    """The presser's active pairs; as mentor only when `role` is 'mentor'."""
    if ctx.person is None:
        return []
    found = await pairs.of_person(ctx.session, ctx.person.id, WORKING)
    if role == "mentor":
        return [p for p in found if p.mentor_person_id == ctx.person.id]
    return found


async def mentor_with_active_pair(ctx: Context) -> bool:
    """The main menu offers «Записать встречу» to a mentor with a working pair."""
    return bool(await working_pairs(ctx, "mentor"))


# -- dates and lengths as people say them ---------------------------------------------------


def local_now(tz: ZoneInfo, now: datetime) -> datetime:
    return now.astimezone(tz)


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight: a held meeting known by its date only is stored at the start of
    that day, so it counts in the right local day and month and is never in the future."""
    return datetime.combine(day, time(0), tz)


def say_date(t: Translator, day: date) -> str:
    """«12 ноября», "November 12"."""
    return t("reminders.date", day=day.day, month=t(f"reminders.months_genitive.{day.month}"))


def say_when(t: Translator, instant: datetime, tz: ZoneInfo) -> str:
    """«вт, 24 ноября, 16:00» in the organization's time."""
    local = instant.astimezone(tz)
    return t(
        "meetings.when",
        weekday=t(f"meetings.weekday.{local.weekday()}"),
        date=say_date(t, local.date()),
        time=local.strftime("%H:%M"),
    )


def say_duration(t: Translator, minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return t("meetings.minutes", n=rest)
    if not rest:
        return t("meetings.hours", n=hours)
    return t("meetings.hours_minutes", h=hours, m=rest)


def date_example(today: date, past: bool) -> str:
    day = today - timedelta(days=3) if past else today + timedelta(days=3)
    return day.strftime("%d.%m")


def kind_label(t: Translator, kind: str) -> str:
    return t(f"meetings.kind_lower.{kind}")


async def send_file(
    ctx: Context,
    person_id: int,
    text: str,
    attachment: Attachment,
    buttons: list[list[Button]] | None = None,
) -> bool:
    """A message with a file to a person, on the messenger they use now."""
    to = await address_of(ctx, person_id)
    if to is None:
        return False
    if to == ctx.here:
        ctx.say(text, buttons, attachment=attachment)
    else:
        ctx.send(to, Reply(text, buttons or [], attachment))
    return True


def back_rows(ctx: Context, pair: Pair, role: str) -> list[list[Button]]:
    """«« К паре» for the pair's sides, the curator's work view for a curator."""
    action = "pwork" if role == "curator" else "mypair"
    arg = str(pair.id) if role == "curator" else ""
    return [[ctx.menu_button(ctx.t("meetings.btn.to_pair"), action, arg)]]
