"""What a reminder says, in the recipient's language: one line per reason, the button that
does the thing, and the way to mute. The curator's digest and an announcement as text.

Shared by the tick and the handlers (the on-demand digest, the announcement preview)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot import forms, payload
from bot.events import Button
from bot.i18n import Translator
from scheduler.snapshot import Item, Kind
from storage.digest import DigestData, PairLabel

DIGEST_LINES = 8  # per section; the rest is counted
MAX_LINES = 8  # reasons in one reminder message
MAX_ACTIONS = 5  # VK: 10 buttons in 6 rows, one of them the mute button
FORM_ACTIONS = {"mentee_request": ("request", ""), "mentor_nomination": ("nomination", "")}
# A pair's monitoring forms resume from the pair's card; the SWOT from the curator's screen.
FORM_ACTIONS |= {
    form: ("mypair", "") for form in ("monitoring_entry", "monitoring_exit", "final_satisfaction")
}
FORM_ACTIONS["curator_swot"] = ("swot", "")
SHORT_FORMS = {"monthly_pulse": "pulse", "quarterly_diagnostics": "diag"}
FORM_OF_SHORT = {short: form for form, short in SHORT_FORMS.items()}


def plural(t: Translator, key: str, n: int) -> str:
    """`reminders.<key>.one|few|many` by the Russian rule (English has one and few=many)."""
    if n % 10 == 1 and n % 100 != 11:
        form = "one"
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        form = "few"
    else:
        form = "many"
    if t.locale == "en":
        form = "one" if n == 1 else "many"
    return t(f"reminders.{key}.{form}", n=f"{n:,}".replace(",", "\u00a0"))


def days(t: Translator, n: int) -> str:
    return plural(t, "days", n)


def day_month(t: Translator, day: date) -> str:
    """«24 ноября», "November 24": dates as people say them."""
    return t("reminders.date", day=day.day, month=t(f"reminders.months_genitive.{day.month}"))


def pair_label(label: PairLabel) -> str:
    return f"{label.mentor} — {', '.join(label.mentees) or '…'}"


def menu(label: str, action: str, arg: str = "") -> Button:
    return Button(label, payload.encode(payload.MENU, action, arg))


def form_button(t: Translator, form: str, org_id: int) -> Button:
    action, arg = FORM_ACTIONS.get(form, ("fill", f"{SHORT_FORMS.get(form, form)}.{org_id}"))
    return menu(t("reminders.button.resume"), action, arg)


@dataclass(slots=True)
class Lookup:
    """What the texts need beyond the items: names of people, labels of pairs."""

    names: dict[int, str] = field(default_factory=dict)

    def name(self, person: int | None) -> str:
        return self.names.get(person, "—") if person else "—"

    def pair(self, data: dict[str, Any]) -> str:
        mentees = tuple(self.name(m) for m in data.get("mentees", ()))
        return pair_label(PairLabel(self.name(data.get("mentor")), mentees))


def _line(t: Translator, item: Item, find: Lookup) -> tuple[str, Button | None]:
    d = item.data
    match item.kind:
        case Kind.MEETLOG:
            month = t(f"reminders.months_in.{d['month'].month}")
            mentees = ", ".join(find.name(m) for m in d["mentees"])
            key = "reminders.meetlog" if mentees else "reminders.meetlog_nobody"
            button = menu(t("reminders.button.meetlog"), "meetlog", str(d["pair"]))
            return t(key, month=month, mentees=mentees), button
        case Kind.PULSE:
            return t("reminders.pulse"), menu(
                t("reminders.button.pulse"), "fill", f"pulse.{item.org_id}"
            )
        case Kind.DIAGNOSTICS:
            button = menu(t("reminders.button.diagnostics"), "fill", f"diag.{item.org_id}")
            return t("reminders.diagnostics"), button
        case Kind.WAITING:
            key = "reminders.waiting_overdue" if d["days"] >= 30 else "reminders.waiting"
            text = t(
                key,
                name=find.name(d["mentee"]),
                days=days(t, d["days"]),
                deadline=day_month(t, d["deadline"]),
            )
            return text, menu(t("reminders.button.digest"), "digest")
        case Kind.TERM:
            curator = d.get("curator", False)
            key = "reminders.term_curator" if curator else "reminders.term"
            key += "_today" if d["left"] == 0 else ""
            text = t(
                key,
                pair=find.pair(d) if curator else "",
                date=day_month(t, d["ends_on"]),
                days=days(t, d["left"]),
            )
            return text, menu(t("reminders.button.digest"), "digest") if curator else None
        case Kind.PLAN:
            key = "reminders.plan_soon" if d["stage"] == "soon" else "reminders.plan_late"
            return t(key, text=d["text"], date=day_month(t, d["due_on"])), None
        case Kind.STALLED:
            title = forms.current(d["form"], t.locale).title
            return t("reminders.stalled", title=title), form_button(t, d["form"], item.org_id)
        case Kind.MEETING:
            when = "reminder_today" if d["today"] else "reminder_tomorrow"
            text = t(
                "meetings.plan_meeting.reminder",
                day=t(f"meetings.plan_meeting.{when}"),
                time=d["local"].strftime("%H:%M"),
                kind=t(f"meetings.kind_lower.{d['meeting_kind']}"),
                names=find.pair(d),
            )
            return text, menu(t("meetings.btn.my_pair"), "mypair", str(d["pair"]))
        case Kind.IDLE:
            text = t(
                "reminders.idle",
                pair=find.pair(d),
                days=days(t, d["days"]),
                date=day_month(t, d["since"]),
            )
            return text, menu(t("reminders.button.digest"), "digest")
    raise ValueError(f"no text for {item.kind}")


ORDER = [Kind.MEETING, Kind.MEETLOG, Kind.PLAN, Kind.TERM, Kind.PULSE, Kind.DIAGNOSTICS]
ORDER += [Kind.STALLED]
ORDER += [Kind.WAITING, Kind.IDLE]


def reminder_parcels(items: list[Item]) -> list[list[Item]]:
    """One person's reasons, split into messages that fit a keyboard and a phone screen."""
    parcels: list[list[Item]] = []
    for item in sorted(items, key=lambda i: (ORDER.index(i.kind), i.key)):
        if not parcels or len(parcels[-1]) >= MAX_LINES:
            parcels.append([])
        parcels[-1].append(item)
    return parcels


def reminder(t: Translator, items: list[Item], find: Lookup) -> tuple[str, list[list[Button]]]:
    lines, actions = [], []
    for item in items:
        text, button = _line(t, item, find)
        lines.append(text)
        if button and button.payload not in {b.payload for b in actions}:
            actions.append(button)
    rows = [[b] for b in actions[:MAX_ACTIONS]]
    rows.append([menu(t("reminders.button.mute"), "remind", "off")])
    return "\n\n".join(lines), rows


def announcement(t: Translator, org_name: str, text: str) -> str:
    return f"{t('reminders.announce.header', org=org_name)}\n\n{text}"


def _section(
    t: Translator, title: str, entries: list[Any], line: Callable[[Any], str]
) -> list[str]:
    lines = [t(f"reminders.digest.{title}", count=len(entries))] if title else []
    lines += [line(entry) for entry in entries[:DIGEST_LINES]]
    if len(entries) > DIGEST_LINES:
        lines.append(t("reminders.digest.more", count=len(entries) - DIGEST_LINES))
    return lines


def digest(t: Translator, data: DigestData, today: date, tz: Any) -> str:
    """The curator's digest; `tz` turns stored instants into the organization's dates."""

    def ago(instant: datetime) -> str:
        return days(t, max(0, (today - instant.astimezone(tz).date()).days))

    def waiting_line(entry: tuple[str, datetime]) -> str:
        waited = (today - entry[1].astimezone(tz).date()).days
        mark = t("reminders.digest.overdue_mark") if waited >= 30 else ""
        return t("reminders.digest.waiting_line", name=entry[0], days=days(t, waited)) + mark

    def title(form: str) -> str:
        return forms.current(form, t.locale).title

    month = t(f"reminders.months_in.{today.month}")
    blocks = [
        [t("reminders.digest.title", org=data.org_name, date=day_month(t, today))],
        _section(
            t,
            "applications",
            data.applications,
            lambda e: t(
                "reminders.digest.application_line",
                name=e[0],
                form=t(f"forms.{e[1]}"),
                days=ago(e[2]),
            ),
        ),
        _section(t, "waiting", data.waiting, waiting_line),
        [
            t("reminders.digest.no_meeting", month=month, count=len(data.no_meeting)),
            *_section(
                t,
                "",
                data.no_meeting,
                lambda e: t("reminders.digest.pair_line", pair=pair_label(e)),
            ),
        ],
        _section(
            t,
            "stalled",
            data.stalled,
            lambda e: t(
                "reminders.digest.stalled_line", name=e[0], title=title(e[1]), days=ago(e[2])
            ),
        ),
        _section(
            t,
            "disputed",
            data.disputed,
            lambda e: t(
                "reminders.digest.disputed_line",
                pair=pair_label(e[0]),
                date=day_month(t, e[1].astimezone(tz).date()),
            ),
        ),
    ]
    return "\n\n".join("\n".join(block) for block in blocks)
