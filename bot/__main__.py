"""`python -m bot` runs the bot; `python -m bot COMMAND` runs an administrative command."""

from __future__ import annotations

import sys

from bot.cli import main

sys.exit(main(sys.argv[1:]))
