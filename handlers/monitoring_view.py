"""What curators read of the monitoring: a pair's questionnaires (each side's answers,
exit beside entry), the program's entry → exit averages, and their own SWOT analysis.
Curators only, of the response's own organization; a participant never gets here."""

from __future__ import annotations

from bot import forms
from bot.context import Context
from domain.questionnaire import QType
from handlers import menu
from handlers.keyboards import short
from handlers.meeting_common import CURATOR, current_mentees
from handlers.pair_common import (
    audit,
    curated_pair,
    curator_org,
    fmt,
    local_today,
    paged,
    refuse,
)
from handlers.questionnaire import HOOKS, display, open_form
from storage import meetings, pairs, responses
from storage.models import Organization, Pair, Response

SWOT = "curator_swot"
VIEWABLE = (*meetings.PAIR_FORMS, SWOT)
SHOWN = (responses.IN_PROGRESS, responses.SUBMITTED)


@menu.action("pforms", roles=CURATOR)
async def _pair_forms(ctx: Context, arg: str) -> None:
    """`<pair>` or `<pair>.<page>`: the pair's questionnaires, one button each."""
    pair_arg, _, page = arg.partition(".")
    found = await curated_pair(ctx, pair_arg, "pair_forms")
    if found is None:
        return
    pair, _org = found
    people = [*([pair.mentor_person_id] if pair.mentor_person_id else [])]
    people += list(await current_mentees(ctx, pair))
    shown = [
        r for r in await meetings.pair_responses(ctx.session, pair, people) if r.status in SHOWN
    ]
    names = await pairs.names_of(ctx.session, people)
    items = []
    for response in shown:
        label = ctx.t(
            "meetings.monitoring.form_button",
            form=ctx.t(f"meetings.monitoring.form_names.{response.questionnaire}"),
            name=names.get(response.person_id or -1, "—"),
        )
        if response.status != responses.SUBMITTED:
            label = "⏳ " + label
        items.append(ctx.menu_button(short(label, 40), "mans", str(response.id)))
    rows = paged(
        ctx,
        items,
        int(page) if page.isdigit() else 0,
        lambda p, label: ctx.menu_button(label, "pforms", f"{pair.id}.{p}"),
        [[ctx.menu_button(ctx.t("meetings.btn.to_pair"), "pwork", str(pair.id))]],
    )
    key = "forms_title" if shown else "forms_none"
    ctx.say(ctx.t(f"meetings.monitoring.{key}", id=pair.id), rows)


@menu.action("mans", roles=CURATOR)
async def _answers(ctx: Context, arg: str) -> None:
    """One response, read by a curator of its organization (checked here, not trusted
    from the button)."""
    response = await ctx.session.get(Response, int(arg)) if arg.isdigit() else None
    curated = {o.id for o in await menu.curated_orgs(ctx)}
    if (
        response is None
        or response.questionnaire not in VIEWABLE
        or response.organization_id not in curated
    ):
        return refuse(ctx, "view_answers", arg)
    audit(ctx, response.organization_id, "answers.viewed", response=response.id)
    form = forms.version(response.questionnaire, ctx.t.locale, response.version)
    before = await _entry_of(ctx, response)
    name = (await pairs.names_of(ctx.session, [response.person_id or -1])).get(
        response.person_id or -1, "—"
    )
    org = await ctx.session.get(Organization, response.organization_id)
    when = local_today(org, response.submitted_at or response.updated_at) if org else None
    lines = [
        ctx.t(
            "meetings.monitoring.answers_title",
            form=form.title,
            name=name,
            date=fmt(when),
        )
    ]
    if response.status != responses.SUBMITTED:
        lines[0] += " " + ctx.t("meetings.monitoring.in_progress")
    for n, question in enumerate(form.visible(response.answers), start=1):
        answer = display(ctx.t, question, response.answers.get(question.id))
        if before is not None and question.id in before.answers:
            earlier = display(ctx.t, question, before.answers[question.id])
            answer = ctx.t("meetings.monitoring.answer_compare", answer=answer, before=earlier)
        lines.append(
            ctx.t("meetings.monitoring.answer_line", n=n, question=question.text, answer=answer)
        )
    pair_id = response.context.get("pair")
    back = (
        ctx.menu_button(ctx.t("meetings.btn.forms"), "pforms", str(pair_id))
        if pair_id
        else ctx.menu_button(ctx.t("meetings.btn.menu"), "menu")
    )
    ctx.say("\n".join(lines), [[back]])


async def _entry_of(ctx: Context, response: Response) -> Response | None:
    """For an exit response: the same person's entry response for the same pair."""
    pair_id = response.context.get("pair")
    if response.questionnaire != meetings.EXIT or response.person_id is None or not pair_id:
        return None
    pair = await ctx.session.get(Pair, int(pair_id))
    if pair is None:
        return None
    found = await meetings.pair_responses(ctx.session, pair, [response.person_id], [meetings.ENTRY])
    return next((r for r in reversed(found) if r.status == responses.SUBMITTED), None)


@menu.action("monitor", roles=CURATOR, label_key="meetings.menu.monitor", order=27)
async def _summary(ctx: Context, arg: str) -> None:
    orgs = await menu.curated_orgs(ctx)
    for number, org in enumerate(orgs, start=1):
        text = await _org_summary(ctx, org)
        rows = [[ctx.menu_button(ctx.t("meetings.btn.swot"), "swot", str(org.id))]]
        if number == len(orgs):
            rows.append([ctx.menu_button(ctx.t("meetings.btn.menu"), "menu")])
        ctx.say(text, rows)


async def _org_summary(ctx: Context, org: Organization) -> str:
    done = responses.SUBMITTED
    entry = await meetings.org_responses(ctx.session, org.id, [meetings.ENTRY], done)
    exit_ = await meetings.org_responses(ctx.session, org.id, [meetings.EXIT], done)
    final = await meetings.org_responses(ctx.session, org.id, [meetings.SATISFACTION], done)
    lines = [
        ctx.t("meetings.monitoring.summary_title", org=org.name),
        ctx.t(
            "meetings.monitoring.summary_counts",
            entry=len(entry),
            exit=len(exit_),
            final=len(final),
        ),
    ]
    form = forms.current(meetings.EXIT, ctx.t.locale)
    scales = [q for q in form.questions if q.type is QType.SCALE]
    compared = []
    for question in scales:
        before, after = _mean(entry, question.id), _mean(exit_, question.id)
        if before is not None and after is not None:
            compared.append(
                ctx.t(
                    "meetings.monitoring.summary_line",
                    question=short(question.text, 60),
                    before=_number(ctx, before),
                    after=_number(ctx, after),
                )
            )
    if compared:
        lines += [ctx.t("meetings.monitoring.summary_compare"), *compared]
    else:
        lines.append(ctx.t("meetings.monitoring.summary_none"))
    overall = _mean(final, "overall")
    if overall is not None:
        value = _number(ctx, overall)
        lines.append(ctx.t("meetings.monitoring.summary_satisfaction", value=value))
    return "\n".join(lines)


def _mean(found: list[Response], question_id: str) -> float | None:
    values = [
        r.answers[question_id]
        for r in found
        if isinstance(r.answers.get(question_id), int)
        and not isinstance(r.answers.get(question_id), bool)
    ]
    return sum(values) / len(values) if values else None


def _number(ctx: Context, value: float) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if ctx.t.locale == "ru" else text


@menu.action("swot", roles=CURATOR)
async def _swot(ctx: Context, arg: str) -> None:
    org = await curator_org(ctx, arg, "swot")
    if org is None:
        return
    await open_form(ctx, SWOT, org.id)


async def _swot_done(ctx: Context, response: Response, resubmit: bool) -> None:
    ctx.say(ctx.t("meetings.monitoring.swot_done"))
    await menu.show_menu(ctx)


HOOKS[SWOT] = _swot_done
