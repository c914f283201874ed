#!/usr/bin/env bash
# Sets up and runs the bot. With no messenger token configured: the console demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m bot "$@"
