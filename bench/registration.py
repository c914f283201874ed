"""Registration under load: N users at once through /start → consent → role → name → menu.

Runs the real bot (`python -m bot`, fresh SQLite) against the Telegram emulator, then a bare
aiogram echo bot (bench/echo_bot.py) through the same number of updates, and compares.

    python bench/registration.py --users 200

Each user is a small state machine: by default its next action (a text or a button press) is
injected as soon as the bot's reply to its previous one is recorded, so all N users stay in
flight (a closed loop: saturation throughput). With --rate R the users think between steps so
that R updates/s are offered in total (an open loop; both bots get the same load).
Latency of an action = emulator timestamp of the reply (sendMessage/editMessageText)
minus time.monotonic() just before the update was injected.

    python bench/registration.py --users 500 --rate 500 --skip-echo
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from harness import (  # first: puts the repository root on sys.path
    RATE_NOTE,
    ROOT,
    TOKEN,
    Driver,
    Figures,
    Step,
    User,
    add_load_arguments,
    check_load_arguments,
    load_from,
    measure,
    our_bot,
    registration_steps,
    stopped_at_exit,
    user_name,
)

from tests.e2e.process import BotProcess, base_env
from tests.emulators.telegram import TelegramEmulator

ECHO_SCRIPT = ROOT / "bench" / "echo_bot.py"

Scenario = Callable[[int], list[Step]]  # user number -> that user's steps


def echo_steps(number: int) -> list[Step]:
    """Same shape as the registration: text, press, press, text."""
    return [
        Step("text", "/start", ("Эхо: /start",)),
        Step("press", "Ещё раз", ("Нажато: echo:again",)),
        Step("press", "Ещё раз", ("Нажато: echo:again",)),
        Step("text", user_name(number), (f"Эхо: {user_name(number)}",)),
    ]


class EchoProcess(BotProcess):
    """bench/echo_bot.py with BotProcess's log handling and SIGTERM stop."""

    def start(self) -> EchoProcess:
        self._log_start = len(self.log())
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(ECHO_SCRIPT)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_for_log("echo bot started", 30)
        return self


def warm_and_measure(
    label: str,
    emulator: TelegramEmulator,
    process: BotProcess,
    scenario: Scenario,
    args: argparse.Namespace,
    profile: Path | None,
) -> Figures:
    driver = Driver(emulator, args.stall, args.seed)
    if args.warmup:  # first-use costs (imports, query compilation, pools) are not measured
        driver.run([User(900_000 + n, scenario(n)) for n in range(args.warmup)])
    users = [User(1_000 + n, scenario(n)) for n in range(args.users)]
    return measure(label, emulator, process, driver, users, profile, load_from(args))


def bench_ours(args: argparse.Namespace, workdir: Path) -> Figures:
    with our_bot(workdir, args.log_level) as (emulator, process, join_code):
        return warm_and_measure(
            "ours: python -m bot (SQLite, inbox → engine → outbox)",
            emulator,
            process,
            lambda number: registration_steps(join_code, number),
            args,
            args.py_spy and Path(f"{args.py_spy}-ours.txt"),
        )


def bench_echo(args: argparse.Namespace, workdir: Path) -> Figures:
    with TelegramEmulator(TOKEN) as emulator:
        env = base_env(
            "sqlite+aiosqlite:///unused",  # base_env wants one; the echo bot has no database
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=emulator.base_url,
            LOG_LEVEL="WARNING",
        )
        with stopped_at_exit(EchoProcess(env, workdir / "echo.log").start()) as process:
            return warm_and_measure(
                "echo: bare aiogram 3 (bench/echo_bot.py)",
                emulator,
                process,
                echo_steps,
                args,
                args.py_spy and Path(f"{args.py_spy}-echo.txt"),
            )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="users taking part at once")
    add_load_arguments(parser)
    parser.add_argument(
        "--warmup", type=int, default=20, help="users registered first, not measured"
    )
    parser.add_argument("--stall", type=float, default=30.0, help="give up after N s silence")
    parser.add_argument(
        "--log-level",
        default="INFO",
        help="LOG_LEVEL of our bot: INFO or DEBUG (the bench waits for its «bot started» line)",
    )
    parser.add_argument("--skip-echo", action="store_true", help="measure our bot only")
    parser.add_argument(
        "--py-spy",
        metavar="PREFIX",
        help="record the measured runs with py-spy into PREFIX-ours.txt / PREFIX-echo.txt "
        "(collapsed stacks; it takes CPU from the bot, so figures of such a run are lower)",
    )
    args = parser.parse_args(argv)
    if args.users < 1 or args.warmup < 0:
        parser.error("--users must be positive and --warmup not negative")
    check_load_arguments(parser, args)
    return args


def main(argv: Sequence[str]) -> None:
    args = parse_args(argv)
    print(RATE_NOTE, flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-registration-") as tmp:
        ours = bench_ours(args, Path(tmp))
        ours.print()
        if args.skip_echo:
            return
        echo = bench_echo(args, Path(tmp))
        echo.print()
    print(f"updates/s ours/echo = {ours.rate / echo.rate:.3f}")
    print(f"p99 ours/echo = {ours.percentile(99) / echo.percentile(99):.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
