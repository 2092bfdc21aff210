"""``parse_mode`` handling: what the person sees, and Telegram's entity errors.

Telegram strips formatting markup from the text it stores and refuses malformed
markup with ``400 Bad Request: can't parse entities: ...``. Malformed markup is a
classic production bug (an unescaped ``.`` in MarkdownV2, ``<br>`` in HTML, a
user name with ``_`` in legacy Markdown), so the stand-in refuses it the same way
instead of letting the tests pass on text the real server would reject. The checks
are a careful subset: they only refuse what Telegram certainly refuses.
"""

from __future__ import annotations

from html.parser import HTMLParser

from bot.standin.errors import ApiError, bad_request

_HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
# Characters MarkdownV2 reserves that never start markup by themselves.
_MDV2_ALWAYS_ESCAPE = set("#+-={}.!()")
_MDV2_MARKERS = set("*_~|")


def _entity_error(message: str) -> ApiError:
    return bad_request(f"can't parse entities: {message}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise _entity_error(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _entity_error(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            expected = self.stack[-1] if self.stack else None
            raise _entity_error(
                f'Unmatched end tag at byte offset {self._offset()}, expected "</{expected}>", '
                f'found "</{tag}>"'
            )
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def _offset(self) -> int:
        line, col = self.getpos()
        source = self.rawdata.split("\n")
        return len("\n".join(source[: line - 1]).encode("utf-8")) + (line > 1) + col


def _visible_html(text: str) -> str:
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"')
    return "".join(parser.out)


def _visible_markdown_v2(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    in_link_url = False
    while i < n:
        c = text[i]
        if in_link_url:
            if c == ")":
                in_link_url = False
            i += 2 if c == "\\" else 1
            continue
        if c == "\\" and i + 1 < n:
            out.append(text[i + 1])
            i += 2
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise _entity_error(
                    f"Can't find end of PreCode entity at byte offset {_byte_offset(text, i)}"
                )
            body = text[i + 3 : end]
            first, sep, rest = body.partition("\n")
            if sep and first and " " not in first:
                body = rest
            out.append(body.replace("\\`", "`").replace("\\\\", "\\"))
            i = end + 3
            continue
        if c == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise _entity_error(
                    f"Can't find end of Code entity at byte offset {_byte_offset(text, i)}"
                )
            out.append(text[i + 1 : end])
            i = end + 1
            continue
        if c in _MDV2_MARKERS or c == "[":
            i += 1
            continue
        if c == "]":
            if text.startswith("(", i + 1):
                in_link_url = True
                i += 2
                continue
            i += 1
            continue
        if c == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1
            continue
        if c in _MDV2_ALWAYS_ESCAPE or c == ">":
            raise _entity_error(
                f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(c)
        i += 1
    return "".join(out)


def _visible_markdown(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            i += 2
            continue
        if c in "*_`":
            marker = "```" if text.startswith("```", i) else c
            end = text.find(marker, i + len(marker))
            if end < 0:
                raise _entity_error(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            inner = text[i + len(marker) : end]
            out.append(inner if c == "`" else _visible_markdown(inner))
            i = end + len(marker)
            continue
        if c == "[":
            close = text.find("](", i + 1)
            end = text.find(")", close + 2) if close >= 0 else -1
            if close >= 0 and end >= 0:
                out.append(text[i + 1 : close])
                i = end + 1
                continue
        out.append(c)
        i += 1
    return "".join(out)


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text a person sees for ``text`` sent with ``parse_mode``; raises like Telegram."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _visible_html(text)
    if mode == "markdownv2":
        return _visible_markdown_v2(text)
    if mode == "markdown":
        return _visible_markdown(text)
    if mode:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    return text
