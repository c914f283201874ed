"""Keyboards that fit every platform: long lists page where a platform holds few buttons
(a VK inline keyboard: 10 buttons in at most 6 rows)."""

from __future__ import annotations

from bot.context import Context
from bot.events import Button

LABEL_MAX = 30  # phones cut longer labels; VK refuses over 40


def short(label: str, limit: int = LABEL_MAX) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def option_keyboard(
    ctx: Context,
    labels: list[str],
    action: str,
    page: int,
    controls: list[Button],
    nav: list[Button],
) -> list[list[Button]]:
    """One option a row (the arg of each is its index in `labels`), then a row of
    `controls` («Готово»), then `nav`. When that does not fit the platform, a page of
    options and «‹» / «Ещё ›» beside the controls."""
    tail = [row for row in (controls, nav) if row]
    every = [[ctx.button(short(label), action, str(i))] for i, label in enumerate(labels)]
    buttons = len(labels) + len(controls) + len(nav)
    if buttons <= ctx.max_buttons and len(labels) + len(tail) <= ctx.max_rows:
        return [*every, *tail]
    control_rows = 1 + (1 if nav else 0)  # paging shares the controls' row
    per_page = max(
        1, min(ctx.max_buttons - len(controls) - len(nav) - 2, ctx.max_rows - control_rows)
    )
    pages = (len(labels) + per_page - 1) // per_page
    page = min(max(page, 0), pages - 1)
    start = page * per_page
    turn = []
    if page > 0:
        turn.append(ctx.button("‹", "pg", str(page - 1)))
    if page < pages - 1:
        turn.append(ctx.button(ctx.t("form.more"), "pg", str(page + 1)))
    rows = every[start : start + per_page]
    rows.append([*turn, *controls])
    if nav:
        rows.append(nav)
    return rows
