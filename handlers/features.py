"""Imports every module that registers menu actions or form hooks, so the dispatcher sees
them all. A new area of the product adds one line here."""

from handlers import (
    announcements,
    applications,
    assignment,
    audit_export,
    digest,
    mastermind_private,
    meetings,
    pair_cards,
    pair_documents,
    pair_lifecycle,
    pairs_curator,
    pairs_group,
    pairs_participant,
    privacy,
    reminders,
    review,
)

__all__ = [
    "announcements",
    "applications",
    "assignment",
    "audit_export",
    "digest",
    "mastermind_private",
    "meetings",
    "pair_cards",
    "pair_documents",
    "pair_lifecycle",
    "pairs_curator",
    "pairs_group",
    "pairs_participant",
    "privacy",
    "reminders",
    "review",
]
