"""HTTP side of the Telegram emulator: an aiohttp server in its own thread and event loop.

Requests arrive as `POST {base}/bot{token}/{method}` with a JSON, urlencoded or multipart
body; files are served from `GET {base}/file/bot{token}/{path}` like on api.telegram.org.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import traceback
from collections.abc import Iterator
from contextlib import suppress
from email.message import Message
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from .telegram_api import MAX_UPLOAD_BYTES, BotApi, canonical_method
from .telegram_state import TelegramState
from .telegram_validation import ApiError, JsonDict, Params, UploadedFile

log = logging.getLogger(__name__)

CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024  # a maximal file plus the other fields


class BotApiServer:
    """Serves BotApi over HTTP and implements getUpdates long polling."""

    def __init__(self, state: TelegramState, api: BotApi, *, host: str, port: int) -> None:
        self._state = state
        self._api = api
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._startup_error: BaseException | None = None
        self._wakeup: asyncio.Event | None = None  # replaced on every wake (loop thread only)
        self._poll_generation = 0
        self._closing = False
        self.internal_errors: list[str] = []

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("TelegramEmulator is not started")
        return f"http://{self._host}:{self._port}"

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("TelegramEmulator can be started only once")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._requested_port))
        sock.listen(128)
        sock.setblocking(False)
        self._port = sock.getsockname()[1]
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(sock, ready),
            name=f"telegram-emulator-{self._port}",
            daemon=True,
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("TelegramEmulator did not start within 10 seconds")
        if self._startup_error is not None:
            raise RuntimeError("TelegramEmulator failed to start") from self._startup_error

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        loop.call_soon_threadsafe(self._begin_shutdown)
        thread.join(timeout=10)

    def notify_updates(self) -> None:
        """Wake long polls after updates were queued; callable from any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(self._wake_pollers)

    def _run(self, sock: socket.socket, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            runner = loop.run_until_complete(self._serve(sock))
        except BaseException as error:  # reported to start() in the caller's thread
            self._startup_error = error
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self, sock: socket.socket) -> web.AppRunner:
        self._wakeup = asyncio.Event()
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        return runner

    def _begin_shutdown(self) -> None:
        assert self._loop is not None
        self._closing = True  # pending long polls answer with no updates
        self._wake_pollers()
        self._loop.stop()

    def _wake_pollers(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()
        self._wakeup = asyncio.Event()

    # --- HTTP -------------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        requested = request.match_info["method"]
        method = canonical_method(requested)
        try:
            if request.match_info["token"] != self._state.token:
                raise ApiError(401, "Unauthorized")
            if method is None:
                raise ApiError(404, "Not Found: method not found")
            params = await _read_params(request)
            with self._state.lock:
                fault = self._state.take_fault(method)
            if fault is not None:
                raise fault
            if method == "getUpdates":
                result = await self._get_updates(params)
            else:
                result = self._api.call(method, params)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, body = error.status, error.payload()
        except Exception:  # an emulator bug must not look like a network error to the bot
            self.internal_errors.append(traceback.format_exc())
            log.exception("Telegram emulator failed on %s", requested)
            error = ApiError(500, "Internal Server Error")
            status, body = error.status, error.payload()
        with self._state.lock:
            self._state.log_request(method or requested, status)
        dumps = partial(json.dumps, ensure_ascii=False)
        return web.json_response(body, status=status, dumps=dumps)

    async def _get_updates(self, params: Params) -> list[JsonDict]:
        offset, limit, timeout = self._api.poll_arguments(params)
        loop = asyncio.get_running_loop()
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older long poll ends with 409, like with two bot instances
        deadline = loop.time() + timeout
        while True:
            wakeup = self._wakeup  # taken before polling so a wake in between is not lost
            assert wakeup is not None
            with self._state.lock:
                updates = self._state.poll(offset, limit)
            remaining = deadline - loop.time()
            if updates or self._closing or remaining <= 0:
                return updates
            with suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), remaining)
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT)

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        with self._state.lock:
            known = request.match_info["token"] == self._state.token
            stored = next((f for f in self._state.files.values() if f.file_path == path), None)
        if not known or stored is None:
            body = {"ok": False, "error_code": 404, "description": "Not Found"}
            return web.json_response(body, status=404)
        return web.Response(body=stored.data, content_type="application/octet-stream")


async def _read_params(request: web.Request) -> Params:
    """Query string plus a JSON, urlencoded or multipart body, like the real endpoint accepts."""
    values: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    body = await _read_body(request)
    content_type = request.content_type
    if not body.strip():
        pass
    elif content_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            decoded = None
        if not isinstance(decoded, dict):
            raise ApiError(400, "Bad Request: can't parse JSON object")
        values.update(decoded)
    elif content_type == "multipart/form-data":
        header = Message()
        header["Content-Type"] = request.headers.get("Content-Type", "")
        boundary = header.get_param("boundary")
        for headers, content in _multipart_parts(body, boundary):
            disposition = Message()
            disposition["Content-Disposition"] = headers.get("content-disposition", "")
            name = disposition.get_param("name", header="Content-Disposition")
            if not isinstance(name, str):
                continue
            filename = disposition.get_filename()
            if filename is None:
                values[name] = content.decode("utf-8", errors="replace")
            else:
                files[name] = UploadedFile(filename, content, headers.get("content-type"))
    else:
        values.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return Params(values, files)


async def _read_body(request: web.Request) -> bytes:
    """Read the whole body, draining oversized ones so the client still gets our 413."""
    data = bytearray()
    too_large = False
    async for chunk in request.content.iter_chunked(1 << 16):
        too_large = too_large or len(data) + len(chunk) > MAX_REQUEST_BYTES
        if not too_large:
            data += chunk
    if too_large:
        raise ApiError(413, "Request Entity Too Large")
    return bytes(data)


def _multipart_parts(body: bytes, boundary: Any) -> Iterator[tuple[dict[str, str], bytes]]:
    """Split a multipart/form-data body into (lower-cased headers, raw content) pairs."""
    if not isinstance(boundary, str) or not boundary:
        raise ApiError(400, "Bad Request: can't parse multipart/form-data")
    for segment in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if segment.startswith(b"--"):
            break  # the closing delimiter
        head, separator, content = segment.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            raise ApiError(400, "Bad Request: can't parse multipart/form-data")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", errors="replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        yield headers, content.removesuffix(b"\r\n")
