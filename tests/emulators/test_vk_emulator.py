"""Self-test of the VK emulator, driven by the real vk_api client as the bot will drive it."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import vk_api
from vk_api.bot_longpoll import VkBotEventType, VkBotLongPoll
from vk_api.keyboard import VkKeyboard

from tests.emulators.vk import VkEmulator

TOKEN = "group-token"
GROUP_ID = 4242
USER = 1001
CHAT = 2_000_000_001
VK_PREFIX = "https://api.vk.ru/method/"


class EmulatorSession(requests.Session):
    """Sends vk_api's api.vk.ru method calls to the emulator."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if isinstance(url, str) and url.startswith(VK_PREFIX):
            url = f"{self.base_url}/method/{url.removeprefix(VK_PREFIX)}"
        return super().request(method, url, *args, **kwargs)


def connect(emulator: VkEmulator, token: str = TOKEN, version: str = "5.199") -> vk_api.VkApi:
    session = vk_api.VkApi(
        token=token, api_version=version, session=EmulatorSession(emulator.base_url)
    )
    session.RPS_DELAY = 0
    return session


@pytest.fixture
def emulator() -> Iterator[VkEmulator]:
    with VkEmulator(TOKEN, GROUP_ID) as emu:
        yield emu


@pytest.fixture
def vk(emulator: VkEmulator) -> vk_api.VkApi:
    return connect(emulator)


def send(vk: vk_api.VkApi, **params: Any) -> Any:
    params.setdefault("peer_id", USER)
    params.setdefault("random_id", 0)
    return vk.method("messages.send", params)


def api_error(call: Any) -> vk_api.ApiError:
    with pytest.raises(vk_api.ApiError) as caught:
        call()
    return caught.value


def inline_keyboard(rows: list[list[dict[str, Any]]]) -> str:
    return json.dumps({"inline": True, "buttons": rows})


def callback(label: str, payload: str = '{"a":1}') -> dict[str, Any]:
    return {"action": {"type": "callback", "label": label, "payload": payload}}


def test_long_poll_delivers_message_new(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    poll = VkBotLongPoll(vk, GROUP_ID, wait=1)
    event_id = emulator.send_text(USER, "hello")
    (event,) = poll.check()
    assert event.type == VkBotEventType.MESSAGE_NEW
    assert event.raw["event_id"] == event_id and len(event_id) == 40
    assert event.object.message["text"] == "hello"
    assert event.object.message["peer_id"] == USER and event.from_user
    assert event.object.client_info["inline_keyboard"] is True
    started = time.monotonic()
    assert poll.check() == []  # held for the whole wait when nothing happens
    assert time.monotonic() - started >= 0.9


def test_held_poll_wakes_on_new_event(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    poll = VkBotLongPoll(vk, GROUP_ID, wait=10)
    threading.Timer(0.2, emulator.send_text, (USER, "later")).start()
    started = time.monotonic()
    (event,) = poll.check()
    assert event.object.message["text"] == "later"
    assert time.monotonic() - started < 2


def test_old_ts_gets_history_again_and_redelivery_keeps_event_id(
    emulator: VkEmulator, vk: vk_api.VkApi
) -> None:
    first = VkBotLongPoll(vk, GROUP_ID, wait=1)
    start_ts = first.ts
    event_id = emulator.send_text(USER, "one")
    assert [e.raw["event_id"] for e in first.check()] == [event_id]
    restarted = VkBotLongPoll(vk, GROUP_ID, wait=1)
    restarted.ts = start_ts
    assert [e.raw["event_id"] for e in restarted.check()] == [event_id]
    emulator.redeliver(event_id)
    assert [e.raw["event_id"] for e in first.check()] == [event_id]


def test_long_poll_failures_are_handled_by_vk_api(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    poll = VkBotLongPoll(vk, GROUP_ID, wait=1)
    old_key = poll.key
    emulator.expire_key()
    emulator.send_text(USER, "kept")
    assert poll.check() == []  # failed 2: vk_api fetches a new key and keeps its ts
    assert poll.key != old_key
    assert [e.object.message["text"] for e in poll.check()] == ["kept"]

    emulator.send_text(USER, "lost")
    emulator.lose_history()
    assert poll.check() == []  # failed 3: new key and ts, the pending event is gone
    assert poll.check() == []

    poll.ts = "999"  # from the future: failed 1 with the current ts
    assert poll.check() == []
    assert poll.ts == str(emulator.current_ts)

    old_ts = poll.ts
    emulator.send_text(USER, "trimmed")
    emulator.trim_history()
    poll.ts = old_ts  # history no longer there: failed 1 with the current ts
    assert poll.check() == []
    assert poll.ts == str(emulator.current_ts)


def test_random_id_dedupes_within_peer(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    first = send(vk, message="hi", random_id=77)
    again = send(vk, message="hi", random_id=77)
    assert first == again and isinstance(first, int)
    assert [m.text for m in emulator.messages(USER)] == ["hi"]
    assert emulator.stats["deduplicated"] == 1
    send(vk, message="hi", random_id=0)
    send(vk, message="hi", random_id=0)
    assert len(emulator.messages(USER)) == 3
    assert (
        api_error(lambda: vk.method("messages.send", {"peer_id": USER, "message": "x"})).code == 100
    )
    assert api_error(lambda: send(vk, message="x", random_id=2**31)).code == 100


@pytest.mark.parametrize(
    "keyboard",
    [
        inline_keyboard([[callback("ok", json.dumps({"p": "x" * 247}))]]),  # 256 chars
        inline_keyboard([[callback("x" * 41)]]),
        inline_keyboard([[callback(str(i)) for i in range(6)]]),
        inline_keyboard([[callback(str(r * 2 + i)) for i in range(2)] for r in range(6)]),
        inline_keyboard([[callback(str(r))] for r in range(7)]),
        json.dumps({"buttons": [[{"action": {"type": "teleport", "label": "x"}}]]}),
        json.dumps({"buttons": [[{"action": {"type": "location"}}, callback("x")]]}),
        json.dumps({"buttons": [[{"action": {"type": "text", "label": "x"}, "color": "red"}]]}),
        "{not json",
    ],
)
def test_invalid_keyboards_are_911(vk: vk_api.VkApi, keyboard: str) -> None:
    error = api_error(lambda: send(vk, message="x", keyboard=keyboard))
    assert error.code == 911
    assert error.error["error_msg"].startswith("Keyboard format is invalid")


def test_valid_keyboards_pass(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    payload = json.dumps({"p": "x" * 246})
    assert len(payload) == 255
    send(vk, message="a", keyboard=inline_keyboard([[callback("y" * 40, payload)]]))
    full = {"buttons": [[callback(f"{r}-{i}") for i in range(4)] for r in range(10)]}
    send(vk, message="b", keyboard=json.dumps(full))
    keyboard = VkKeyboard(inline=True)
    keyboard.add_callback_button("Mentor", payload={"cmd": "mentor"})
    send(vk, message="c", keyboard=keyboard.get_keyboard())
    assert emulator.last_message(USER).keyboard["inline"] is True  # type: ignore[union-attr]


def test_message_validation(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    send(vk, message="x" * 4096)
    assert api_error(lambda: send(vk, message="x" * 4097)).code == 914
    assert api_error(lambda: send(vk, message="  ")).code == 100
    emulator.block(USER)
    error = api_error(lambda: send(vk, message="hi"))
    assert error.code == 901
    assert error.error["error_msg"] == "Can't send messages for users without permission"
    assert ("messages.send", 901) in emulator.calls


def test_auth_version_and_unknown_method(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    assert api_error(lambda: connect(emulator, token="wrong").method("users.get")).code == 5
    assert api_error(lambda: connect(emulator, version="5.92").method("users.get")).code == 8
    error = api_error(lambda: vk.method("wall.post", {"message": "x"}))
    assert (error.code, error.error["error_msg"]) == (3, "Unknown method passed")
    assert {"key": "message", "value": "x"} in error.error["request_params"]


def test_users_and_group(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    emulator.set_user(USER, "Anna", "Ivanova")
    (user,) = vk.method("users.get", {"user_ids": str(USER)})
    assert (user["id"], user["first_name"], user["last_name"]) == (USER, "Anna", "Ivanova")
    group = vk.method("groups.getById", {"group_id": GROUP_ID})["groups"][0]
    assert group["id"] == GROUP_ID


def test_callback_press_and_answer(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    poll = VkBotLongPoll(vk, GROUP_ID, wait=1)
    keyboard = inline_keyboard([[callback("Become a mentor", '{"cmd":"mentor"}')]])
    send(vk, message="Choose", keyboard=keyboard)
    with pytest.raises(AssertionError, match="Become a mentor"):
        emulator.press(USER, "Mentee")
    update_id = emulator.press(USER, "mentor")
    (event,) = poll.check()
    assert event.type == VkBotEventType.MESSAGE_EVENT
    assert event.object.payload == {"cmd": "mentor"}
    cmid = emulator.last_message(USER).conversation_message_id  # type: ignore[union-attr]
    assert event.object.conversation_message_id == cmid
    snackbar = json.dumps({"type": "show_snackbar", "text": "Saved"})
    vk.method(
        "messages.sendMessageEventAnswer",
        {
            "event_id": event.object.event_id,
            "user_id": USER,
            "peer_id": USER,
            "event_data": snackbar,
        },
    )
    (answer,) = emulator.event_answers
    assert answer.update_id == update_id and answer.event_data == json.loads(snackbar)
    bad = {"event_id": "nope", "user_id": USER, "peer_id": USER}
    assert api_error(lambda: vk.method("messages.sendMessageEventAnswer", bad)).code == 100


def test_text_button_press_sends_payload(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    poll = VkBotLongPoll(vk, GROUP_ID, wait=1)
    keyboard = VkKeyboard(one_time=True)
    keyboard.add_button("Yes", payload={"answer": "yes"})
    send(vk, message="Agree?", keyboard=keyboard.get_keyboard())
    emulator.press(USER, "Yes")
    (event,) = poll.check()
    assert event.object.message["text"] == "Yes"
    assert json.loads(event.object.message["payload"]) == {"answer": "yes"}


def test_edit_and_wait_for_text(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    keyboard = inline_keyboard([[callback("Go")]])
    send(vk, message="Step 1", keyboard=keyboard)
    message = emulator.wait_for_text(USER, "Step 1")
    threading.Timer(
        0.2,
        vk.method,
        (
            "messages.edit",
            {
                "peer_id": USER,
                "conversation_message_id": message.conversation_message_id,
                "message": "Step 2",
            },
        ),
    ).start()
    edited = emulator.wait_for_text(USER, "Step 2", timeout=5)
    assert edited.edits == 1 and edited.keyboard is None  # not passed again, so removed
    assert [r.method for r in emulator.sent] == ["messages.send", "messages.edit"]
    with pytest.raises(AssertionError, match="Step 2"):
        emulator.wait_for_text(USER, "Step 3", timeout=0.2)


def test_conversations(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    emulator.set_user(USER, "Anna", "Ivanova")
    poll = VkBotLongPoll(vk, GROUP_ID, wait=1)
    emulator.chat_invite_user(CHAT, -GROUP_ID, from_id=USER)
    emulator.send_text(USER, "hi all", peer_id=CHAT)
    invite, text = poll.check()
    assert invite.object.message["action"] == {"type": "chat_invite_user", "member_id": -GROUP_ID}
    assert text.from_chat and text.object.message["id"] == 0
    assert send(vk, peer_id=CHAT, message="hello") == 0  # VK gives communities no id in chats
    (result,) = send(vk, peer_ids=str(CHAT), peer_id=None, message="again")
    last = emulator.last_message(CHAT)
    assert last is not None and result["conversation_message_id"] == last.conversation_message_id
    members = vk.method("messages.getConversationMembers", {"peer_id": CHAT})
    assert {p["first_name"] for p in members["profiles"]} == {"Anna"}
    emulator.set_chat_admin(CHAT, False)
    assert (
        api_error(lambda: vk.method("messages.getConversationMembers", {"peer_id": CHAT})).code
        == 917
    )
    emulator.chat_kick_user(CHAT, -GROUP_ID, from_id=USER)
    assert api_error(lambda: send(vk, peer_id=CHAT, message="x")).code == 917


def test_document_upload_chain(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    data = b"PK\x03\x04 fake xlsx"
    upload = vk_api.VkUpload(vk)
    saved = upload.document_message(io.BytesIO(data), title="report.xlsx", peer_id=USER)
    assert saved["type"] == "doc"
    doc = saved["doc"]
    assert doc["title"] == "report.xlsx" and doc["size"] == len(data)
    assert requests.get(doc["url"], timeout=5).content == data
    send(vk, message="", attachment=f"doc{doc['owner_id']}_{doc['id']}")
    (record,) = emulator.sent
    assert [(d.title, d.data) for d in record.docs] == [("report.xlsx", data)]
    assert api_error(lambda: send(vk, message="", attachment="doc-1_999")).code == 100


def test_fault_injection(emulator: VkEmulator, vk: vk_api.VkApi) -> None:
    emulator.fail_next("messages.send", error_code=10)
    assert api_error(lambda: send(vk, message="x")).code == 10
    emulator.fail_next("messages.send", http_status=502)
    with pytest.raises(vk_api.ApiHttpError):
        send(vk, message="x")
    emulator.fail_next("messages.send", error_code=6)
    send(vk, message="x")  # vk_api sleeps 0.5 s on error 6 and retries
    assert emulator.calls == [
        ("messages.send", 10),
        ("messages.send", 502),
        ("messages.send", 6),
        ("messages.send", None),
    ]
    emulator.clear()
    assert emulator.calls == [] and emulator.sent == []


def test_rate_limit(emulator: VkEmulator) -> None:
    emulator.enforce_limits(per_sec=5)
    url = f"{emulator.base_url}/method/users.get"
    codes = [
        requests.post(url, data={"access_token": TOKEN, "v": "5.199", "user_ids": "1"}, timeout=5)
        .json()
        .get("error", {})
        .get("error_code")
        for _ in range(8)
    ]
    assert codes == [None] * 5 + [6] * 3
    assert emulator.stats["rate_limited"] == 3
