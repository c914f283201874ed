"""The mentee request under load: N registered users fill in and send the questionnaire at once.

Runs the real bot (`python -m bot`, fresh SQLite, one organisation, no curator) against the
Telegram emulator. Every user first registers (a run of its own, printed for reference), then
all of them go through «Заявка на наставника» at once: 13 updates each, from the menu button
to «Отправить». The figures of that second run are the ones compared with the targets.

    python bench/mentee_request.py --users 200

Users are driven as in bench/registration.py (bench/harness.py). By default each one's next
action is injected as soon as the bot's reply to its previous one is recorded, so all N stay in
flight (a closed loop: saturation throughput). With --rate R the users think between steps so
that R updates/s are offered in total (an open loop): the latencies are then handling latencies,
not the bench's own queue.

    python bench/mentee_request.py --users 500 --rate 500
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from harness import (  # first: puts the repository root on sys.path
    RATE_NOTE,
    Driver,
    Figures,
    Step,
    Targets,
    User,
    add_load_arguments,
    check_load_arguments,
    database_path,
    load_from,
    measure,
    our_bot,
    registration_steps,
)

TARGETS = Targets(min_rate=500, max_p99_ms=50)  # on a 2-core machine with SQLite
GOAL = "Хочу научиться программировать и сделать свой проект"  # ≥ 10 characters
BIRTH_YEAR = "2008"  # 14 or older: no parent's consent on the way


def mentee_request_steps() -> list[Step]:
    """From the menu to «Отправить», as tests/e2e/flows.py: fill_mentee_request goes."""
    return [
        Step("press", "Заявка на наставника", ("Вопрос 1 из", "Кто вы?")),  # with the intro
        Step("press", "Студент колледжа", ("В каком вы классе или группе?",)),
        Step("text", "ТМ-21", ("В каком году вы родились?",)),
        Step("text", BIRTH_YEAR, ("С чем вам нужна помощь?",)),
        # a multiple choice: the question is edited in place (editMessageText), ticks the option
        Step("press", "Цифровые инструменты", ("С чем вам нужна помощь?", "✅ Цифровые")),
        Step("press", "Готово", ("Напишите своими словами",)),
        Step("text", GOAL, ("Какая форма наставничества",)),
        Step("press", "Без предпочтений", ("Как вам удобнее встречаться?",)),
        Step("press", "Онлайн", ("Сколько времени в месяц",)),
        Step("press", "3–4 часа", ("Что для вас важно в наставнике?",)),
        Step("press", "Пропустить", ("Как с вами связаться",)),
        Step("press", "Пропустить", ("Проверьте ответы", "ТМ-21", BIRTH_YEAR, GOAL)),
        # the thanks and the menu: one message today; waited for apart if the bot splits them
        Step("press", "Отправить", ("Спасибо, заявка отправлена",), then=("Что делаем?",)),
    ]


def submitted_requests(workdir: Path) -> str:
    """How many mentee requests the database holds (a check that the flow really ran)."""
    try:
        with sqlite3.connect(database_path(workdir), timeout=10) as connection:
            (count,) = connection.execute(
                "SELECT count(*) FROM responses WHERE questionnaire = 'mentee_request'"
            ).fetchone()
    except sqlite3.Error as error:  # the schema is not this bench's business
        return f"not counted ({error})"
    return str(count)


def bench(args: argparse.Namespace, workdir: Path) -> tuple[Figures, Figures]:
    with our_bot(workdir, args.log_level) as (emulator, process, join_code):
        driver = Driver(emulator, args.stall, args.seed)
        if args.warmup:  # first-use costs (imports, query compilation, pools) are not measured
            warm = [User(900_000 + n, registration_steps(join_code, n)) for n in range(args.warmup)]
            driver.run(warm)
            driver.run([user.next(mentee_request_steps()) for user in warm])
        users = [User(1_000 + n, registration_steps(join_code, n)) for n in range(args.users)]
        registration = measure(
            "registration, measured separately (not part of the targets)",
            emulator,
            process,
            driver,
            users,
            load=load_from(args),
        )
        questionnaire = measure(
            "mentee request: menu → 12 answers → «Отправить» (13 updates per user)",
            emulator,
            process,
            driver,
            [user.next(mentee_request_steps()) for user in users],
            args.py_spy and Path(args.py_spy),
            load_from(args),
        )
    expected = args.warmup + args.users
    print(f"mentee requests in the database: {submitted_requests(workdir)} (sent: {expected})\n")
    return registration, questionnaire


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="users taking part at once")
    add_load_arguments(parser)
    parser.add_argument(
        "--warmup",
        type=int,
        default=20,
        help="users taken through registration and the request first, not measured",
    )
    parser.add_argument("--stall", type=float, default=30.0, help="give up after N s silence")
    parser.add_argument(
        "--log-level",
        default="INFO",
        help="LOG_LEVEL of our bot: INFO or DEBUG (the bench waits for its «bot started» line)",
    )
    parser.add_argument(
        "--py-spy",
        metavar="FILE",
        help="record the questionnaire run with py-spy into FILE (collapsed stacks; it takes "
        "CPU from the bot, so figures of such a run are lower)",
    )
    args = parser.parse_args(argv)
    if args.users < 1 or args.warmup < 0:
        parser.error("--users must be positive and --warmup not negative")
    check_load_arguments(parser, args)
    return args


def main(argv: Sequence[str]) -> None:
    args = parse_args(argv)
    print(RATE_NOTE, flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-mentee-request-") as tmp:
        registration, questionnaire = bench(args, Path(tmp))
    registration.print()
    questionnaire.print(TARGETS)


if __name__ == "__main__":
    main(sys.argv[1:])
