"""The pair's work (stages 6–7): meetings logged and confirmed, planned meetings with a
calendar file, the individual plan, monitoring questionnaires, the pair's card and its
closing. Importing this module registers their menu actions, flows and form hooks."""

from handlers import (
    meeting_confirm,
    meeting_log,
    meeting_plan,
    monitoring,
    monitoring_view,
    pair_close,
    pair_plan,
    pair_work,
)

__all__ = [
    "meeting_confirm",
    "meeting_log",
    "meeting_plan",
    "monitoring",
    "monitoring_view",
    "pair_close",
    "pair_plan",
    "pair_work",
]
