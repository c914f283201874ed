#!/usr/bin/env bash
# Sets up and runs every check: ruff, then the whole test suite (unit and end-to-end
# against the Telegram and VK emulators on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
