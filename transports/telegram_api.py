"""Bot API calls as plain JSON over aiogram's HTTP session, answers as dicts.

aiogram validates every answer into pydantic models; for the calls made per update
(getUpdates, sendMessage, editMessageText, answerCallbackQuery) the bot reads a handful of
fields, and the models cost ~0.1 ms a call (editMessageText even rebuilt its generic
`Response[Message | bool]` type every time). The Bot API takes JSON bodies as well as
forms, so the requests are the same calls; aiogram's `AiohttpSession` still owns the
connection pool, proxy support and the server's URLs.
"""

from __future__ import annotations

import json
from typing import Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiohttp import ClientError, ClientTimeout, FormData

JsonDict = dict[str, Any]
_JSON_HEADERS = {"Content-Type": "application/json"}


class ApiError(Exception):
    """The Bot API answered `ok: false` (or an HTTP error with a JSON body)."""

    def __init__(self, status: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description
        self.retry_after = retry_after


class NetworkError(Exception):
    """No usable answer: connection failure, timeout, or a body that is not JSON."""


class BotApi:
    def __init__(self, session: AiohttpSession, token: str) -> None:
        self.session = session
        self._token = token
        self._urls: dict[str, str] = {}

    def _url(self, method: str) -> str:
        url = self._urls.get(method)
        if url is None:
            url = self._urls[method] = self.session.api.api_url(token=self._token, method=method)
        return url

    async def call(
        self,
        method: str,
        params: JsonDict,
        *,
        file: tuple[str, str, bytes, str] | None = None,
        seconds: float | None = None,
    ) -> Any:
        """`method`'s result; raises ApiError or NetworkError. `file` is (field, filename,
        bytes, mime) and makes the request a multipart form, as uploads must be; `seconds`
        limits the whole request (default: the session's timeout)."""
        http = await self.session.create_session()
        body: bytes | FormData
        headers: dict[str, str] | None = _JSON_HEADERS
        if file is None:
            body = json.dumps(params, ensure_ascii=False).encode()
        else:
            body, headers = _form(params, file), None
        try:
            async with http.post(
                self._url(method),
                data=body,
                headers=headers,
                timeout=ClientTimeout(total=seconds or self.session.timeout),
            ) as response:
                status, raw = response.status, await response.read()
        except TimeoutError as exc:
            raise NetworkError(f"{method}: request timeout") from exc
        except ClientError as exc:
            raise NetworkError(f"{method}: {type(exc).__name__}: {exc}") from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:  # a proxy's HTML error page, a cut-off body
            raise NetworkError(f"{method}: HTTP {status}, not a JSON answer") from exc
        if 200 <= status <= 226 and answer.get("ok"):
            return answer.get("result")
        parameters = answer.get("parameters") or {}
        raise ApiError(
            status, str(answer.get("description", "")), parameters.get("retry_after") or None
        )


def _form(params: JsonDict, file: tuple[str, str, bytes, str]) -> FormData:
    form = FormData(quote_fields=False)
    for key, value in params.items():
        if value is not None:
            form.add_field(key, value if isinstance(value, str) else json.dumps(value))
    field, filename, data, mime = file
    form.add_field(field, data, filename=filename, content_type=mime)
    return form
