"""The questionnaire runner: one question a message, every answer saved at once.

Steps: `ask` (data `q` = question id), `summary` (check and submit), `pick` (which answer
to change). The response row holds the answers; the dialog state only says where we are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot import forms
from bot.context import Context
from bot.events import Button
from bot.i18n import Translator
from domain.questionnaire import (
    Answer,
    InvalidAnswer,
    QType,
    Question,
    Questionnaire,
    check_choice,
    parse_typed,
)
from handlers.keyboards import option_keyboard
from storage import responses
from storage.models import Response

FLOW = "form"
SubmitHook = Callable[[Context, Response, bool], Awaitable[None]]
HOOKS: dict[str, SubmitHook] = {}  # form id → what happens after submitting (resubmit flag)
SUMMARY_ANSWER_MAX = 80


async def open_form(ctx: Context, form_id: str, org_id: int | None) -> None:
    """Resume the person's unfinished response to `form_id`, or begin a new one."""
    assert ctx.person is not None
    response = await responses.latest(ctx.session, ctx.person.id, form_id, [responses.IN_PROGRESS])
    fresh = response is None
    if response is None:
        form = forms.current(form_id, ctx.t.locale)
        response = responses.create(
            ctx.session,
            person_id=ctx.person.id,
            organization_id=org_id,
            form_id=form_id,
            version=form.version,
            locale=ctx.t.locale,
            now=ctx.now,
        )
        await ctx.session.flush()
    form = forms.version(form_id, response.locale, response.version)
    ctx.reset()
    ctx.goto(FLOW, "ask")
    ctx.remember("resp", response.id)
    ctx.say(form.intro if fresh else ctx.t("form.resumed", title=form.title))
    await _next(ctx, response, form)


async def review(ctx: Context, response: Response) -> None:
    """Show a submitted response's answers with the way to change them."""
    ctx.reset()
    ctx.goto(FLOW, "summary")
    ctx.remember("resp", response.id)
    ctx.remember("resubmit", True)
    await QuestionnaireFlow().prompt(ctx)


class QuestionnaireFlow:
    name = FLOW

    async def _load(self, ctx: Context) -> tuple[Response, Questionnaire] | None:
        response = await responses.get(ctx.session, int(ctx.data.get("resp", 0)))
        if response is None or ctx.person is None or response.person_id != ctx.person.id:
            ctx.reset()
            return None
        return response, forms.version(response.questionnaire, response.locale, response.version)

    async def prompt(self, ctx: Context, edit: bool = False) -> None:
        loaded = await self._load(ctx)
        if loaded is None:
            ctx.say(ctx.t("common.stale_button"))
            return
        response, form = loaded
        if ctx.state.step == "summary":
            return self._summary(ctx, response, form)
        if ctx.state.step == "pick":
            return self._pick(ctx, response, form, edit)
        question = form.question(str(ctx.data.get("q")))
        if question is None:
            return await _next(ctx, response, form)
        _ask(ctx, response, form, question, edit)

    async def on_text(self, ctx: Context, text: str) -> None:
        loaded = await self._load(ctx)
        if loaded is None:
            return
        response, form = loaded
        question = form.question(str(ctx.data.get("q")))
        if ctx.state.step != "ask" or question is None:
            ctx.say(ctx.t("common.use_buttons"))
            return await self.prompt(ctx)
        try:
            if question.type is QType.SCALE:  # a scale also takes a typed number
                value: Answer = check_choice(question, int(text) if text.strip().isdigit() else -1)
            else:
                value = parse_typed(question, text, ctx.now.date())
        except InvalidAnswer as invalid:
            return await self._refuse(ctx, question, invalid)
        await _store(ctx, response, form, question, value)

    async def _refuse(self, ctx: Context, question: Question, invalid: InvalidAnswer) -> None:
        """Say why, and ask the same question again; nothing is stored."""
        ctx.say("⚠️ " + ctx.t(f"form.errors.{invalid.key}", **invalid.values))
        await self.prompt(ctx)

    async def on_button(self, ctx: Context, action: str, arg: str) -> None:
        loaded = await self._load(ctx)
        if loaded is None:
            ctx.say(ctx.t("common.stale_button"))
            return
        response, form = loaded
        step = ctx.state.step
        if step == "summary":
            return await self._summary_button(ctx, response, form, action)
        if step == "pick":
            if action == "pick" and arg.isdigit():
                visible = form.visible(response.answers)
                if int(arg) < len(visible):
                    ctx.remember("from_summary", True)
                    return _goto_question(ctx, response, form, visible[int(arg)])
            if action == "pg" and arg.isdigit():
                ctx.remember("page", int(arg))
                return self._pick(ctx, response, form, edit=True)
            return await self._stale(ctx)
        question = form.question(str(ctx.data.get("q")))
        if question is None:
            return await self._stale(ctx)
        await self._answer_button(ctx, response, form, question, action, arg)

    async def _answer_button(
        self,
        ctx: Context,
        response: Response,
        form: Questionnaire,
        question: Question,
        action: str,
        arg: str,
    ) -> None:
        try:
            if action == "opt" and question.type is QType.SINGLE and arg.isdigit():
                index = int(arg)
                if index >= len(question.options):
                    raise InvalidAnswer("use_buttons")
                value: Answer = check_choice(question, question.options[index].id)
            elif action == "tog" and question.type is QType.MULTI and arg.isdigit():
                return self._toggle(ctx, response, form, question, int(arg))
            elif action == "done" and question.type is QType.MULTI:
                value = check_choice(question, list(ctx.data.get("sel", [])))
            elif action == "sc" and question.type is QType.SCALE and arg.isdigit():
                value = check_choice(question, int(arg))
            elif action == "yn" and question.type is QType.YESNO and arg in ("0", "1"):
                value = arg == "1"
            elif action == "skip" and not question.required:
                return await _skip(ctx, response, form, question)
            elif action == "pg" and arg.isdigit():
                ctx.remember("page", int(arg))
                return _ask(ctx, response, form, question, edit=True)
            elif action == "sum":
                return _to_summary(ctx, response, form)
            else:
                return await self._stale(ctx)
        except InvalidAnswer as invalid:
            return await self._refuse(ctx, question, invalid)
        await _store(ctx, response, form, question, value)

    def _toggle(
        self, ctx: Context, response: Response, form: Questionnaire, question: Question, index: int
    ) -> None:
        if index >= len(question.options):
            ctx.say(ctx.t("common.stale_button"))
            return _ask(ctx, response, form, question)
        option = question.options[index].id
        selected = list(ctx.data.get("sel", []))
        if option in selected:
            selected.remove(option)
        else:
            low, high = question.bounds()
            if len(selected) >= high:
                ctx.say(ctx.t("form.errors.choose_count", min=low, max=high))
                return _ask(ctx, response, form, question)
            selected.append(option)
        ctx.remember("sel", [o.id for o in question.options if o.id in selected])
        _ask(ctx, response, form, question, edit=True)  # ✅ marks change in place

    async def _summary_button(
        self, ctx: Context, response: Response, form: Questionnaire, action: str
    ) -> None:
        if action == "submit":
            return await _submit(ctx, response, form)
        if action == "edit":
            ctx.goto(FLOW, "pick")
            ctx.remember("page", 0)
            return self._pick(ctx, response, form)
        if action == "withdraw" and ctx.data.get("resubmit"):
            return await _withdraw(ctx, response)
        await self._stale(ctx)

    async def _stale(self, ctx: Context) -> None:
        ctx.say(ctx.t("common.stale_button"))
        await self.prompt(ctx)

    async def on_back(self, ctx: Context) -> None:
        loaded = await self._load(ctx)
        if loaded is None:
            return
        response, form = loaded
        step = ctx.state.step
        if step == "pick" or (step == "ask" and ctx.data.get("from_summary")):
            return _to_summary(ctx, response, form)
        if step == "summary":
            if ctx.data.get("resubmit"):
                ctx.say(ctx.t("common.first_step"))
                return self._summary(ctx, response, form)
            last = form.visible(response.answers)[-1]
            return _goto_question(ctx, response, form, last)
        previous = form.previous(str(ctx.data.get("q")), response.answers)
        if previous is None:
            ctx.say(ctx.t("common.first_step"))
            return await self.prompt(ctx)
        _goto_question(ctx, response, form, previous)

    def _summary(self, ctx: Context, response: Response, form: Questionnaire) -> None:
        lines = [ctx.t("form.summary_title", title=form.title)]
        for number, question in enumerate(form.visible(response.answers), start=1):
            shown = display(ctx.t, question, response.answers.get(question.id))
            lines.append(f"{number}. {question.text} — {shown}")
        resubmit = bool(ctx.data.get("resubmit"))
        rows = [
            [ctx.button(ctx.t("form.resubmit" if resubmit else "form.submit"), "submit")],
            [ctx.button(ctx.t("form.change"), "edit")],
        ]
        if resubmit:
            rows.append([ctx.button(ctx.t("form.withdraw"), "withdraw")])
        rows.append(ctx.nav_row(back=not resubmit))
        lines.append(ctx.t("form.summary_question"))
        ctx.say("\n".join(lines), rows)

    def _pick(
        self, ctx: Context, response: Response, form: Questionnaire, edit: bool = False
    ) -> None:
        visible = form.visible(response.answers)
        labels = [f"{n}. {q.text}" for n, q in enumerate(visible, start=1)]
        page = int(ctx.data.get("page", 0))
        rows = option_keyboard(ctx, labels, "pick", page, [], ctx.nav_row())
        ctx.say(ctx.t("form.pick_question"), rows, edit=edit)


def display(t: Translator, question: Question, value: Answer | None) -> str:
    """An answer as a person reads it."""
    if value is None:
        return t("form.skipped")
    if question.type is QType.SINGLE:
        option = question.option(str(value))
        return option.label if option else str(value)
    if question.type is QType.MULTI and isinstance(value, list):
        return ", ".join(o.label for o in question.options if o.id in value)
    if question.type is QType.YESNO:
        return t("form.yes") if value else t("form.no")
    if question.type is QType.SCALE:
        return t("form.scale_value", value=value, max=question.bounds()[1])
    if question.type is QType.DATE:
        year, month, day = str(value).split("-")
        return f"{day}.{month}.{year}"
    text = str(value)
    return text if len(text) <= SUMMARY_ANSWER_MAX else text[: SUMMARY_ANSWER_MAX - 1] + "…"


def _goto_question(
    ctx: Context, response: Response, form: Questionnaire, question: Question
) -> None:
    ctx.goto(FLOW, "ask")
    ctx.remember("q", question.id)
    ctx.remember("page", 0)
    current = response.answers.get(question.id)
    ctx.remember("sel", list(current) if isinstance(current, list) else [])
    _ask(ctx, response, form, question)


def _ask(
    ctx: Context, response: Response, form: Questionnaire, question: Question, edit: bool = False
) -> None:
    number, total = form.progress(question.id, response.answers)
    lines = [ctx.t("form.progress", n=number, total=total), question.text]
    nav: list[Button] = []
    first = form.previous(question.id, response.answers) is None
    if ctx.data.get("from_summary"):
        nav.append(ctx.button(ctx.t("form.to_summary"), "sum"))
    elif not first:
        nav.append(ctx.button(ctx.t("common.back"), "back"))
    if not question.required:
        nav.append(ctx.button(ctx.t("form.skip"), "skip"))
    nav.append(ctx.button(ctx.t("common.cancel"), "cancel"))
    rows = _answer_rows(ctx, question, nav)
    if question.type.typed or (question.type is QType.SCALE and len(rows) == 1):
        low, high = question.bounds()
        lines.append(question.hint or ctx.t(f"form.hint.{question.type.value}", min=low, max=high))
    elif question.hint:
        lines.append(question.hint)
    current = response.answers.get(question.id)
    if current is not None and question.type.typed:
        lines.append(ctx.t("form.current_answer", answer=display(ctx.t, question, current)))
    ctx.say("\n".join(lines), rows, edit=edit)


def _answer_rows(ctx: Context, question: Question, nav: list[Button]) -> list[list[Button]]:
    """The whole keyboard of a question: its answers, then `nav`."""
    page = int(ctx.data.get("page", 0))
    if question.type is QType.SINGLE:
        labels = [o.label for o in question.options]
        return option_keyboard(ctx, labels, "opt", page, [], nav)
    if question.type is QType.MULTI:
        selected = set(ctx.data.get("sel", []))
        labels = [("✅ " if o.id in selected else "") + o.label for o in question.options]
        done = [ctx.button(ctx.t("form.done"), "done")]
        return option_keyboard(ctx, labels, "tog", page, done, nav)
    if question.type is QType.SCALE:
        low, high = question.bounds()
        values = list(range(low, high + 1))
        rows = [
            [ctx.button(str(v), "sc", str(v)) for v in values[i : i + 5]]
            for i in range(0, len(values), 5)
        ]
        if len(values) + len(nav) > ctx.max_buttons or len(rows) + 1 > ctx.max_rows:
            return [nav]  # too many for this platform: the number is typed instead
        return [*rows, nav]
    if question.type is QType.YESNO:
        yes_no = [ctx.button(ctx.t("form.yes"), "yn", "1"), ctx.button(ctx.t("form.no"), "yn", "0")]
        return [yes_no, nav]
    return [nav]


async def _store(
    ctx: Context, response: Response, form: Questionnaire, question: Question, value: Answer
) -> None:
    answers = {**response.answers, question.id: value}
    skipped = [i for i in response.skipped.get("ids", []) if i != question.id]
    await responses.save_answers(ctx.session, response, answers, {"ids": skipped}, ctx.now)
    await _next(ctx, response, form)


async def _skip(ctx: Context, response: Response, form: Questionnaire, question: Question) -> None:
    answers = {k: v for k, v in response.answers.items() if k != question.id}
    skipped = {"ids": sorted({*response.skipped.get("ids", []), question.id})}
    await responses.save_answers(ctx.session, response, answers, skipped, ctx.now)
    await _next(ctx, response, form)


async def _next(ctx: Context, response: Response, form: Questionnaire) -> None:
    question = form.next_unanswered(response.answers, set(response.skipped.get("ids", [])))
    if question is None:
        return _to_summary(ctx, response, form)
    _goto_question(ctx, response, form, question)


def _to_summary(ctx: Context, response: Response, form: Questionnaire) -> None:
    ctx.goto(FLOW, "summary")
    ctx.forget("q", "sel", "page", "from_summary")
    QuestionnaireFlow()._summary(ctx, response, form)


async def _submit(ctx: Context, response: Response, form: Questionnaire) -> None:
    answers = form.relevant(response.answers)
    skipped = set(response.skipped.get("ids", []))
    missing = [q for q in form.visible(answers) if q.required and q.id not in answers]
    if missing:
        ctx.say(ctx.t("form.missing"))
        ctx.remember("from_summary", True)
        return _goto_question(ctx, response, form, missing[0])
    resubmit = bool(ctx.data.get("resubmit"))
    response.answers = answers
    response.skipped = {"ids": sorted(skipped & {q.id for q in form.visible(answers)})}
    response.status = responses.SUBMITTED
    response.submitted_at = ctx.now
    response.updated_at = ctx.now
    ctx.reset()
    hook = HOOKS.get(response.questionnaire)
    if hook is not None:
        await hook(ctx, response, resubmit)
    else:
        ctx.say(form.outro)


async def _withdraw(ctx: Context, response: Response) -> None:
    response.status = responses.WITHDRAWN
    response.updated_at = ctx.now
    ctx.reset()
    ctx.say(ctx.t("form.withdrawn"))
    hook = HOOKS.get(f"{response.questionnaire}:withdrawn")
    if hook is not None:
        await hook(ctx, response, False)
