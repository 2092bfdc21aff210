"""The Bot API methods, one small async function each, registered by name.

Each takes the stand-in and the decoded :class:`Params` and returns the ``result``
value or raises :class:`ApiError`. The checks mirror Telegram's refusals that bots
hit in production (empty/too long text, bad callback_data, edit "not modified",
unknown file_id, double-answered callback query), so tests catch those bugs here.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.standin.errors import ApiError, bad_request
from bot.standin.files import StoredFile, file_object
from bot.standin.formatting import visible_text
from bot.standin.params import Params, UploadedFile, chat_id_of
from bot.standin.state import BotMessage, CallbackAnswer, scope_key

if TYPE_CHECKING:
    from bot.standin.core import BotApiStandIn

Method = Callable[["BotApiStandIn", Params], Awaitable[Any]]
METHODS: dict[str, Method] = {}

FILE_KINDS = ("photo", "document", "video", "audio", "voice", "animation", "sticker", "video_note")
# Order matters: an animation message also carries "document".
CONTENT_KINDS = (
    "text",
    "photo",
    "animation",
    "video",
    "audio",
    "voice",
    "sticker",
    "video_note",
    "document",
    "location",
    "contact",
)
_INLINE_ACTIONS = {
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
}
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def method(*names: str) -> Callable[[Method], Method]:
    def register(func: Method) -> Method:
        for name in names:
            METHODS[name.lower()] = func
        return func

    return register


# ------------------------------------------------------------------ helpers
def _chat(s: BotApiStandIn, p: Params, name: str = "chat_id") -> int:
    chat_id = chat_id_of(p, name, s.state.chat_by_username)
    if chat_id in s.state.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    s.state.chat(chat_id)
    return chat_id


def _text(s: BotApiStandIn, text: str | None, parse_mode: str | None, caption: bool) -> str:
    limit = s.profile.max_caption_length if caption else s.profile.max_text_length
    visible = visible_text(text or "", parse_mode)
    if not caption and not visible.strip():
        raise bad_request("message text is empty")
    if len(visible) > limit:
        raise bad_request("message caption is too long" if caption else "message is too long")
    return visible


def _markup(s: BotApiStandIn, p: Params, *, inline_only: bool = False) -> dict | None:
    markup = p.get_json("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                _check_inline_button(s, button)
        return markup
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not text:
                    raise bad_request("keyboard button text must be non-empty")
        return markup
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def _check_inline_button(s: BotApiStandIn, button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    if not set(button) & _INLINE_ACTIONS:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None:
        size = len(str(data).encode("utf-8"))
        if not 1 <= size <= s.profile.max_callback_data_bytes:
            raise bad_request("BUTTON_DATA_INVALID")


def _reply_target(s: BotApiStandIn, p: Params, chat_id: int) -> dict | None:
    params = p.get_json("reply_parameters") or {}
    message_id = params.get("message_id") if isinstance(params, dict) else None
    allow = bool(params.get("allow_sending_without_reply")) if params else False
    if message_id is None:
        message_id = p.get_int("reply_to_message_id")
        allow = p.get_bool("allow_sending_without_reply")
    if message_id is None:
        return None
    target_chat = int(params.get("chat_id", chat_id)) if params else chat_id
    target = s.state.raw.get((target_chat, int(message_id)))
    if target is None:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    quoted = dict(target)
    quoted.pop("reply_to_message", None)
    return quoted


def _resolve_file(
    s: BotApiStandIn, kind: str, value: UploadedFile | str | None, name: str
) -> list[StoredFile]:
    """Upload, file_id or URL -> stored file(s); photos come back as all their sizes."""
    files = s.state.files
    if value is None or value == "":
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, UploadedFile):
        size = len(value.data)
        if size == 0:
            raise bad_request("file must be non-empty")
        if size > s.profile.max_upload_bytes:
            raise ApiError(413, "Request Entity Too Large")
        if kind == "photo":
            if size > s.profile.max_photo_bytes:
                raise bad_request("PHOTO_SAVE_FILE_INVALID")
            return files.add_photo(value.data)
        return [files.add(kind, value.data, filename=value.filename, mime_type=value.content_type)]
    if not isinstance(value, str):
        raise bad_request(f"wrong type of the {name} field")
    if value.startswith(("http://", "https://")):
        if kind == "photo":
            return files.add_photo(None, url=value)
        return [files.add(kind, None, url=value, filename=value.rsplit("/", 1)[-1])]
    stored = files.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if (stored.kind == "photo") != (kind == "photo"):
        raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
    return files.sizes(value)


def _media_of(files: list[StoredFile], kind: str) -> dict[str, Any]:
    if kind == "photo":
        return {"photo": [file_object(f) for f in files]}
    obj = file_object(files[0])
    if kind == "animation":
        return {"animation": obj, "document": obj}
    return {kind: obj}


def _kind_of(raw: dict[str, Any]) -> str:
    return next((k for k in CONTENT_KINDS if k in raw), "other")


def _files_of(s: BotApiStandIn, raw: dict[str, Any]) -> list[StoredFile]:
    kind = _kind_of(raw)
    if kind == "photo":
        file_id = raw["photo"][-1]["file_id"]
    elif kind in FILE_KINDS:
        file_id = raw[kind]["file_id"]
    else:
        return []
    stored = s.state.files.get(file_id)
    return [stored] if stored else []


async def _emit_new(
    s: BotApiStandIn,
    chat_id: int,
    content: dict[str, Any],
    *,
    markup: dict | None,
    parse_mode: str | None = None,
    source_text: str | None = None,
    reply_to: dict | None = None,
    forwarded: bool = False,
) -> dict[str, Any]:
    if markup and "inline_keyboard" in markup:
        content["reply_markup"] = markup
    raw = s.state.new_message(chat_id, s.bot_user, reply_to_message=reply_to, **content)
    files = _files_of(s, raw)
    kind = _kind_of(raw)
    message = BotMessage(
        chat_id=chat_id,
        message_id=raw["message_id"],
        text=raw.get("text", raw.get("caption")),
        kind=kind,
        reply_markup=markup,
        media=[(f.kind, f.payload()) for f in files],
        date=raw["date"],
        parse_mode=parse_mode,
        source_text=source_text,
        reply_to_message_id=reply_to["message_id"] if reply_to else None,
        message_ids=[raw["message_id"]],
        files=files,
        forwarded=forwarded,
        raw=raw,
    )
    s.state.add_bot_message(message)
    await s.emit(message)
    return raw


def _editable(s: BotApiStandIn, p: Params) -> tuple[BotMessage, dict[str, Any]]:
    if p.has("inline_message_id"):
        raise bad_request("inline messages are not supported by the stand-in")
    chat_id = chat_id_of(p, "chat_id", s.state.chat_by_username)
    message_id = p.require_int("message_id")
    message = s.state.bot_index.get((chat_id, message_id))
    raw = s.state.raw.get((chat_id, message_id))
    if message is None or raw is None or message.deleted:
        if raw is not None:
            raise bad_request("message can't be edited")
        raise bad_request("message to edit not found")
    return message, raw


def _apply_markup(message: BotMessage, raw: dict[str, Any], markup: dict | None) -> None:
    keeps_reply_keyboard = message.reply_markup and "inline_keyboard" not in message.reply_markup
    if markup is not None or not keeps_reply_keyboard:
        message.reply_markup = markup
    if markup:
        raw["reply_markup"] = markup
    else:
        raw.pop("reply_markup", None)


def _inline_of(markup: dict | None) -> dict | None:
    return markup if markup and "inline_keyboard" in markup else None


async def _edited(s: BotApiStandIn, message: BotMessage, raw: dict[str, Any]) -> dict[str, Any]:
    message.version += 1
    s.state.edit_seq += 1
    message.edit_seq = s.state.edit_seq
    raw["edit_date"] = s.state.now()
    await s.emit(message)
    return raw


# ------------------------------------------------------------------ methods
@method("getMe")
async def get_me(s: BotApiStandIn, p: Params) -> dict[str, Any]:
    return {
        **s.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("getUpdates")
async def get_updates(s: BotApiStandIn, p: Params) -> list[dict[str, Any]]:
    if s.pusher.active:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    return await s.updates.get(
        p.get_int("offset"), p.get_int("limit", 100) or 100, p.get_float("timeout", 0.0) or 0.0
    )


@method("setWebhook")
async def set_webhook(s: BotApiStandIn, p: Params) -> bool:
    url = p.get_str("url", "") or ""
    secret = p.get_str("secret_token") or None
    if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise bad_request("secret token contains unallowed characters")
    if url and not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if p.get_bool("drop_pending_updates"):
        s.updates.drop_all()
    s.webhook_url = url
    s.webhook_secret = secret if s.profile.webhook_secret_header else None
    s.webhook_max_connections = p.get_int("max_connections", 40) or 40
    s.apply_delivery()
    return True


@method("deleteWebhook")
async def delete_webhook(s: BotApiStandIn, p: Params) -> bool:
    s.webhook_url = ""
    s.webhook_secret = None
    s.apply_delivery()
    if p.get_bool("drop_pending_updates"):
        s.updates.drop_all()
    return True


@method("getWebhookInfo")
async def get_webhook_info(s: BotApiStandIn, p: Params) -> dict[str, Any]:
    info: dict[str, Any] = {
        "url": s.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(s.updates) + s.pusher.pending_count,
    }
    if s.webhook_url:
        info["max_connections"] = s.webhook_max_connections
    if s.pusher.last_error_message:
        info["last_error_date"] = s.pusher.last_error_date
        info["last_error_message"] = s.pusher.last_error_message
    return info


@method("sendMessage")
async def send_message(s: BotApiStandIn, p: Params) -> dict[str, Any]:
    chat_id = _chat(s, p)
    source = p.get_str("text")
    parse_mode = p.get_str("parse_mode")
    visible = _text(s, source, parse_mode, caption=False)
    return await _emit_new(
        s,
        chat_id,
        {"text": visible},
        markup=_markup(s, p),
        parse_mode=parse_mode,
        source_text=source,
        reply_to=_reply_target(s, p, chat_id),
    )


def _send_file_method(kind: str) -> Method:
    async def send_file(s: BotApiStandIn, p: Params) -> dict[str, Any]:
        chat_id = _chat(s, p)
        files = _resolve_file(s, kind, p.get_file(kind), kind)
        if kind == "sticker":
            files[0].extra.setdefault("emoji", p.get_str("emoji") or "👍")
        duration = p.get_int("duration")
        if duration:
            files[0].extra["duration"] = duration
        content = _media_of(files, kind)
        source = p.get_str("caption")
        parse_mode = p.get_str("parse_mode")
        if source:
            content["caption"] = _text(s, source, parse_mode, caption=True)
        return await _emit_new(
            s,
            chat_id,
            content,
            markup=_markup(s, p),
            parse_mode=parse_mode,
            source_text=source,
            reply_to=_reply_target(s, p, chat_id),
        )

    send_file.__name__ = f"send_{kind}"
    return send_file


for _kind in FILE_KINDS:
    method("send" + _kind.title().replace("_", ""))(_send_file_method(_kind))


@method("sendMediaGroup")
async def send_media_group(s: BotApiStandIn, p: Params) -> list[dict[str, Any]]:
    chat_id = _chat(s, p)
    media = p.get_json("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media in the group: must be 2-10")
    kinds = {item.get("type") for item in media if isinstance(item, dict)}
    if not kinds <= {"photo", "video", "document", "audio"}:
        raise bad_request(f"unsupported media type in the group: {sorted(map(str, kinds))}")
    if len(kinds) > 1 and kinds & {"document", "audio"}:
        raise bad_request(
            f"{sorted(kinds & {'document', 'audio'})[0]} can't be mixed with other media types"
        )
    reply_to = _reply_target(s, p, chat_id)
    group_id = s.state.unique("mg")
    resolved: list[tuple[str, list[StoredFile], str | None, str | None, str | None]] = []
    for item in media:
        kind = item["type"]
        value = item.get("media")
        if isinstance(value, str) and value.startswith("attach://"):
            value = p.attachment(value)
        files = _resolve_file(s, kind, value, "media")
        source = item.get("caption")
        visible = _text(s, source, item.get("parse_mode"), caption=True) if source else None
        resolved.append((kind, files, visible, source, item.get("parse_mode")))
    raws = []
    for kind, files, visible, _, _ in resolved:
        content = _media_of(files, kind)
        raws.append(
            s.state.new_message(
                chat_id,
                s.bot_user,
                media_group_id=group_id,
                caption=visible,
                reply_to_message=reply_to,
                **content,
            )
        )
    all_files = [f for raw in raws for f in _files_of(s, raw)]
    caption = next(((v, src, pm) for _, _, v, src, pm in resolved if v), (None, None, None))
    message = BotMessage(
        chat_id=chat_id,
        message_id=raws[0]["message_id"],
        text=caption[0],
        kind="media_group",
        media=[(f.kind, f.payload()) for f in all_files],
        media_group_id=group_id,
        date=raws[0]["date"],
        parse_mode=caption[2],
        source_text=caption[1],
        reply_to_message_id=reply_to["message_id"] if reply_to else None,
        message_ids=[r["message_id"] for r in raws],
        files=all_files,
        raw=raws[0],
    )
    s.state.add_bot_message(message)
    await s.emit(message)
    return raws


@method("sendLocation")
async def send_location(s: BotApiStandIn, p: Params) -> dict[str, Any]:
    chat_id = _chat(s, p)
    location = {"latitude": p.get_float("latitude"), "longitude": p.get_float("longitude")}
    if None in location.values():
        raise bad_request("latitude and longitude are required")
    return await _emit_new(
        s,
        chat_id,
        {"location": location},
        markup=_markup(s, p),
        reply_to=_reply_target(s, p, chat_id),
    )


@method("sendContact")
async def send_contact(s: BotApiStandIn, p: Params) -> dict[str, Any]:
    chat_id = _chat(s, p)
    contact = {
        "phone_number": p.require_str("phone_number"),
        "first_name": p.require_str("first_name"),
    }
    return await _emit_new(
        s,
        chat_id,
        {"contact": contact},
        markup=_markup(s, p),
        reply_to=_reply_target(s, p, chat_id),
    )


@method("editMessageText")
async def edit_message_text(s: BotApiStandIn, p: Params) -> dict[str, Any]:
    message, raw = _editable(s, p)
    if "text" not in raw:
        raise bad_request("there is no text in the message to edit")
    source = p.get_str("text")
    parse_mode = p.get_str("parse_mode")
    visible = _text(s, source, parse_mode, caption=False)
    markup = _markup(s, p, inline_only=True)
    if visible == raw["text"] and markup == _inline_of(message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.edits.append(message.text)
    message.text, message.source_text, message.parse_mode = visible, source, parse_mode
    raw["text"] = visible
    _apply_markup(message, raw, markup)
    return await _edited(s, message, raw)


@method("editMessageCaption")
async def edit_message_caption(s: BotApiStandIn, p: Params) -> dict[str, Any]:
    message, raw = _editable(s, p)
    if "text" in raw:
        raise bad_request("there is no caption in the message to edit")
    source = p.get_str("caption")
    parse_mode = p.get_str("parse_mode")
    visible = _text(s, source, parse_mode, caption=True) if source else None
    markup = _markup(s, p, inline_only=True)
    if visible == raw.get("caption") and markup == _inline_of(message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.edits.append(message.text)
    message.text, message.source_text, message.parse_mode = visible, source, parse_mode
    if visible:
        raw["caption"] = visible
    else:
        raw.pop("caption", None)
    _apply_markup(message, raw, markup)
    return await _edited(s, message, raw)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(s: BotApiStandIn, p: Params) -> dict[str, Any]:
    message, raw = _editable(s, p)
    markup = _markup(s, p, inline_only=True)
    if markup == _inline_of(message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    _apply_markup(message, raw, markup)
    return await _edited(s, message, raw)


@method("deleteMessage")
async def delete_message(s: BotApiStandIn, p: Params) -> bool:
    chat_id = chat_id_of(p, "chat_id", s.state.chat_by_username)
    message_id = p.require_int("message_id")
    raw = s.state.raw.pop((chat_id, message_id), None)
    if raw is None:
        raise bad_request("message to delete not found")
    message = s.state.bot_index.get((chat_id, message_id))
    if message is not None:
        message.deleted = True
        s.state.edit_seq += 1
        message.edit_seq = s.state.edit_seq
        await s.emit(message)
    return True


@method("answerCallbackQuery")
async def answer_callback_query(s: BotApiStandIn, p: Params) -> bool:
    query_id = p.require_str("callback_query_id")
    query = s.state.callback_queries.get(query_id)
    if query is None or query["answered"]:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.get_str("text")
    if text and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query["answered"] = True
    s.state.callback_answers.append(
        CallbackAnswer(
            callback_query_id=query_id,
            text=text,
            show_alert=p.get_bool("show_alert"),
            url=p.get_str("url"),
            cache_time=p.get_int("cache_time", 0) or 0,
            user_id=query["user_id"],
            chat_id=query["chat_id"],
            data=query["data"],
        )
    )
    return True


def _copyable(s: BotApiStandIn, p: Params, what: str) -> dict[str, Any]:
    from_chat = chat_id_of(p, "from_chat_id", s.state.chat_by_username)
    source = s.state.raw.get((from_chat, p.require_int("message_id")))
    if source is None:
        raise bad_request(f"message to {what} not found")
    return source


_NOT_COPIED = {
    "message_id",
    "from",
    "chat",
    "date",
    "edit_date",
    "reply_to_message",
    "reply_markup",
    "forward_origin",
    "media_group_id",
    "entities",
    "caption_entities",
}


@method("forwardMessage")
async def forward_message(s: BotApiStandIn, p: Params) -> dict[str, Any]:
    source = _copyable(s, p, "forward")
    chat_id = _chat(s, p)
    content = {k: copy.deepcopy(v) for k, v in source.items() if k not in _NOT_COPIED}
    origin = source.get("forward_origin") or {
        "type": "user",
        "sender_user": source["from"],
        "date": source["date"],
    }
    content["forward_origin"] = origin
    return await _emit_new(s, chat_id, content, markup=None, forwarded=True)


@method("copyMessage")
async def copy_message(s: BotApiStandIn, p: Params) -> dict[str, Any]:
    source = _copyable(s, p, "copy")
    chat_id = _chat(s, p)
    content = {k: copy.deepcopy(v) for k, v in source.items() if k not in _NOT_COPIED}
    parse_mode = p.get_str("parse_mode")
    caption = p.get_str("caption")
    if caption is not None and "text" not in content:
        content["caption"] = _text(s, caption, parse_mode, caption=True)
    raw = await _emit_new(
        s,
        chat_id,
        content,
        markup=_markup(s, p),
        parse_mode=parse_mode,
        reply_to=_reply_target(s, p, chat_id),
    )
    return {"message_id": raw["message_id"]}


@method("getFile")
async def get_file(s: BotApiStandIn, p: Params) -> dict[str, Any]:
    stored = s.state.files.get(p.require_str("file_id"))
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > s.profile.max_download_bytes:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }


@method("sendChatAction")
async def send_chat_action(s: BotApiStandIn, p: Params) -> bool:
    _chat(s, p)
    p.require_str("action", "action is empty")
    return True


@method("getChat")
async def get_chat(s: BotApiStandIn, p: Params) -> dict[str, Any]:
    chat_id = chat_id_of(p, "chat_id", s.state.chat_by_username)
    chat = s.state.chats.get(chat_id)
    if chat is None:
        raise bad_request("chat not found")
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


def _commands_key(p: Params) -> tuple[str, str]:
    return scope_key(p.get_json("scope")), p.get_str("language_code", "") or ""


@method("setMyCommands")
async def set_my_commands(s: BotApiStandIn, p: Params) -> bool:
    commands = p.get_json("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not _COMMAND_RE.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    s.state.commands[_commands_key(p)] = commands
    return True


@method("getMyCommands")
async def get_my_commands(s: BotApiStandIn, p: Params) -> list[dict[str, Any]]:
    return s.state.commands.get(_commands_key(p), [])


@method("deleteMyCommands")
async def delete_my_commands(s: BotApiStandIn, p: Params) -> bool:
    s.state.commands.pop(_commands_key(p), None)
    return True


@method("close", "logOut")
async def close(s: BotApiStandIn, p: Params) -> bool:
    return True
