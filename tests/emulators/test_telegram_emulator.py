"""Self-test of the Telegram emulator, driven through the real aiogram client."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from tests.emulators.telegram import TelegramEmulator

pytestmark = pytest.mark.asyncio  # explicit, so the module also runs in strict mode

TOKEN = "123456:TEST-emulator-token"
USER = 42


def _keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data)] for text, data in buttons
        ]
    )


@pytest.fixture
def emu() -> Iterator[TelegramEmulator]:
    with TelegramEmulator(TOKEN) as emulator:
        yield emulator
        assert emulator.internal_errors == []


def _make_bot(emu: TelegramEmulator, token: str = TOKEN) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    return Bot(token, session=session)


@pytest_asyncio.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[Bot]:
    client = _make_bot(emu)
    yield client
    await client.session.close()


def _raw_call(emu: TelegramEmulator, method: str, payload: dict[str, Any]) -> tuple[int, Any]:
    """A plain JSON request, for what aiogram would not send."""
    request = urllib.request.Request(
        f"{emu.base_url}/bot{TOKEN}/{method}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def test_get_me_auth_and_method_lookup(emu: TelegramEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "test_bot")

    wrong = _make_bot(emu, "123456:WRONG")
    with pytest.raises(TelegramUnauthorizedError):
        await wrong.get_me()
    await wrong.session.close()

    status, body = await asyncio.to_thread(_raw_call, emu, "noSuchMethod", {})
    assert (status, body) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    status, body = await asyncio.to_thread(_raw_call, emu, "GETME", {})
    assert status == 200 and body["result"]["id"] == 123456
    assert ("getMe", 200) in emu.requests_log


async def test_text_update_and_reply(emu: TelegramEmulator, bot: Bot) -> None:
    update_id = emu.send_text(USER, "/start", first_name="Anna", username="anna")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [update_id]
    message = updates[0].message
    assert message is not None and message.text == "/start"
    assert message.chat.id == USER and message.chat.type == "private"
    assert message.from_user is not None and message.from_user.first_name == "Anna"
    assert message.entities is not None and message.entities[0].type == "bot_command"

    sent = await bot.send_message(USER, "Hello, Anna", reply_to_message_id=message.message_id)
    assert sent.message_id == message.message_id + 1
    assert sent.from_user is not None and sent.from_user.is_bot
    assert sent.reply_to_message is not None
    record = emu.wait_for_text(USER, "Hello")
    assert (record.method, record.chat_id, record.message_id) == (
        "sendMessage",
        USER,
        sent.message_id,
    )
    assert emu.last_message(USER).text == "Hello, Anna"


async def test_long_polling_wakes_up_and_times_out(emu: TelegramEmulator, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert time.monotonic() - started >= 0.9

    threading.Timer(0.3, emu.send_text, args=(USER, "late")).start()
    started = time.monotonic()
    updates = await bot.get_updates(timeout=10)
    assert len(updates) == 1 and time.monotonic() - started < 3


async def test_offset_acknowledges_and_redeliver(emu: TelegramEmulator, bot: Bot) -> None:
    first = emu.send_text(USER, "one")
    second = emu.send_text(USER, "two")
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [first, second]
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [first]
    assert [u.update_id for u in await bot.get_updates(offset=second, timeout=0)] == [second]
    assert await bot.get_updates(offset=second + 1, timeout=0) == []
    emu.wait_acknowledged(second, timeout=1)
    assert emu.pending_update_ids == []

    emu.redeliver(first)
    redelivered = await bot.get_updates(timeout=0)
    assert [u.update_id for u in redelivered] == [first]
    assert redelivered[0].message is not None and redelivered[0].message.text == "one"
    with pytest.raises(AssertionError):
        emu.redeliver(first)  # still pending


async def test_inline_keyboard_and_callback_query(emu: TelegramEmulator, bot: Bot) -> None:
    emu.send_text(USER, "/start")
    sent = await bot.send_message(USER, "Continue?", reply_markup=_keyboard(("✅ Yes", "yes")))
    assert sent.reply_markup is not None
    assert emu.sent[-1].buttons == ["✅ Yes"]

    emu.press(USER, "Yes")
    updates = await bot.get_updates(timeout=0)
    callback = updates[-1].callback_query
    assert callback is not None and callback.data == "yes"
    assert callback.message is not None and callback.message.message_id == sent.message_id
    assert callback.from_user.id == USER

    assert await bot.answer_callback_query(callback.id, text="Done") is True
    assert emu.sent[-1].method == "answerCallbackQuery" and emu.sent[-1].text == "Done"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(callback.id)

    with pytest.raises(AssertionError, match="available buttons: #2: '✅ Yes'"):
        emu.press(USER, "Nope")


async def test_callback_data_is_limited_to_64_bytes(emu: TelegramEmulator, bot: Bot) -> None:
    emu.send_text(USER, "/start")
    await bot.send_message(USER, "ok", reply_markup=_keyboard(("a", "я" * 32)))  # 64 bytes
    for data in ("x" * 65, "я" * 33):
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(USER, "no", reply_markup=_keyboard(("a", data)))
    assert [r.text for r in emu.sent] == ["ok"]

    too_many = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="b", callback_data="b")] * 9]
    )
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(USER, "no", reply_markup=too_many)
    plain = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="only text")]])
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(USER, "no", reply_markup=plain)
    reply_keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Menu")]])
    await bot.send_message(USER, "menu", reply_markup=reply_keyboard)
    assert emu.sent[-1].buttons == ["Menu"]


async def test_text_and_chat_validation(emu: TelegramEmulator, bot: Bot) -> None:
    emu.send_text(USER, "/start")
    emu.send_text(7, "hi all", chat_id=-100500, chat_type="supergroup")
    for text, error in (("", "message text is empty"), ("  \n ", "message text is empty")):
        with pytest.raises(TelegramBadRequest, match=error):
            await bot.send_message(USER, text)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "x" * 4097)
    await bot.send_message(USER, "x" * 4096)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999, "who?")
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(7, "seen only in the group")
    group_message = await bot.send_message(-100500, "hello group")
    assert group_message.chat.type == "supergroup"

    html = await bot.send_message(USER, "<b>Bold</b> &amp; plain", parse_mode="HTML")
    assert html.text == "Bold & plain"
    assert html.entities is not None and html.entities[0].type == "bold"
    with pytest.raises(TelegramBadRequest, match="Unsupported start tag"):
        await bot.send_message(USER, "<foo>bar</foo>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="reserved and must be escaped"):
        await bot.send_message(USER, "Version 1.2", parse_mode="MarkdownV2")


async def test_edit_message(emu: TelegramEmulator, bot: Bot) -> None:
    emu.send_text(USER, "/start")
    keyboard = _keyboard(("Next", "next"))
    sent = await bot.send_message(USER, "Step 1", reply_markup=keyboard)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            text="Step 1", chat_id=USER, message_id=sent.message_id, reply_markup=keyboard
        )
    await bot.edit_message_text(text="Step 2", chat_id=USER, message_id=sent.message_id)
    current = emu.messages(USER)[-1]
    assert (current.text, current.reply_markup) == ("Step 2", None)  # no markup → keyboard gone
    await bot.edit_message_reply_markup(
        chat_id=USER, message_id=sent.message_id, reply_markup=keyboard
    )
    assert emu.last_message(USER).buttons[0]["callback_data"] == "next"
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=USER, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text(text="x", chat_id=USER, message_id=1)  # the user's /start


async def test_fault_injection(emu: TelegramEmulator, bot: Bot) -> None:
    emu.send_text(USER, "/start")
    emu.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(USER, "first")
    assert caught.value.retry_after == 7
    emu.fail_next("sendmessage", times=2, status=502)
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.send_message(USER, "second")
    await bot.send_message(USER, "third")
    assert [r.text for r in emu.sent] == ["third"]
    statuses = [status for method, status in emu.requests_log if method == "sendMessage"]
    assert statuses == [429, 502, 502, 200]


async def test_block_and_unblock_by_writing(emu: TelegramEmulator, bot: Bot) -> None:
    emu.send_text(USER, "/start")
    emu.block(USER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "anyone?")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(USER, "typing")
    await bot.get_updates(offset=10**6, timeout=0)  # acknowledge everything so far

    emu.send_text(USER, "I'm back")  # writing again unblocks, with a my_chat_member update
    kinds = [u.event_type for u in await bot.get_updates(timeout=0)]
    assert kinds == ["my_chat_member", "message"]
    await bot.send_message(USER, "welcome back")


async def test_send_document_and_download_user_file(emu: TelegramEmulator, bot: Bot) -> None:
    emu.send_text(USER, "/start")
    payload = b"name,score\nanna,5\n"
    sent = await bot.send_document(
        USER, BufferedInputFile(payload, filename="report.csv"), caption="Your report"
    )
    assert sent.document is not None and sent.document.file_name == "report.csv"
    record = emu.wait_for(lambda r: r.method == "sendDocument")
    assert (record.document_name, record.document_bytes, record.text) == (
        "report.csv",
        payload,
        "Your report",
    )
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_document(USER, BufferedInputFile(b"x", "a.txt"), caption="c" * 1025)
    with pytest.raises(TelegramBadRequest, match="file must be non-empty"):
        await bot.send_document(USER, BufferedInputFile(b"", "empty.txt"))
    resent = await bot.send_document(USER, sent.document.file_id)  # reuse by file_id
    assert resent.document is not None and resent.document.file_id == sent.document.file_id

    emu.send_document_from_user(USER, "cv.pdf", b"%PDF-1.4 test", mime_type="application/pdf")
    update = (await bot.get_updates(timeout=0))[-1]
    assert update.message is not None and update.message.document is not None
    downloaded = await bot.download(update.message.document.file_id)
    assert downloaded is not None and downloaded.read() == b"%PDF-1.4 test"


async def test_rate_limits(emu: TelegramEmulator, bot: Bot) -> None:
    emu.send_text(USER, "/start")
    emu.enforce_limits(global_per_sec=30, per_chat_per_sec=1, per_group_per_min=20)
    await bot.send_message(USER, "one")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(USER, "two")
    assert caught.value.retry_after == 1
    assert emu.stats["429"] == 1 and emu.stats["rate_limited"] == 1
    await bot.send_chat_action(USER, "typing")  # not a send
    emu.disable_limits()
    await bot.send_message(USER, "three")


async def test_second_poller_conflicts(emu: TelegramEmulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(bot.get_updates(timeout=1))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await first
    assert await second == []


async def test_group_leave_and_raw_updates(emu: TelegramEmulator, bot: Bot) -> None:
    emu.send_text(5, "hello", chat_id=-200, chat_type="group", title="Mentors")
    assert await bot.leave_chat(-200) is True
    with pytest.raises(TelegramForbiddenError, match="not a member of the group chat"):
        await bot.send_message(-200, "still here?")
    kinds = [u.event_type for u in await bot.get_updates(timeout=0)]
    assert kinds == ["message", "my_chat_member"]

    bot_user = emu.bot_user
    emu.inject_raw(
        {
            "my_chat_member": {
                "chat": {"id": -200, "type": "group", "title": "Mentors"},
                "from": {"id": 5, "is_bot": False, "first_name": "Test"},
                "date": int(time.time()),
                "old_chat_member": {"user": bot_user, "status": "left"},
                "new_chat_member": {"user": bot_user, "status": "member"},
            }
        }
    )
    await bot.send_message(-200, "back again")
    emu.inject_raw({"channel_post": {"chat": {"id": -300, "type": "channel"}, "text": "news"}})
    update = (await bot.get_updates(offset=-1, timeout=0))[0]
    assert update.channel_post is not None and update.channel_post.text == "news"

    member_update = {
        "chat": {"id": -200, "type": "group", "title": "Mentors"},
        "from": {"id": 5, "is_bot": False, "first_name": "Test"},
        "date": int(time.time()),
        "old_chat_member": {
            "user": {"id": 6, "is_bot": False, "first_name": "A"},
            "status": "left",
        },
        "new_chat_member": {
            "user": {"id": 6, "is_bot": False, "first_name": "A"},
            "status": "member",
        },
    }
    emu.inject_raw({"chat_member": member_update})  # opt-in type: dropped by default
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == []
    emu.inject_raw({"chat_member": member_update})
    delivered = await bot.get_updates(timeout=0, allowed_updates=["chat_member"])
    assert [u.event_type for u in delivered] == ["chat_member"]


async def test_commands_and_get_chat(emu: TelegramEmulator, bot: Bot) -> None:
    emu.send_text(USER, "/start", first_name="Anna")
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    assert list(emu.commands.values()) == [[{"command": "start", "description": "Start"}]]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="Start")])
    chat = await bot.get_chat(USER)
    assert (chat.id, chat.type, chat.first_name) == (USER, "private", "Anna")
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert emu.pending_update_ids == []


async def test_wait_for_from_test_thread(emu: TelegramEmulator, bot: Bot) -> None:
    emu.send_text(USER, "/start")
    waiter = asyncio.create_task(asyncio.to_thread(emu.wait_for_text, USER, "later", 5.0))
    await asyncio.sleep(0.2)
    await bot.send_message(USER, "a bit later")
    assert (await waiter).text == "a bit later"
    with pytest.raises(AssertionError, match="last records"):
        await asyncio.to_thread(emu.wait_for_text, USER, "never", 0.2)
    await asyncio.to_thread(emu.assert_nothing_sent, USER, within=0.2)

    first = emu.wait_for_text(USER, "later")
    emu.clear()
    assert emu.sent == [] and emu.requests_log == []
    await bot.send_message(USER, "later again")
    assert emu.wait_for_text(USER, "later", after=first).text == "later again"


async def test_dispatcher_polling_end_to_end(emu: TelegramEmulator, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(F.text == "/start")
    async def start(message: Message) -> None:
        await message.answer("Pick one", reply_markup=_keyboard(("Alpha", "a"), ("Beta", "b")))

    @dp.callback_query()
    async def picked(query: CallbackQuery) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"You picked {query.data}")

    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=1)
    )
    try:
        emu.send_text(USER, "/start")
        await asyncio.to_thread(emu.wait_for_text, USER, "Pick one")
        emu.press(USER, "Beta")
        await asyncio.to_thread(emu.wait_for_text, USER, "You picked b")
        await asyncio.to_thread(emu.wait_for, lambda r: r.method == "answerCallbackQuery")
        assert emu.last_message(USER).reply_markup is None
    finally:
        await dp.stop_polling()
        await polling


async def test_oversized_upload_is_rejected(emu: TelegramEmulator, bot: Bot) -> None:
    emu.send_text(USER, "/start")
    big = BufferedInputFile(b"\0" * (50 * 1024 * 1024 + 1), filename="big.bin")
    with pytest.raises(TelegramEntityTooLarge):
        await bot.send_document(USER, big)
