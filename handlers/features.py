"""Imports every module that registers menu actions or form hooks, so the dispatcher sees
them all. A new area of the product adds one line here."""

from handlers import applications, digest, reminders, review

__all__ = ["applications", "digest", "reminders", "review"]
