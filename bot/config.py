"""Settings from the environment and `.env`, validated once at start-up."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'mentorbot.sqlite3'}"
SUPPORTED_LOCALES = ("ru", "en")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    vk_group_token: str = ""
    vk_group_id: int = 0
    vk_api_url: str = "https://api.vk.ru"
    database_url: str = DEFAULT_DB_URL
    default_timezone: str = "Europe/Moscow"
    default_locale: str = "ru"
    log_level: str = "INFO"
    # Outbox limits: the platforms' published figures; lower them if a platform complains.
    telegram_rate_global: float = Field(30.0, gt=0)
    telegram_rate_per_chat: float = Field(1.0, gt=0)
    telegram_rate_per_group_minute: float = Field(20.0, gt=0)
    vk_rate: float = Field(20.0, gt=0)
    # Force the console transport even when tokens are set (and vice versa).
    console: bool | None = None
    # Reminders: how often the scheduler looks for what is due (seconds). A tick also runs
    # right after start, so a reminder due while the bot was down goes out when it is back.
    scheduler_tick_seconds: float = Field(60.0, gt=0)
    # Test and demo facility: a file holding an ISO instant the bot's clock starts from
    # (re-read when it changes). Empty: the system clock. Never set it in production.
    clock_file: str = ""

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}, e.g. Europe/Moscow") from exc
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        elif value.startswith(("postgresql://", "postgres://")):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///PATH or postgresql+asyncpg://...")
        return value

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def vk_enabled(self) -> bool:
        return bool(self.vk_group_token)

    @property
    def console_enabled(self) -> bool:
        if self.console is not None:
            return self.console
        return not (self.telegram_enabled or self.vk_enabled)


class SettingsError(Exception):
    """A setting is wrong or missing; the message names it in one line."""


def load_settings(**overrides: object) -> Settings:
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"setting {name}: {first['msg']}") from None
    if settings.vk_enabled and not settings.vk_group_id:
        raise SettingsError("setting VK_GROUP_ID: required when VK_GROUP_TOKEN is set")
    return settings
