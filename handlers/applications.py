"""Mentee requests and mentor nominations: the applicant's side, and the card that goes
to the organization's curators when one is submitted."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import forms, payload
from bot.context import Context
from bot.events import Button
from bot.i18n import Translator
from domain import rules
from handlers import menu
from handlers.notify import tell_curators
from handlers.questionnaire import HOOKS, display, open_form, review
from storage import people, responses
from storage.models import Consent, ParentCode, Person, Response

MENTEE_FORM, MENTOR_FORM = "mentee_request", "mentor_nomination"
FORM_OF_ROLE = {"mentee": MENTEE_FORM, "mentor": MENTOR_FORM}
CHANGEABLE = (responses.SUBMITTED, responses.NEEDS_INFO, responses.PENDING_PARENT)
CARD_FIELDS = {
    MENTEE_FORM: ("who", "class_group", "position_subject", "birth_year", "areas", "goal"),
    MENTOR_FORM: ("who", "workplace", "experience_years", "competencies", "capacity"),
}


async def _org_for(ctx: Context, role: str) -> int | None:
    for participation in await menu.roles_of(ctx):
        if participation.role == role:
            return participation.organization_id
    return None


async def _my_application(ctx: Context, role: str) -> None:
    assert ctx.person is not None
    form_id = FORM_OF_ROLE[role]
    org_id = await _org_for(ctx, role)
    response = await responses.latest(ctx.session, ctx.person.id, form_id)
    if response is None or response.status == responses.IN_PROGRESS:
        return await open_form(ctx, form_id, org_id)
    status = ctx.t(f"status.{response.status}")
    rows = []
    if response.status in CHANGEABLE:
        rows.append([ctx.menu_button(ctx.t("form.view_change"), "myresp", str(response.id))])
    if response.status == responses.PENDING_PARENT:
        rows.append([ctx.menu_button(ctx.t("parent.new_code"), "pcode", str(response.id))])
    rows.append([ctx.menu_button(ctx.t("menu.back_to_menu"), "menu")])
    ctx.say(
        ctx.t("form.status_line", title=forms.current(form_id, ctx.t.locale).title, status=status),
        rows,
    )


@menu.action("request", roles=frozenset({"mentee"}), label_key="menu.request", order=10)
async def _request(ctx: Context, arg: str) -> None:
    await _my_application(ctx, "mentee")


@menu.action("nomination", roles=frozenset({"mentor"}), label_key="menu.nomination", order=10)
async def _nomination(ctx: Context, arg: str) -> None:
    await _my_application(ctx, "mentor")


async def own_response(ctx: Context, arg: str) -> Response | None:
    """The person's own response named by a button, or None (forged or someone else's)."""
    if not arg.isdigit() or ctx.person is None:
        return None
    response = await ctx.session.get(Response, int(arg))
    if response is None or response.person_id != ctx.person.id:
        return None
    return response


async def changeable_response(ctx: Context, arg: str) -> Response | None:
    """The person's own response that may still change; else says so and shows the menu."""
    response = await own_response(ctx, arg)
    if response is None or response.status not in CHANGEABLE:
        ctx.say(ctx.t("common.stale_button"))
        await menu.show_menu(ctx)
        return None
    return response


@menu.action("myresp")
async def _view_change(ctx: Context, arg: str) -> None:
    response = await changeable_response(ctx, arg)
    if response is not None:
        await review(ctx, response)


@menu.action("pcode")
async def _new_parent_code(ctx: Context, arg: str) -> None:
    response = await own_response(ctx, arg)
    if response is None or response.status != responses.PENDING_PARENT:
        ctx.say(ctx.t("common.stale_button"))
        return await menu.show_menu(ctx)
    await _issue_parent_code(ctx, response)


async def _issue_parent_code(ctx: Context, response: Response) -> None:
    assert ctx.person is not None
    code = people.new_code()
    ctx.session.add(
        ParentCode(
            code=code,
            child_person_id=ctx.person.id,
            response_id=response.id,
            expires_at=ctx.now + timedelta(days=rules.PARENT_CODE_DAYS),
            used_at=None,
            used_by_person_id=None,
            created_at=ctx.now,
        )
    )
    ctx.say(ctx.t("parent.code_for_child", code=code, days=rules.PARENT_CODE_DAYS))


# -- after submitting -------------------------------------------------------------


async def _mentee_submitted(ctx: Context, response: Response, resubmit: bool) -> None:
    birth_year = response.answers.get("birth_year")
    year = birth_year if isinstance(birth_year, int) else None
    if rules.needs_parent_consent(year, ctx.now.date()) and not await has_parent_consent(
        ctx, response
    ):
        response.status = responses.PENDING_PARENT
        ctx.say(ctx.t("parent.needed"))
        await _issue_parent_code(ctx, response)
    else:
        ctx.say(forms.version(MENTEE_FORM, response.locale, response.version).outro)
    await send_card(ctx, response, "card.resubmitted" if resubmit else "card.new")
    await menu.show_menu(ctx)


async def _mentor_submitted(ctx: Context, response: Response, resubmit: bool) -> None:
    if not rules.valid_capacity(response.answers.get("capacity")):
        # The form offers 1–3 only; this guards every other path to the same table.
        response.status = responses.IN_PROGRESS
        ctx.say(ctx.t("form.errors.capacity", max=rules.MAX_MENTEES_PER_MENTOR))
        return await open_form(ctx, MENTOR_FORM, response.organization_id)
    ctx.say(forms.version(MENTOR_FORM, response.locale, response.version).outro)
    await send_card(ctx, response, "card.resubmitted" if resubmit else "card.new")
    await menu.show_menu(ctx)


async def _withdrawn(ctx: Context, response: Response, resubmit: bool) -> None:
    await send_card(ctx, response, "card.withdrawn", with_actions=False)
    await menu.show_menu(ctx)


async def has_parent_consent(ctx: Context, response: Response) -> bool:
    query = select(Consent.id).where(
        Consent.person_id == response.person_id,
        Consent.kind == "parental",
        Consent.given.is_(True),
        Consent.withdrawn_at.is_(None),
    )
    return (await ctx.session.scalars(query)).first() is not None


HOOKS[MENTEE_FORM] = _mentee_submitted
HOOKS[MENTOR_FORM] = _mentor_submitted
HOOKS[f"{MENTEE_FORM}:withdrawn"] = _withdrawn
HOOKS[f"{MENTOR_FORM}:withdrawn"] = _withdrawn


# -- the curator's card ----------------------------------------------------------------


def card_text(t: Translator, response: Response, person: Person | None, headline: str) -> str:
    form = forms.version(response.questionnaire, response.locale, response.version)
    name = person.full_name if person and person.full_name else "—"
    lines = [t(headline, form=t(f"forms.{response.questionnaire}")), name]
    for field in CARD_FIELDS.get(response.questionnaire, ()):
        question = form.question(field)
        value = response.answers.get(field)
        if question is not None and value is not None:
            lines.append(f"{question.text} {display(t, question, value)}")
    reply = response.context.get("reply")
    if reply:
        lines.append(t("card.reply", text=reply))
    lines.append(t("card.status", status=t(f"status.{response.status}")))
    return "\n".join(lines)


def card_buttons(t: Translator, response: Response) -> list[list[Button]]:
    def button(key: str, action: str) -> Button:
        return Button(t(key), payload.encode(payload.MENU, action, str(response.id)))

    rows = [
        [button("card.approve", "appr"), button("card.reject", "rej")],
        [button("card.clarify", "clar")],
        [button("card.all_answers", "full")],
    ]
    if response.status == responses.PENDING_PARENT:
        rows.insert(0, [button("card.paper_consent", "paper")])
    return rows


async def send_card(
    ctx: Context, response: Response, headline: str, with_actions: bool = True
) -> None:
    if response.organization_id is None:
        return
    person = await ctx.session.get(Person, response.person_id) if response.person_id else None

    def compose(t: Translator) -> tuple[str, list[list[Button]]]:
        buttons = card_buttons(t, response) if with_actions else []
        return card_text(t, response, person, headline), buttons

    await tell_curators(ctx, response.organization_id, compose)
