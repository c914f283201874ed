"""Bot API input handling for the Telegram emulator: errors, parameters, formatted text, markup.

Error descriptions copy the real Bot API (tdlib) wording where it is known, so code that
matches on descriptions behaves the same against the emulator and against Telegram.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

JsonDict = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
MAX_INLINE_ROW = 8

_ENTITIES_PREFIX = "can't parse entities: "


class ApiError(Exception):
    """A Bot API error reply; raised anywhere while handling a request, rendered by the server."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def utf16_len(text: str) -> int:
    """Entity offsets and lengths are counted in UTF-16 code units by the Bot API."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    data: bytes
    content_type: str | None = None


class Params:
    """Request parameters with Bot API coercion: form fields are strings, JSON bodies are typed."""

    def __init__(
        self, values: Mapping[str, Any], files: Mapping[str, UploadedFile] | None = None
    ) -> None:
        self._values = dict(values)
        self._files = dict(files or {})

    def raw(self, name: str) -> Any:
        return self._values.get(name)

    def get_str(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    def get_int(self, name: str, *, error: str) -> int | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(error)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            return int(value)
        raise bad_request(error)

    def get_bool(self, name: str) -> bool:
        value = self._values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1"}
        return bool(value)

    def get_json(self, name: str, *, error: str) -> Any:
        value = self._values.get(name)
        if not isinstance(value, str):
            return copy.deepcopy(value)
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(error) from None

    def get_file(self, name: str) -> UploadedFile | str | None:
        """An uploaded file (direct or via attach://), or a file_id/URL string, or None."""
        if name in self._files:
            return self._files[name]
        value = self.get_str(name)
        if value is None or value == "":
            return None
        if value.startswith("attach://"):
            attached = self._files.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f"wrong file identifier/HTTP URL specified: {value}")
            return attached
        return value

    def as_record(self) -> JsonDict:
        """What the bot sent, minus file contents; stored on SentRecord for assertions."""
        record = copy.deepcopy(self._values)
        for name, upload in self._files.items():
            record[name] = f"<file {upload.filename}>"
        return record


# --- formatted text -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormattedText:
    text: str
    entities: list[JsonDict]


class _Output:
    """Accumulates parsed plain text while tracking the UTF-16 offset for entities."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.offset += utf16_len(chunk)

    def text(self) -> str:
        return "".join(self.parts)


def _entity(kind: str, start: int, end: int, **extra: Any) -> JsonDict:
    entity: JsonDict = {"type": kind, "offset": start, "length": end - start}
    entity.update({key: value for key, value in extra.items() if value})
    return entity


def _byte_offset(text: str, index: int) -> int:
    # tdlib reports positions as byte offsets in the UTF-8 source
    return len(text[:index].encode("utf-8"))


def _parse_error(detail: str) -> ApiError:
    return bad_request(_ENTITIES_PREFIX + detail)


def parse_formatted(text: str | None, parse_mode: str | None, entities: Any) -> FormattedText:
    """Apply parse_mode (or explicit entities) and trim, like Telegram does before length checks."""
    source = text or ""
    if entities is not None:
        parsed = FormattedText(source, _check_entities(entities))
    elif parse_mode:
        mode = parse_mode.strip().lower()
        if mode == "html":
            parsed = _parse_html(source)
        elif mode == "markdownv2":
            parsed = _parse_markdown_v2(source)
        elif mode == "markdown":
            parsed = _parse_markdown(source)
        else:
            raise bad_request("unsupported parse_mode")
    else:
        parsed = FormattedText(source, [])
    return _strip(parsed)


def _check_entities(entities: Any) -> list[JsonDict]:
    if not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")
    checked: list[JsonDict] = []
    for item in entities:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise bad_request('can\'t parse MessageEntity: Field "type" must be of type String')
        offset, length = item.get("offset"), item.get("length")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0:
            raise bad_request("can't parse MessageEntity: wrong offset or length")
        if length > 0:
            checked.append(dict(item))
    return checked


def _strip(parsed: FormattedText) -> FormattedText:
    text = parsed.text
    stripped = text.strip()
    if stripped == text:
        return FormattedText(text, sorted(parsed.entities, key=_entity_order))
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    entities: list[JsonDict] = []
    for entity in parsed.entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, sorted(entities, key=_entity_order))


def _entity_order(entity: JsonDict) -> tuple[int, int]:
    return entity["offset"], -entity["length"]


_HTML_TAGS = {
    "a": "text_link",
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY = re.compile(r"&(?:([A-Za-z]+)|#x([0-9a-fA-F]+)|#([0-9]+));?")
_INVALID_UNICODE = (
    "Text contains invalid Unicode characters after decoding HTML entities, "
    "check for unmatched surrogate code units"
)


def _decode_html_entity(text: str, index: int) -> tuple[str, int] | None:
    """Decode an entity at text[index] == '&' the way tdlib does.

    The trailing ';' is optional, only four named entities exist, and anything unknown or
    out of range stays literal text.
    """
    match = _HTML_ENTITY.match(text, index)
    if match is None:
        return None
    named, hexadecimal, decimal = match.groups()
    if named is not None:
        char = _HTML_NAMED.get(named)
        return None if char is None else (char, match.end())
    digits = hexadecimal if hexadecimal is not None else decimal
    code = int(digits, 16 if hexadecimal is not None else 10)
    digits_end = match.end(2) if hexadecimal is not None else match.end(3)
    if code == 0 or code >= 0x10FFFF or digits_end - index >= 10:
        return None
    if 0xD800 <= code <= 0xDFFF:
        raise _parse_error(_INVALID_UNICODE)
    return chr(code), match.end()


@dataclass
class _OpenTag:
    name: str
    argument: str
    start: int  # UTF-16 offset in the output
    first_part: int  # index into _Output.parts
    expandable: bool = False


def _parse_html(text: str) -> FormattedText:
    out = _Output()
    stack: list[_OpenTag] = []
    entities: list[JsonDict] = []
    size = len(text)
    i = 0
    while i < size:
        char = text[i]
        if char == "&" and (decoded := _decode_html_entity(text, i)) is not None:
            out.add(decoded[0])
            i = decoded[1]
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        begin = i
        where = f"at byte offset {_byte_offset(text, begin)}"
        i += 1
        if i < size and text[i] == "/":
            if not stack:
                raise _parse_error(f"Unexpected end tag {where}")
            j = i + 1
            while j < size and not text[j].isspace() and text[j] != ">":
                j += 1
            end_name = text[i + 1 : j]
            while j < size and text[j].isspace():
                j += 1
            if j >= size or text[j] != ">":
                raise _parse_error(f"Unclosed end tag {where}")
            tag = stack.pop()
            if end_name and end_name != tag.name:
                raise _parse_error(
                    f'Unmatched end tag {where}, expected "</{tag.name}>", found "</{end_name}>"'
                )
            _close_html_tag(tag, out, stack, entities)
            i = j + 1
            continue
        j = i
        while j < size and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= size:
            raise _parse_error(f"Unclosed start tag {where}")
        name = text[i:j].lower()
        if name not in _HTML_TAGS:
            raise _parse_error(f'Unsupported start tag "{name}" {where}')
        tag = _OpenTag(name, "", out.offset, len(out.parts))
        i = _parse_html_attributes(text, j, tag, where)
        if name == "span" and tag.argument != "spoiler":
            raise _parse_error(f'Tag "span" must have class "tg-spoiler" {where}')
        stack.append(tag)
        i += 1
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return FormattedText(out.text(), entities)


def _parse_html_attributes(text: str, i: int, tag: _OpenTag, where: str) -> int:
    """Parse attributes up to the closing '>' and return its index."""
    size = len(text)
    while True:
        while i < size and text[i].isspace():
            i += 1
        if i >= size:
            raise _parse_error(f"Unclosed start tag {where}")
        if text[i] == ">":
            return i
        name_start = i
        while i < size and not text[i].isspace() and text[i] not in "=>":
            i += 1
        attribute = text[name_start:i].lower()
        if not attribute:
            raise _parse_error(f'Empty attribute name in the tag "{tag.name}" {where}')
        while i < size and text[i].isspace():
            i += 1
        if tag.name == "blockquote" and attribute == "expandable":
            tag.expandable = True
        if i >= size or text[i] != "=":
            continue  # a bare attribute name is ignored
        i += 1
        while i < size and text[i].isspace():
            i += 1
        if i >= size:
            raise _parse_error(f'Unclosed start tag "{tag.name}" {where}')
        value, i = _parse_html_attribute_value(text, i)
        if i >= size:
            raise _parse_error(f"Unclosed start tag {where}")
        if tag.name == "a" and attribute == "href":
            tag.argument = value
        elif tag.name == "code" and attribute == "class" and value.startswith("language-"):
            tag.argument = value.removeprefix("language-")
        elif tag.name == "span" and attribute == "class" and value.startswith("tg-"):
            tag.argument = value.removeprefix("tg-")
        elif tag.name == "tg-emoji" and attribute == "emoji-id":
            tag.argument = value


def _parse_html_attribute_value(text: str, i: int) -> tuple[str, int]:
    size = len(text)
    quote = text[i]
    if quote not in "'\"":
        start = i
        while i < size and (text[i].isalnum() or text[i] in ".-"):
            i += 1
        if i < size and not text[i].isspace() and text[i] != ">":
            raise _parse_error(
                f"Unexpected end of name token at byte offset {_byte_offset(text, start)}"
            )
        return text[start:i].lower(), i
    i += 1
    value: list[str] = []
    while i < size and text[i] != quote:
        if text[i] == "&" and (decoded := _decode_html_entity(text, i)) is not None:
            value.append(decoded[0])
            i = decoded[1]
            continue
        value.append(text[i])
        i += 1
    if i < size:
        i += 1
    return "".join(value), i


def _close_html_tag(
    tag: _OpenTag, output: _Output, stack: list[_OpenTag], out: list[JsonDict]
) -> None:
    end = output.offset
    own_text = "".join(output.parts[tag.first_part :])
    if end <= tag.start:
        return
    kind = _HTML_TAGS[tag.name]
    if kind == "text_link":
        url = normalize_url(tag.argument or own_text)
        if url is not None:
            out.append(_entity(kind, tag.start, end, url=url))
    elif kind == "custom_emoji":
        if tag.argument:
            out.append(_entity(kind, tag.start, end, custom_emoji_id=tag.argument))
    elif kind == "code" and stack and stack[-1].name == "pre" and tag.argument:
        # <pre><code class="language-x"> becomes one pre entity with a language
        stack[-1].argument = tag.argument
    elif kind == "pre":
        out.append(_entity(kind, tag.start, end, language=tag.argument))
    elif kind == "blockquote" and tag.expandable:
        out.append(_entity("expandable_blockquote", tag.start, end))
    else:
        out.append(_entity(kind, tag.start, end))


_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _OpenMark:
    kind: str
    byte_offset: int
    start: int = 0  # UTF-16 offset in the output
    first_part: int = 0  # index into _Output.parts, to recover the entity's own text
    language: str = ""

    def begin(self, out: _Output) -> None:
        self.start, self.first_part = out.offset, len(out.parts)

    def own_text(self, out: _Output) -> str:
        return "".join(out.parts[self.first_part :])


def _mdv2_closes(kind: str, text: str, i: int) -> bool:
    char, pair = text[i], text[i : i + 2]
    return {
        "bold": char == "*",
        "italic": char == "_" and pair != "__",
        "underline": pair == "__",
        "strikethrough": char == "~",
        "spoiler": pair == "||",
        "code": char == "`",
        "pre": text[i : i + 3] == "```",
        "text_link": char == "]",
        "custom_emoji": char == "]",
    }[kind]


@dataclass
class _Quote:
    start: int  # UTF-16 offset in the output
    depth: int  # entities opened inside the quote must close before it ends
    expandable: bool = False


def _parse_markdown_v2(text: str) -> FormattedText:
    out = _Output()
    stack: list[_OpenMark] = []
    entities: list[JsonDict] = []
    quote: _Quote | None = None
    size = len(text)
    i = 0
    while i < size:
        char = text[i]
        in_code = bool(stack) and stack[-1].kind in {"code", "pre"}
        # a quote ends at the first line that does not start with '>'
        if quote is not None and not in_code and i > 0 and text[i - 1] == "\n" and char != ">":
            _close_quote(quote, out, stack, entities)
            quote = None
        if char == "\\" and i + 1 < size and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        if char not in ("`" if in_code else _MDV2_RESERVED):
            out.add(char)
            i += 1
            continue
        # markers before '>' do not count: a line starts where the output has a line break
        if char == ">" and (not out.parts or out.parts[-1] in {"\n", "\r"}):
            quote = quote or _Quote(out.offset, len(stack))
            i += 1
            continue
        ends_line = text[i + 2 : i + 3] in {"", "\n", "\r"}
        top_is_spoiler = bool(stack) and stack[-1].kind == "spoiler"
        if quote is not None and text[i : i + 2] == "||" and ends_line and not top_is_spoiler:
            quote.expandable = True  # "||" at the end of a quote line marks it expandable
            i += 2
            continue
        if stack and _mdv2_closes(stack[-1].kind, text, i):
            i = _mdv2_close(text, i, stack.pop(), out, entities)
            continue
        mark = _OpenMark("", _byte_offset(text, i))
        if char == "_" and text[i : i + 2] == "__":
            mark.kind, i = "underline", i + 2
        elif char in "_*~[":
            mark.kind = {"_": "italic", "*": "bold", "~": "strikethrough", "[": "text_link"}[char]
            i += 1
        elif char == "|" and text[i : i + 2] == "||":
            mark.kind, i = "spoiler", i + 2
        elif char == "!" and text[i : i + 2] == "![":
            mark.kind, i = "custom_emoji", i + 2
        elif char == "`" and text[i : i + 3] == "```":
            mark.kind = "pre"
            i = _pre_header(text, i + 3, mark)
        elif char == "`":
            mark.kind, i = "code", i + 1
        else:
            raise _parse_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        mark.begin(out)
        stack.append(mark)
    if stack:
        raise _unclosed_mark(stack[-1])
    if quote is not None:
        _close_quote(quote, out, stack, entities)
    return FormattedText(out.text(), entities)


def _unclosed_mark(mark: _OpenMark) -> ApiError:
    name = "PreCode" if mark.kind == "pre" and mark.language else _MDV2_NAMES[mark.kind]
    return _parse_error(f"Can't find end of {name} entity at byte offset {mark.byte_offset}")


def _close_quote(
    quote: _Quote, out: _Output, stack: list[_OpenMark], entities: list[JsonDict]
) -> None:
    if len(stack) > quote.depth:
        raise _unclosed_mark(stack[-1])
    if out.offset > quote.start:
        kind = "expandable_blockquote" if quote.expandable else "blockquote"
        entities.append(_entity(kind, quote.start, out.offset))


def _pre_header(text: str, i: int, mark: _OpenMark) -> int:
    """Read an optional language after ``` and skip one leading newline of the block."""
    end = i
    while end < len(text) and not text[end].isspace() and text[end] != "`":
        end += 1
    if end != i and end < len(text) and text[end] != "`":
        mark.language = text[i:end]
        i = end
    if text[i : i + 2] in {"\r\n", "\n\r"}:
        return i + 2
    if text[i : i + 1] in {"\n", "\r"}:
        return i + 1
    return i


def _mdv2_close(text: str, i: int, mark: _OpenMark, out: _Output, entities: list[JsonDict]) -> int:
    """Consume the closing token of mark at text[i] and record its entity; returns the new i."""
    extra: JsonDict = {}
    if mark.kind in {"underline", "spoiler"}:
        i += 2
    elif mark.kind == "pre":
        i += 3
        extra["language"] = mark.language
    elif mark.kind in {"text_link", "custom_emoji"}:
        i += 1
        target: str | None = None
        if text[i : i + 1] == "(":
            i, target = _read_link_target(text, i + 1)
        if mark.kind == "text_link":
            url = normalize_url(mark.own_text(out) if target is None else target)
            if url is None:
                return i  # Telegram silently drops links it cannot parse
            extra["url"] = url
        else:
            emoji_id = _custom_emoji_id(target)
            if emoji_id is None:
                return i
            extra["custom_emoji_id"] = emoji_id
    else:
        i += 1
    if out.offset > mark.start:
        entities.append(_entity(mark.kind, mark.start, out.offset, **extra))
    return i


def _custom_emoji_id(target: str | None) -> str | None:
    if target is None:
        raise _parse_error("The entity must contain a tg://emoji or tg://time URL")
    parts = urlsplit(target)
    host = parts.netloc.lower()
    if parts.scheme.lower() == "tg" and parts.path in {"", "/"} and host in {"emoji", "time"}:
        if host == "time":
            return None  # date-time entities are not modelled
        emoji_id = parse_qs(parts.query).get("id", [""])[-1]
        if re.fullmatch(r"[1-9][0-9]*", emoji_id):
            return emoji_id
    raise _parse_error("Invalid tg://emoji or tg://time URL specified")


def normalize_url(raw: str) -> str | None:
    """A link target as Telegram stores it (scheme and '/' path added), or None if invalid."""
    url = raw.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    if url.lower().startswith("tg:"):
        return url
    if "://" not in url:
        url = f"http://{url}"
    parts = urlsplit(url)
    host = parts.hostname or ""
    # Telegram wants a public host name: "localhost" or "as" are rejected
    if parts.scheme.lower() not in {"http", "https", "ton"} or "." not in host.strip("."):
        return None
    if not parts.path:
        prefix = f"{parts.scheme}://{parts.netloc}"
        url = f"{prefix}/{url[len(prefix) :]}"
    return url


def _read_link_target(text: str, i: int) -> tuple[int, str]:
    start = i
    target: list[str] = []
    while i < len(text) and text[i] != ")":
        if text[i] == "\\" and i + 1 < len(text) and 0 < ord(text[i + 1]) <= 126:
            target.append(text[i + 1])
            i += 2
            continue
        target.append(text[i])
        i += 1
    if i >= len(text):
        raise _parse_error(f"Can't find end of a URL at byte offset {_byte_offset(text, start)}")
    return i + 1, "".join(target)


def _parse_markdown(text: str) -> FormattedText:
    """Legacy Markdown: no nesting, only _ * ` ``` and [text](url)."""
    out = _Output()
    entities: list[JsonDict] = []
    size = len(text)
    i = 0
    while i < size:
        char = text[i]
        if char == "\\" and text[i + 1 : i + 2] in {"_", "*", "`", "["}:
            out.add(text[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.add(char)
            i += 1
            continue
        begin = i
        closing = "]" if char == "[" else char
        kind = {"_": "italic", "*": "bold", "`": "code", "[": "text_link"}[char]
        if text[i : i + 3] == "```":
            kind = "pre"
        mark = _OpenMark(kind, _byte_offset(text, begin))
        i = _pre_header(text, i + 3, mark) if kind == "pre" else i + 1
        mark.begin(out)
        while i < size and (text[i] != closing or (kind == "pre" and text[i : i + 3] != "```")):
            out.add(text[i])
            i += 1
        if i >= size:
            raise _parse_error(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
            )
        i += 3 if kind == "pre" else 1
        extra: JsonDict = {"language": mark.language} if kind == "pre" else {}
        if kind == "text_link":
            target = mark.own_text(out)
            if text[i : i + 1] == "(":
                end = text.find(")", i + 1)
                end = size if end < 0 else end
                target, i = text[i + 1 : end], end + 1
            url = normalize_url(target)
            if url is None:
                continue
            extra["url"] = url
        if out.offset > mark.start:
            entities.append(_entity(kind, mark.start, out.offset, **extra))
    return FormattedText(out.text(), entities)


# --- reply markup ---------------------------------------------------------------------------------

_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def parse_reply_markup(raw: Any, *, inline_only: bool = False) -> JsonDict | None:
    """Validate reply_markup; returns it normalized, or None when it carries no keyboard."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(raw, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in raw:
        return _parse_inline_keyboard(raw["inline_keyboard"])
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in raw:
        return _parse_reply_keyboard(raw)
    if raw.get("remove_keyboard") is True or raw.get("force_reply") is True:
        return copy.deepcopy(raw)
    raise bad_request("object expected as reply markup")


def _parse_inline_keyboard(rows: Any) -> JsonDict | None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    rows = [row for row in rows if row]
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")
    if any(len(row) > MAX_INLINE_ROW for row in rows):
        raise bad_request("too many buttons in a row of the inline keyboard")
    keyboard = [[_parse_inline_button(button) for button in row] for row in rows]
    return {"inline_keyboard": keyboard} if keyboard else None


def _parse_inline_button(button: Any) -> JsonDict:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise bad_request(prefix + 'Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    # Telegram treats an empty callback_data/url as absent
    actions = [name for name in _INLINE_ACTIONS if button.get(name) not in (None, "")]
    if not actions:
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(prefix + "exactly one of the optional fields must be used")
    if "callback_data" in actions:
        data = button["callback_data"]
        if not isinstance(data, str) or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in actions and (not isinstance(url, str) or normalize_url(url) is None):
        raise bad_request(
            f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL"
        )
    return {"text": button["text"], **{name: copy.deepcopy(button[name]) for name in actions}}


def _parse_reply_keyboard(raw: JsonDict) -> JsonDict:
    rows = raw["keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
        )
    keyboard: list[list[JsonDict]] = []
    for row in rows:
        parsed_row: list[JsonDict] = []
        for button in row:
            item = {"text": button} if isinstance(button, str) else button
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise bad_request(
                    'can\'t parse keyboard button: Field "text" must be of type String'
                )
            if not item["text"].strip():
                raise bad_request("BUTTON_TEXT_INVALID")
            parsed_row.append(copy.deepcopy(item))
        if parsed_row:
            keyboard.append(parsed_row)
    if not keyboard:
        raise bad_request("keyboard must be non-empty")
    return {**copy.deepcopy(raw), "keyboard": keyboard}
