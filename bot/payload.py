"""Button payloads: short, parsed strictly, never trusted.

`<rev>:<action>:<arg>` belongs to the dialog step stamped with revision `rev`; a press
with another revision is stale. `m:<action>:<arg>` is a menu action valid at any time
(the server still checks who may use it). Telegram allows 64 bytes, VK 255 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
MENU = "m"
UNSTAMPED = "@"  # replaced by the dialog's revision once the handler has finished
_PATTERN = re.compile(r"^(m|\d{1,9}):([a-z][a-z0-9_]{0,15}):([A-Za-z0-9_.\-]{0,32})$")


@dataclass(frozen=True, slots=True)
class Payload:
    scope: str  # "m" or a revision number
    action: str
    arg: str

    @property
    def is_menu(self) -> bool:
        return self.scope == MENU

    @property
    def revision(self) -> int | None:
        return None if self.is_menu else int(self.scope)


def encode(scope: str, action: str, arg: str = "") -> str:
    value = f"{scope}:{action}:{arg}"
    if not _PATTERN.match(value.replace(UNSTAMPED, "0", 1)) or len(value.encode()) > MAX_BYTES:
        raise ValueError(f"invalid payload {value!r}")
    return value


def decode(raw: str | None) -> Payload | None:
    """The payload, or None for anything malformed (forged, truncated, foreign)."""
    if not raw or len(raw) > MAX_BYTES:
        return None
    match = _PATTERN.match(raw)
    if match is None:
        return None
    return Payload(*match.groups())


def stamp(raw: str, revision: int) -> str:
    if raw.startswith(UNSTAMPED + ":"):
        return f"{revision}{raw[1:]}"
    return raw
