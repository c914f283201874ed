import pytest

from bot.config import SettingsError, load_settings


def test_defaults_run_the_console_on_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "VK_GROUP_TOKEN", "DATABASE_URL", "CONSOLE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.console_enabled
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.default_timezone == "Europe/Moscow"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("DEFAULT_LOCALE", "de"),
        ("LOG_LEVEL", "LOUD"),
        ("DATABASE_URL", "mysql://x"),
        ("VK_GROUP_ID", "abc"),
        ("TELEGRAM_RATE_GLOBAL", "-1"),
    ],
)
def test_a_wrong_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    message = str(caught.value)
    assert name in message and "\n" not in message


def test_vk_token_without_group_id_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VK_GROUP_TOKEN", "token")
    monkeypatch.delenv("VK_GROUP_ID", raising=False)
    with pytest.raises(SettingsError, match="VK_GROUP_ID"):
        load_settings(_env_file=None)


def test_empty_values_from_a_copied_env_example_mean_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("VK_GROUP_ID", "")
    assert load_settings(_env_file=None).vk_group_id == 0
