"""Monitoring questionnaires of a pair (stage 2 of the monitoring): the entry one when the
pair starts, the exit one after the final meeting with the same item ids so the two
compare, then a short satisfaction survey. Files in locales/<lang>/questionnaires/, asked
by the questionnaire runner; each response carries its pair in `context`.

Each side answers only for themselves: the runner loads a response only for its own
person, and no participant's screen shows answers. Curators read them in
handlers/monitoring_view.py."""

from __future__ import annotations

from bot import forms
from bot.context import Context
from domain import meetings as meeting_rules
from handlers import menu
from handlers.meeting_common import PARTICIPANTS, WORKED, Seat, current_mentees, seat
from handlers.notify import tell, tell_curators, translator_for
from handlers.pair_common import refuse, title
from handlers.questionnaire import HOOKS, open_form
from storage import meetings, responses
from storage.models import Pair, Response

STAGES = {"entry": meetings.ENTRY, "exit": meetings.EXIT, "final": meetings.SATISFACTION}
STAGE_OF = {form: stage for stage, form in STAGES.items()}


async def ask_entry(ctx: Context, pair: Pair) -> None:
    """The pair was approved: each side gets the entry questionnaire's button."""
    people = [*([pair.mentor_person_id] if pair.mentor_person_id else [])]
    people += list(await current_mentees(ctx, pair))
    await _invite(ctx, pair.id, people, "entry", "meetings.monitoring.entry_invite")


async def ask_exit(ctx: Context, found: Seat, skip: tuple[int, ...] = ()) -> None:
    """After the final meeting (or when the pair is closed): the exit questionnaire to
    each side who has not answered it yet (`skip`: the one the button is shown to anyway)."""
    exits = await meetings.pair_responses(ctx.session, found.pair, found.people, [meetings.EXIT])
    answered = {r.person_id for r in exits if r.status == responses.SUBMITTED}
    people = [p for p in found.people if p not in answered and p not in skip]
    await _invite(ctx, found.pair.id, people, "exit", "meetings.monitoring.exit_invite")


async def _invite(ctx: Context, pair_id: int, people: list[int], stage: str, key: str) -> None:
    for person in people:
        t = await translator_for(ctx, person)
        button = ctx.menu_button(t(f"meetings.btn.{stage}"), "mform", f"{stage}.{pair_id}")
        await tell(ctx, person, t(key), [[button]])


@menu.action("mform", roles=PARTICIPANTS)
async def _fill(ctx: Context, arg: str) -> None:
    """`<stage>.<pair>`: the presser's own questionnaire for a pair they are in."""
    stage, _, pair_arg = arg.partition(".")
    if stage not in STAGES:
        return refuse(ctx, "monitoring", arg)
    found = await seat(ctx, pair_arg, "monitoring", WORKED)
    if found is None:
        return
    if stage != "entry" and found.pair.status == "active":
        held = await meetings.held_kinds(ctx.session, found.pair.id)
        if meeting_rules.FINAL not in held:
            ctx.say(ctx.t("meetings.monitoring.too_early"))
            return await menu.show_menu(ctx)
    await open_pair_form(ctx, STAGES[stage], found)


async def open_pair_form(ctx: Context, form_id: str, found: Seat) -> None:
    assert ctx.person is not None
    me = ctx.person.id
    mine = await meetings.pair_responses(ctx.session, found.pair, [me], [form_id])
    if any(r.status == responses.SUBMITTED for r in mine):
        ctx.say(ctx.t("meetings.monitoring.already"))
        return await menu.show_menu(ctx)
    # The runner resumes the newest unfinished response of a form: another pair's, if a
    # mentor with two pairs left one open; that one is finished first.
    open_one = await responses.latest(ctx.session, me, form_id, [responses.IN_PROGRESS])
    other = open_one.context.get("pair") if open_one is not None else None
    if other not in (None, found.pair.id):
        ctx.say(ctx.t("meetings.monitoring.other_pair_first", id=other))
    await open_form(ctx, form_id, found.pair.organization_id)
    response = await ctx.session.get(Response, int(ctx.data.get("resp", 0)))
    if response is not None and not response.context.get("pair"):
        response.context = {"pair": found.pair.id}


async def _seat_of(ctx: Context, response: Response) -> Seat | None:
    return await seat(ctx, str(response.context.get("pair", "")), "monitoring", WORKED)


async def _entry_done(ctx: Context, response: Response, resubmit: bool) -> None:
    ctx.say(forms.version(response.questionnaire, response.locale, response.version).outro)
    await menu.show_menu(ctx)


async def _exit_done(ctx: Context, response: Response, resubmit: bool) -> None:
    found = await _seat_of(ctx, response)
    if found is None:
        return
    if not resubmit:
        await _tell_curators_if_everyone(ctx, found)
    done = await meetings.pair_responses(
        ctx.session, found.pair, [response.person_id or -1], [meetings.SATISFACTION]
    )
    if any(r.status == responses.SUBMITTED for r in done):
        ctx.say(ctx.t("meetings.monitoring.all_done"))
        return await menu.show_menu(ctx)
    ctx.say(ctx.t("meetings.monitoring.satisfaction_next"))
    await open_pair_form(ctx, meetings.SATISFACTION, found)


async def _tell_curators_if_everyone(ctx: Context, found: Seat) -> None:
    exits = await meetings.pair_responses(ctx.session, found.pair, found.people, [meetings.EXIT])
    answered = {r.person_id for r in exits if r.status == responses.SUBMITTED}
    if not set(found.people) <= answered:
        return
    heading = await title(ctx, found.pair)
    pair_id = str(found.pair.id)
    await tell_curators(
        ctx,
        found.pair.organization_id,
        lambda t: (
            t("meetings.monitoring.curator_ready", title=heading),
            [[ctx.menu_button(t("meetings.btn.close"), "pclose", pair_id)]],
        ),
    )


async def _satisfaction_done(ctx: Context, response: Response, resubmit: bool) -> None:
    ctx.say(forms.version(response.questionnaire, response.locale, response.version).outro)
    await menu.show_menu(ctx)


HOOKS[meetings.ENTRY] = _entry_done
HOOKS[meetings.EXIT] = _exit_done
HOOKS[meetings.SATISFACTION] = _satisfaction_done
