"""Shared machinery of the load benches: the real bot against the Telegram emulator, users
driven as state machines (a closed loop, or an open loop at an offered rate), and the figures
(rate, latency, peak RSS, CPU).

Used by bench/registration.py and bench/mentee_request.py; not a script itself.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import heapq
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the repository root importable
    sys.path.insert(0, str(ROOT))

from tests.e2e.process import BotProcess, base_env, create_org  # noqa: E402
from tests.emulators.telegram import TEXT_METHODS, TelegramEmulator  # noqa: E402
from tests.emulators.telegram_state import SentRecord  # noqa: E402

TOKEN = "123456:BENCH-token"
UNLIMITED_RATE = "100000"  # messages per second: the bot's outbox pacing never waits
SCAN_PAUSE = 0.002  # seconds between scans of new emulator records (leave the CPU to the bot)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
RATE_NOTE = (
    f"TELEGRAM_RATE_GLOBAL and TELEGRAM_RATE_PER_CHAT = {UNLIMITED_RATE}/s for our bot: "
    "the outbox would otherwise pace replies to Telegram's 30/s and 1/s per chat, and the "
    "figures would show that pacing rather than how fast updates are handled.\n"
)


@dataclass(frozen=True, slots=True)
class Step:
    """One user action, what its reply must show, and what else it must bring.

    The reply is the first sendMessage/editMessageText in the user's chat after the action; its
    timestamp gives the latency, and it must show every part of `expect` in its text or on one
    of its buttons. Each part of `then` must show in the reply or in a further message (in any
    order): the bot may join a note and the menu into one message or send them apart, and the
    user waits for all of them before its next action, so a late message is never taken for
    the reply to the next one.
    """

    action: Literal["text", "press"]
    value: str  # the text to send, or a substring of the label of the button to press
    expect: tuple[str, ...]
    then: tuple[str, ...] = ()


def user_name(number: int) -> str:
    """A valid, distinct person's name (names may not contain digits)."""
    letters = "абвгдежзик"
    return "Участник " + "".join(letters[int(d)] for d in str(number)).capitalize()


def registration_steps(join_code: str, number: int) -> list[Step]:
    """/start <join code> → consent → role «Ищу наставника» → name → «Готово» + the menu."""
    name = user_name(number)
    return [
        Step("text", f"/start {join_code}", ("Вы согласны на обработку",)),
        Step("press", "Даю согласие", ("Кем вы будете в программе?",)),
        Step("press", "Ищу наставника", ("Как вас зовут?",)),
        Step("text", name, (f"Готово, {name}!", "Что делаем?")),  # the menu: same message
    ]


@dataclass(slots=True)
class User:
    """One person in a private chat (chat id = user id) and where they are in their steps."""

    user_id: int
    steps: list[Step]
    step: int = 0
    injected_at: float = 0.0
    reply: SentRecord | None = None
    awaiting: list[str] | None = None  # `then` parts still due; None: waiting for the reply
    # the bot's messages in the chat as they are now: message id -> inline keyboard or None
    keyboards: dict[int, dict[str, Any] | None] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.step >= len(self.steps)

    def next(self, steps: list[Step]) -> User:
        """Start another scenario in the same chat (the bot's messages stay where they are)."""
        self.steps, self.step, self.reply, self.awaiting = steps, 0, None, None
        return self

    def track(self, record: SentRecord) -> None:
        """Keep `keyboards` as the emulator's messages(chat_id) has them, edits applied."""
        if record.message_id is None:
            return
        if record.method == "deleteMessage":
            self.keyboards.pop(record.message_id, None)
        elif record.method in TEXT_METHODS or record.method == "editMessageReplyMarkup":
            markup = record.reply_markup or {}  # a reply keyboard is not on the message
            self.keyboards[record.message_id] = markup if "inline_keyboard" in markup else None


@dataclass(frozen=True, slots=True)
class Load:
    """How the users pace their actions.

    rate None: a closed loop, every user acts again as soon as its reply is in, so all of them
    always have an update in flight and the bot runs flat out (saturation throughput; latency
    is then mostly the queue the bench itself makes: ≈ users / throughput).

    rate R: an open loop at R updates/s offered in total. Each user still waits for its reply
    (and the step's further messages), then thinks for an exponential-random time before acting
    again; the first action comes after a think time too. The mean think time is n / R with n
    the users still in their scenario, so the offered load stays ≈ R to the end instead of
    dying out as users finish at different times (see ThinkClock); with `fixed_think` it stays
    users / R and the offered load falls in the tail. A user whose reply is late simply acts
    later, as a person would: a bot slower than R slows its users down and shows it in the
    latencies.
    """

    rate: float | None = None
    fixed_think: bool = False

    def describe(self, users: int) -> str:
        if self.rate is None:
            return "closed loop: every user always has one update in flight (saturation)"
        mean = users / self.rate
        shrinks = "" if self.fixed_think else ", shrinking as users finish"
        return (
            f"open loop: {self.rate:g} updates/s offered; think time exponential, "
            f"mean {mean:.3g} s{shrinks}"
        )


CLOSED_LOOP = Load()


class ThinkClock:
    """Think times measured in units of the current mean think time.

    A think time is drawn as Exp(1) "think units" and falls due when the clock has advanced by
    that much; the clock advances at 1 / mean think units per second, the mean being n / R
    (n = users still in their scenario). When n drops, every pending think time shrinks in
    proportion at once; the exponential distribution has no memory, so what is left of each
    one is again exponential with the new mean, as if drawn now. (Drawing each user's think time
    once would leave users who drew a long one, when the mean was still users / R, acting
    seconds after everyone else: a tail of a few updates/s that cut the measured rate by half
    or more.)
    Closed loop: every action is due at once.
    """

    def __init__(self, load: Load, users: int, now: float) -> None:
        self.load = load
        self.closed = load.rate is None
        self.mean = 0.0 if load.rate is None else users / load.rate  # seconds per think unit
        self.since, self.units = now, 0.0  # the clock read `units` think units at `since`

    def read(self, at: float) -> float:
        """Think units at monotonic time `at` (infinite in the closed loop: all is due)."""
        return math.inf if self.closed else self.units + (at - self.since) / self.mean

    def when(self, units: float) -> float:
        """The monotonic time at which the clock reads `units`, at the current pace."""
        return -math.inf if self.closed else self.since + (units - self.units) * self.mean

    def users_left(self, active: int, now: float) -> None:
        if self.closed or self.load.fixed_think or not active:
            return
        assert self.load.rate is not None
        self.units, self.since = self.read(now), now
        self.mean = active / self.load.rate


@dataclass(slots=True)
class Run:
    """What one driven run produced."""

    updates: int
    wall: float  # the first injection → the last reply
    latencies: list[float]
    other_records: int  # answerCallbackQuery and the like: not replies, not measured
    further_messages: int = 0  # the `then` messages: expected, not measured
    load: Load = CLOSED_LOOP
    driver_cpu: float = 0.0  # seconds of the driver's thread (injections included)


class Driver:
    """Runs every user through its steps; one thread, no busy loop.

    Between scans of the emulator's records (every SCAN_PAUSE) the driver sleeps, waking
    earlier only when a user's next action falls due. Buttons are pressed by their
    callback_data on the bot's newest message with a keyboard in the chat, as a person would;
    the keyboards are followed from the records (sends, edits, deletions) instead of copying the
    chat out of the emulator on every press, and the emulator still checks that the button is
    on that message.
    """

    def __init__(self, emulator: TelegramEmulator, stall: float, seed: int = 1) -> None:
        self.emulator = emulator
        self.stall = stall
        self.random = random.Random(seed)  # think times: the same sequence on every run
        self.position = len(emulator.sent)  # index of the first record not yet looked at

    def run(self, users: Sequence[User], load: Load = CLOSED_LOOP) -> Run:
        everyone = {user.user_id: user for user in users}
        waiting = dict(everyone)  # not done with their steps
        in_flight: dict[int, User] = {}  # acted, the reply or a further message still due
        driver_cpu = time.thread_time()
        clock = ThinkClock(load, len(users), time.monotonic())
        due: list[tuple[float, int]] = []  # heap: (clock reading of the next action, user id)
        for user in users:
            heapq.heappush(due, (self._think(clock, clock.since), user.user_id))
        latencies: list[float] = []
        other = further = 0
        first_injection = last_reply = last_progress = clock.since
        injected = False
        while waiting:
            now = time.monotonic()
            while due and due[0][0] <= clock.read(now):
                user = everyone[heapq.heappop(due)[1]]
                self._inject(user)
                in_flight[user.user_id] = user
                if not injected:
                    first_injection, injected = user.injected_at, True
            if not in_flight:  # everyone is thinking: no reply can be late
                last_progress = now
            pause = SCAN_PAUSE
            if due:  # sleep until the next action falls due, scanning at least every SCAN_PAUSE
                pause = min(pause, clock.when(due[0][0]) - time.monotonic())
            time.sleep(max(0.0, pause))
            records = self.emulator.sent[self.position :]
            self.position += len(records)
            for record in records:
                chat = record.chat_id or 0
                known = everyone.get(chat)
                if known is not None:
                    known.track(record)
                user = in_flight.get(chat)
                if record.method not in TEXT_METHODS or (user is None and chat not in waiting):
                    other += 1
                    continue
                if user is None:
                    raise SystemExit(self._unexpected(waiting[chat], record))
                last_progress = time.monotonic()
                last_reply = record.timestamp
                if user.awaiting is None:
                    latencies.append(record.timestamp - user.injected_at)
                    self._accept(user, record)
                else:
                    further += 1
                    self._accept_further(user, record)
                if user.awaiting:
                    continue
                user.step += 1
                user.awaiting = None
                del in_flight[user.user_id]
                if user.done:
                    del waiting[user.user_id]
                    clock.users_left(len(waiting), max(clock.since, record.timestamp))
                else:  # the user saw the reply at its timestamp and thinks from then on
                    heapq.heappush(due, (self._think(clock, record.timestamp), user.user_id))
            if time.monotonic() - last_progress > self.stall:
                raise SystemExit(self._stuck_report(list(in_flight.values())))
        wall = last_reply - first_injection
        driver_cpu = time.thread_time() - driver_cpu
        return Run(len(latencies), wall, latencies, other, further, load, driver_cpu)

    def _think(self, clock: ThinkClock, start: float) -> float:
        """The clock reading at which a user who starts thinking at `start` acts."""
        if clock.closed:
            return 0.0
        return clock.read(start) + self.random.expovariate(1.0)

    def _inject(self, user: User) -> None:
        step = user.steps[user.step]
        if step.action == "text":
            user.injected_at = time.monotonic()
            self.emulator.send_text(user.user_id, step.value, first_name="Участник")
            return
        message_id, data = button_data(user, step.value)
        user.injected_at = time.monotonic()
        self.emulator.press_button(user.user_id, user.user_id, message_id, data)

    @staticmethod
    def _unexpected(user: User, record: SentRecord) -> str:
        after = "before its first action"
        if user.step:
            done = user.steps[user.step - 1]
            after = f"after step {user.step - 1} ({done.action} {done.value!r})"
        return (
            f"user {user.user_id}: a message while it was not waiting for one ({after}): "
            f"{record.text!r} {record.buttons}"
        )

    @staticmethod
    def _accept(user: User, record: SentRecord) -> None:
        step = user.steps[user.step]
        if not all(shows(record, part) for part in step.expect):
            raise SystemExit(
                f"user {user.user_id}, step {user.step} ({step.action} {step.value!r}): "
                f"expected {step.expect!r} in the reply, got {record.text!r} {record.buttons}"
            )
        user.reply = record
        user.awaiting = [part for part in step.then if not shows(record, part)]

    @staticmethod
    def _accept_further(user: User, record: SentRecord) -> None:
        assert user.awaiting is not None
        due = [part for part in user.awaiting if not shows(record, part)]
        if len(due) == len(user.awaiting):
            step = user.steps[user.step]
            raise SystemExit(
                f"user {user.user_id}, step {user.step} ({step.action} {step.value!r}): "
                f"expected a message with one of {user.awaiting!r}, got {record.text!r}"
            )
        user.awaiting = due

    def _stuck_report(self, stuck: list[User]) -> str:
        lines = [f"no reply for {self.stall:.0f}s; {len(stuck)} users still waiting, e.g.:"]
        for user in stuck[:5]:
            step = user.steps[user.step]
            last = user.reply.text if user.reply else None
            due = f"; still due: {user.awaiting!r}" if user.awaiting else ""
            lines.append(
                f"  user {user.user_id} at {step.action} {step.value!r}{due}; last: {last!r}"
            )
        return "\n".join(lines)


def shows(record: SentRecord, part: str) -> bool:
    """The message's text or one of its button labels contains `part`."""
    return part in (record.text or "") or any(part in label for label in record.buttons)


def button_data(user: User, label: str) -> tuple[int, str]:
    """(message id, callback_data) of the button labelled `label` on the newest keyboard."""
    with_buttons = [(mid, kb) for mid, kb in user.keyboards.items() if kb]
    if not with_buttons:
        raise SystemExit(f"user {user.user_id}: no message with buttons to press {label!r} on")
    message_id, keyboard = max(with_buttons, key=lambda item: item[0])
    rows = (keyboard or {}).get("inline_keyboard", [])
    for row in rows:
        for button in row:
            if label in button.get("text", "") and "callback_data" in button:
                return message_id, str(button["callback_data"])
    labels = [button.get("text") for row in rows for button in row]
    raise SystemExit(f"user {user.user_id}: no button {label!r} on message {message_id}: {labels}")


# --- the measured process -------------------------------------------------------------------------


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


def machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine so far, all cores (user, nice, system, irq, steal)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


@dataclass(frozen=True, slots=True)
class Targets:
    """Printed next to the figures: met or missed."""

    min_rate: float  # updates/s
    max_p99_ms: float


@dataclass(slots=True)
class Figures:
    label: str
    users: int
    run: Run
    peak_rss_kib: int
    bot_cpu: float  # seconds, during the measured run
    bench_cpu: float  # seconds of this process (emulator + driver), during the measured run
    other_cpu: float = 0.0  # seconds of everything else on the machine, during the measured run

    @property
    def rate(self) -> float:
        return self.run.updates / self.run.wall

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        ordered = sorted(self.run.latencies)
        rank = max(0, min(len(ordered), math.ceil(q * len(ordered) / 100)) - 1)
        return ordered[rank] * 1000

    def print(self, targets: Targets | None = None) -> None:
        wall, p99 = self.run.wall, self.percentile(99)
        rate_note = p99_note = ""
        if targets:
            rate_note = _verdict(self.rate >= targets.min_rate, f"≥ {targets.min_rate:g}")
            p99_note = _verdict(p99 <= targets.max_p99_ms, f"≤ {targets.max_p99_ms:g} ms")
        offered = "" if self.run.load.rate is None else f" (offered {self.run.load.rate:g})"
        further = self.run.further_messages
        further_note = f", {further} further messages" if further else ""
        print(f"== {self.label} ==")
        rows = [
            ("load", self.run.load.describe(self.users)),
            ("users", str(self.users)),
            (
                "updates",
                f"{self.run.updates} (+{self.run.other_records} other bot calls{further_note})",
            ),
            ("wall time", f"{wall:.2f} s (the first injection → the last reply)"),
            ("updates/s", f"{self.rate:.1f}{offered}{rate_note}"),
            *(
                (f"latency {name}", f"{self.percentile(q):.1f} ms{p99_note if q == 99 else ''}")
                for name, q in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
            ),
            ("peak RSS", f"{self.peak_rss_kib / 1024:.1f} MiB"),
            ("bot CPU", f"{self.bot_cpu:.2f} s ({self.bot_cpu / wall:.0%} of a core)"),
            (
                "bench CPU",
                f"{self.bench_cpu:.2f} s (emulator + driver, same wall time; "
                f"the driver's thread {self.run.driver_cpu:.2f} s)",
            ),
            ("other CPU", f"{self.other_cpu:.2f} s (other processes on the machine)"),
        ]
        for name, value in rows:
            print(f"  {name:<11} {value}")
        print(flush=True)


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    """--rate, --fixed-think and --seed: how the measured users pace their actions."""
    parser.add_argument(
        "--rate",
        type=float,
        metavar="R",
        help="open loop: offer R updates/s in total; each user waits for its reply, then thinks "
        "for an exponential-random time (mean users/R s) before acting again. Default: the "
        "closed loop, every user acts again as soon as its reply is in (saturation)",
    )
    parser.add_argument(
        "--fixed-think",
        action="store_true",
        help="with --rate: keep the mean think time at users/R to the end, so the offered load "
        "falls as users finish (default: users still in their scenario/R, load stays ≈ R)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the think times")


def load_from(args: argparse.Namespace) -> Load:
    return Load(args.rate, args.fixed_think)


def check_load_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate must be positive")
    if args.fixed_think and args.rate is None:
        parser.error("--fixed-think needs --rate")


def _verdict(ok: bool, target: str) -> str:
    return f"   (target {target}: {'met' if ok else 'MISSED'})"


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


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection in this process during a measured run.

    The emulator keeps every record, message and update, so a full collection here takes
    100+ ms late in a run; it holds the GIL, so the emulator stops answering the bot and the
    driver stops injecting, and the pause would be counted as the bot's latency. The bot's own
    collections are left alone: they are part of its latency.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def measure(
    label: str,
    emulator: TelegramEmulator,
    process: BotProcess,
    driver: Driver,
    users: Sequence[User],
    profile: Path | None = None,
    load: Load = CLOSED_LOOP,
) -> Figures:
    """Drive `users` once and collect the figures of that run."""
    assert process.proc is not None
    pid = process.proc.pid
    with py_spy(pid, profile), paused_gc():
        machine, bot_cpu, bench_cpu = machine_cpu_seconds(), cpu_seconds(pid), time.process_time()
        run = driver.run(users, load)
        bot_cpu, bench_cpu = cpu_seconds(pid) - bot_cpu, time.process_time() - bench_cpu
        machine = machine_cpu_seconds() - machine
    other = max(0.0, machine - bot_cpu - bench_cpu)
    figures = Figures(label, len(users), run, peak_rss_kib(pid), bot_cpu, bench_cpu, other)
    if emulator.internal_errors:
        raise SystemExit(f"the emulator failed:\n{emulator.internal_errors[0]}")
    return figures


def check_exit(process: BotProcess, code: int) -> None:
    """A non-zero exit or a traceback in the log fails the bench, with the log's tail."""
    log = process.log()
    if code != 0 or "Traceback" in log:
        tail = log[-6000:]
        raise SystemExit(f"{process.log_path.name}: exit code {code}, log tail:\n{tail}")


@contextlib.contextmanager
def stopped_at_exit(process: BotProcess) -> Iterator[BotProcess]:
    """Stop the process at the end; a bad exit fails the bench unless it already failed."""
    try:
        yield process
    except BaseException:
        process.stop()
        print(f"{process.log_path.name} tail:\n{process.log()[-3000:]}", file=sys.stderr)
        raise
    check_exit(process, process.stop())


def database_path(workdir: Path) -> Path:
    return workdir / "bot.sqlite3"


@contextlib.contextmanager
def our_bot(workdir: Path, log_level: str) -> Iterator[tuple[TelegramEmulator, BotProcess, str]]:
    """The emulator, a fresh SQLite database with one organisation, and `python -m bot`
    running against both; yields (emulator, bot process, the organisation's join code).
    No curator registers, so only the users' own chats get messages."""
    with TelegramEmulator(TOKEN) as emulator:
        env = base_env(
            f"sqlite+aiosqlite:///{database_path(workdir)}",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=emulator.base_url,
            TELEGRAM_RATE_GLOBAL=UNLIMITED_RATE,
            TELEGRAM_RATE_PER_CHAT=UNLIMITED_RATE,
            LOG_LEVEL=log_level,
        )
        codes = create_org(env)
        with stopped_at_exit(BotProcess(env, workdir / "bot.log").start()) as process:
            yield emulator, process, codes["join"]
