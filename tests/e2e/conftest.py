"""Emulators on 127.0.0.1, the bot as a real process pointed at them, and chat drivers."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.chat import Chat, TelegramChat, VkChat
from tests.e2e.process import BotProcess, base_env, create_org
from tests.emulators.telegram import TelegramEmulator
from tests.emulators.vk import VkEmulator

TELEGRAM_TOKEN = "123456:TEST-token"
VK_TOKEN = "vk1.a.test-token"
VK_GROUP = 777
_user_ids = itertools.count(5001)


@pytest.fixture
def telegram() -> Iterator[TelegramEmulator]:
    with TelegramEmulator(TELEGRAM_TOKEN) as emulator:
        yield emulator


@pytest.fixture
def vk() -> Iterator[VkEmulator]:
    with VkEmulator(VK_TOKEN, VK_GROUP) as emulator:
        yield emulator


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"


@pytest.fixture
def bot_env(database_url: str, telegram: TelegramEmulator, vk: VkEmulator) -> dict[str, str]:
    return base_env(
        database_url,
        TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
        TELEGRAM_API_URL=telegram.base_url,
        VK_GROUP_TOKEN=VK_TOKEN,
        VK_GROUP_ID=str(VK_GROUP),
        VK_API_URL=vk.base_url,
    )


@pytest.fixture
def codes(bot_env: dict[str, str]) -> dict[str, str]:
    return create_org(bot_env)


@pytest.fixture
def bot(
    bot_env: dict[str, str], codes: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[BotProcess]:
    process = BotProcess(bot_env, tmp_path / "bot.log").start()
    yield process
    code = process.stop()
    log = process.log()
    if request.session.testsfailed or code != 0:
        print(log[-6000:])
    assert code == 0, "the bot did not stop cleanly on SIGTERM"
    assert "Traceback" not in log, log[-6000:]


@pytest.fixture(params=["telegram", "vk"])
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_chat(platform: str, telegram: TelegramEmulator, vk: VkEmulator) -> Callable[..., Chat]:
    def make(name: str = "Анна Смирнова", on: str | None = None) -> Chat:
        where = on or platform
        user_id = next(_user_ids)
        if where == "telegram":
            return TelegramChat(telegram, user_id, name)
        return VkChat(vk, user_id, name)

    return make
