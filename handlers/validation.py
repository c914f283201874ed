"""Checks of free-text answers shared by flows."""

from __future__ import annotations

import re

_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*\.?$")


def clean_name(text: str) -> str | None:
    """A person's name as typed (letters, spaces, hyphens), or None if it is not one."""
    name = " ".join(text.split())
    if not 2 <= len(name) <= 100 or not _NAME.match(name):
        return None
    return name
