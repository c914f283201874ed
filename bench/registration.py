"""Registration under load: N users at once through /start → consent → role → name → menu.

Runs the real bot (`python -m bot`, fresh SQLite) against the Telegram emulator, then a bare
aiogram echo bot (bench/echo_bot.py) through the same number of updates, and compares.

    python bench/registration.py --users 200

Each user is a small state machine: its next action (a text or a button press) is injected
as soon as the bot's reply to its previous one is recorded, so all N users stay in flight.
Latency of an action = emulator timestamp of the reply (sendMessage/editMessageText)
minus time.monotonic() just before the update was injected.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the repository root importable
    sys.path.insert(0, str(ROOT))

from tests.e2e.process import BotProcess, base_env, create_org  # noqa: E402
from tests.emulators.telegram import TEXT_METHODS, TelegramEmulator  # noqa: E402
from tests.emulators.telegram_state import SentRecord  # noqa: E402

TOKEN = "123456:BENCH-token"
ECHO_SCRIPT = ROOT / "bench" / "echo_bot.py"
UNLIMITED_RATE = "100000"  # messages per second: the bot's outbox pacing never waits
SCAN_PAUSE = 0.002  # seconds between scans of new emulator records (leave the CPU to the bot)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Step:
    """One user action and the texts its reply must contain."""

    action: Literal["text", "press"]
    value: str  # the text to send, or a substring of the label of the button to press
    expect: tuple[str, ...]


Scenario = Callable[[int], list[Step]]  # user number -> that user's steps


def user_name(number: int) -> str:
    """A valid, distinct person's name (names may not contain digits)."""
    letters = "абвгдежзик"
    return "Участник " + "".join(letters[int(d)] for d in str(number)).capitalize()


def registration_steps(join_code: str) -> Scenario:
    def steps(number: int) -> list[Step]:
        name = user_name(number)
        return [
            Step("text", f"/start {join_code}", ("Вы согласны на обработку",)),
            Step("press", "Даю согласие", ("Кем вы будете в программе?",)),
            Step("press", "Ищу наставника", ("Как вас зовут?",)),
            Step("text", name, (f"Готово, {name}!", "Что делаем?")),  # the menu: same message
        ]

    return steps


def echo_steps(number: int) -> list[Step]:
    """Same shape as the registration: text, press, press, text."""
    return [
        Step("text", "/start", ("Эхо: /start",)),
        Step("press", "Ещё раз", ("Нажато: echo:again",)),
        Step("press", "Ещё раз", ("Нажато: echo:again",)),
        Step("text", user_name(number), (f"Эхо: {user_name(number)}",)),
    ]


@dataclass(slots=True)
class User:
    user_id: int
    steps: list[Step]
    step: int = 0
    injected_at: float = 0.0
    reply: SentRecord | None = None

    @property
    def done(self) -> bool:
        return self.step >= len(self.steps)


@dataclass(slots=True)
class Run:
    """What one driven run produced."""

    updates: int
    wall: float
    latencies: list[float]
    other_records: int  # answerCallbackQuery and the like: not replies, not measured


class Driver:
    """Advances every user as soon as its reply is recorded; one thread, no busy loop."""

    def __init__(self, emulator: TelegramEmulator, stall: float) -> None:
        self.emulator = emulator
        self.stall = stall
        self.position = len(emulator.sent)  # index of the first record not yet looked at

    def run(self, users: Sequence[User]) -> Run:
        waiting = {user.user_id: user for user in users}
        latencies: list[float] = []
        other = 0
        started = time.monotonic()
        for user in users:
            self._inject(user)
        last_progress = time.monotonic()
        while waiting:
            time.sleep(SCAN_PAUSE)
            records = self.emulator.sent[self.position :]
            self.position += len(records)
            for record in records:
                user = waiting.get(record.chat_id or 0)
                if record.method not in TEXT_METHODS or user is None:
                    other += 1
                    continue
                latencies.append(record.timestamp - user.injected_at)
                self._accept(user, record)
                last_progress = time.monotonic()
                if user.done:
                    del waiting[user.user_id]
                else:
                    self._inject(user)
            if time.monotonic() - last_progress > self.stall:
                raise SystemExit(self._stuck_report(list(waiting.values())))
        wall = max(r.timestamp for r in self._replies(users)) - started
        return Run(len(latencies), wall, latencies, other)

    def _inject(self, user: User) -> None:
        step = user.steps[user.step]
        if step.action == "text":
            user.injected_at = time.monotonic()
            self.emulator.send_text(user.user_id, step.value, first_name="Участник")
            return
        assert user.reply is not None and user.reply.message_id is not None
        data = button_data(user.reply, step.value)
        user.injected_at = time.monotonic()
        self.emulator.press_button(user.user_id, user.user_id, user.reply.message_id, data)

    @staticmethod
    def _accept(user: User, record: SentRecord) -> None:
        step = user.steps[user.step]
        if not all(part in (record.text or "") for part in step.expect):
            raise SystemExit(
                f"user {user.user_id}, step {user.step} ({step.action} {step.value!r}): "
                f"expected {step.expect!r} in the reply, got {record.text!r}"
            )
        user.reply = record
        user.step += 1

    @staticmethod
    def _replies(users: Sequence[User]) -> list[SentRecord]:
        return [user.reply for user in users if user.reply is not None]

    def _stuck_report(self, stuck: list[User]) -> str:
        lines = [f"no reply for {self.stall:.0f}s; {len(stuck)} users still waiting, e.g.:"]
        for user in stuck[:5]:
            step = user.steps[user.step]
            last = user.reply.text if user.reply else None
            lines.append(f"  user {user.user_id} at {step.action} {step.value!r}; last: {last!r}")
        return "\n".join(lines)


def button_data(record: SentRecord, label: str) -> str:
    rows = (record.reply_markup or {}).get("inline_keyboard", [])
    for row in rows:
        for button in row:
            if label in button.get("text", "") and "callback_data" in button:
                return str(button["callback_data"])
    raise SystemExit(f"no button {label!r} under {record.text!r}: {record.buttons}")


# --- the measured processes -----------------------------------------------------------------------


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


def peak_rss_kib(pid: int) -> int:
    """VmHWM: the most resident memory the process ever had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()  # the command name may contain spaces
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass(slots=True)
class Figures:
    label: str
    users: int
    run: Run
    peak_rss_kib: int
    bot_cpu: float  # seconds, during the measured run
    bench_cpu: float  # seconds of this process (emulator + driver), during the measured run

    @property
    def rate(self) -> float:
        return self.run.updates / self.run.wall

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        ordered = sorted(self.run.latencies)
        rank = max(0, min(len(ordered), math.ceil(q * len(ordered) / 100)) - 1)
        return ordered[rank] * 1000

    def print(self) -> None:
        wall = self.run.wall
        print(f"== {self.label} ==")
        rows = [
            ("users", str(self.users)),
            ("updates", f"{self.run.updates} (+{self.run.other_records} other bot calls)"),
            ("wall time", f"{wall:.2f} s"),
            ("updates/s", f"{self.rate:.1f}"),
            *(
                (f"latency {name}", f"{self.percentile(q):.1f} ms")
                for name, q in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
            ),
            ("peak RSS", f"{self.peak_rss_kib / 1024:.1f} MiB"),
            ("bot CPU", f"{self.bot_cpu:.2f} s ({self.bot_cpu / wall:.0%} of a core)"),
            ("bench CPU", f"{self.bench_cpu:.2f} s (emulator + driver, same wall time)"),
        ]
        for name, value in rows:
            print(f"  {name:<11} {value}")
        print(flush=True)


@contextlib.contextmanager
def py_spy(pid: int, output: Path | None) -> Iterator[None]:
    """Sample the process with py-spy (collapsed stacks, for flamegraph.pl or speedscope)."""
    if output is None:
        yield
        return
    executable = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [executable, "record", "--pid", str(pid), "--format", "raw", "--rate", "250"]
    recorder = subprocess.Popen([*command, "--output", str(output)], stdout=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches and starts sampling
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)  # py-spy writes the file on ^C
        recorder.wait(30)
        print(f"py-spy profile of pid {pid}: {output}", flush=True)


def measure(
    label: str,
    emulator: TelegramEmulator,
    process: BotProcess,
    scenario: Scenario,
    args: argparse.Namespace,
    profile: Path | None,
) -> Figures:
    assert process.proc is not None
    pid = process.proc.pid
    driver = Driver(emulator, args.stall)
    if args.warmup:  # first-use costs (imports, query compilation, pools) are not measured
        driver.run([User(900_000 + n, scenario(n)) for n in range(args.warmup)])
    with py_spy(pid, profile):
        bot_cpu, bench_cpu = cpu_seconds(pid), time.process_time()
        run = driver.run([User(1_000 + n, scenario(n)) for n in range(args.users)])
        bot_cpu, bench_cpu = cpu_seconds(pid) - bot_cpu, time.process_time() - bench_cpu
    figures = Figures(label, args.users, run, peak_rss_kib(pid), bot_cpu, bench_cpu)
    if emulator.internal_errors:
        raise SystemExit(f"the emulator failed:\n{emulator.internal_errors[0]}")
    return figures


def check_exit(process: BotProcess, code: int) -> None:
    """A non-zero exit or a traceback in the log fails the bench, with the log's tail."""
    log = process.log()
    if code != 0 or "Traceback" in log:
        tail = log[-6000:]
        raise SystemExit(f"{process.log_path.name}: exit code {code}, log tail:\n{tail}")


def bench_ours(args: argparse.Namespace, workdir: Path) -> Figures:
    with TelegramEmulator(TOKEN) as emulator:
        env = base_env(
            f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=emulator.base_url,
            TELEGRAM_RATE_GLOBAL=UNLIMITED_RATE,
            TELEGRAM_RATE_PER_CHAT=UNLIMITED_RATE,
            LOG_LEVEL=args.log_level,
        )
        codes = create_org(env)
        process = BotProcess(env, workdir / "bot.log").start()
        try:
            figures = measure(
                "ours: python -m bot (SQLite, inbox → engine → outbox)",
                emulator,
                process,
                registration_steps(codes["join"]),
                args,
                args.py_spy and Path(f"{args.py_spy}-ours.txt"),
            )
        finally:
            code = process.stop()
            check_exit(process, code)
        return figures


def bench_echo(args: argparse.Namespace, workdir: Path) -> Figures:
    with TelegramEmulator(TOKEN) as emulator:
        env = base_env(
            "sqlite+aiosqlite:///unused",  # base_env wants one; the echo bot has no database
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=emulator.base_url,
            LOG_LEVEL="WARNING",
        )
        process = EchoProcess(env, workdir / "echo.log").start()
        try:
            figures = measure(
                "echo: bare aiogram 3 (bench/echo_bot.py)",
                emulator,
                process,
                echo_steps,
                args,
                args.py_spy and Path(f"{args.py_spy}-echo.txt"),
            )
        finally:
            code = process.stop()
            check_exit(process, code)
        return figures


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="users in flight at once")
    parser.add_argument(
        "--warmup", type=int, default=20, help="users registered first, not measured"
    )
    parser.add_argument("--stall", type=float, default=30.0, help="give up after N s silence")
    parser.add_argument("--log-level", default="INFO", help="LOG_LEVEL of our bot")
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
    return args


def main(argv: Sequence[str]) -> None:
    args = parse_args(argv)
    print(
        f"TELEGRAM_RATE_GLOBAL and TELEGRAM_RATE_PER_CHAT = {UNLIMITED_RATE}/s for our bot: "
        "the outbox would otherwise pace replies to Telegram's 30/s and 1/s per chat, and the "
        "figures would show that pacing rather than how fast updates are handled.\n",
        flush=True,
    )
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
