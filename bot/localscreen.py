"""What ``skedbot local``'s terminal prints for a bot message: its captions and layout.

The bracketed labels are the terminal's own captions for what a phone would draw (a photo,
a keyboard); they are not words the bot says, so they live here and not in
``handlers.texts``. The phone itself (input, buttons, waiting) is :mod:`bot.local`.
"""

from __future__ import annotations

from bot.standin import BotMessage
from models.digits import to_persian_digits

__all__ = ["render"]

BOT = "🤖"
OPERATOR_GROUP = "[گروه کارشناسان]"
EDITED = "(ویرایش شد)"
DELETED = "(پیام حذف شد)"
PHOTO = "[عکس]"
DOCUMENT = "[سند: {name}]"
ALBUM_PHOTOS = "[آلبوم: {n} عکس]"
ALBUM_FILES = "[آلبوم: {n} فایل]"
LOCATION = "[موقعیت: {lat}، {lon}]"
CONTACT = "[مخاطب: {name}]"
OTHER_MEDIA = "[{kind}]"
REPLY_KEYBOARD = "⌨️"
REMOVE_KEYBOARD = "⌨️ (صفحه‌کلید برداشته شد)"
ALERT = "[پیام بازشو] {text}"
TOAST = "[اعلان] {text}"
CHOICES = "── دکمه‌ها (شماره را بفرستید):"
BANNER = (
    "skedbot local — پیام‌رسان: {messenger} — پایگاه داده: {database}\n"
    "شما «{name}» هستید (شناسه {user_id}). بنویسید و Enter بزنید؛ دکمه‌ها با شماره.\n"
    "دستورها: /photo PATH  /file PATH  /album PATH…  /contact [PHONE]  /location LAT LON  "
    "/sticker  /voice  /op N  /op TEXT  /opsay TEXT  /quit"
)
BYE = "خداحافظ."
NO_SUCH_FILE = "⚠️ فایل پیدا نشد: {path}"
USAGE = "⚠️ نحوه استفاده: {usage}"
NO_OPERATOR_BUTTON = "⚠️ در گروه کارشناسان دکمه شماره {n} نیست."
URL_BUTTON = "⚠️ این دکمه پیوند است: {url}"


def render(message: BotMessage, *, operator: bool, edited: bool = False) -> str:
    """A message as the terminal shows it: media caption, text, buttons (numbered in the
    operator group, where they are pressed with ``/op N``)."""
    head = (OPERATOR_GROUP if operator else BOT) + (f" {EDITED}" if edited else "")
    lines: list[str] = []
    media = _describe_media(message)
    if media:
        lines.append(media)
    if message.text:
        lines += message.text.splitlines() or [""]
    n = 0
    for row in message.inline_buttons:
        cells = []
        for label, _ in row:
            n += 1
            cells.append(f"⟦{n}: {label}⟧" if operator else f"⟦{label}⟧")
        lines.append(" ".join(cells))
    if message.reply_buttons:
        for i, row in enumerate(message.reply_buttons):
            lead = REPLY_KEYBOARD if i == 0 else " " * len(REPLY_KEYBOARD)
            lines.append(f"{lead} " + " | ".join(row))
    elif message.removes_keyboard:
        lines.append(REMOVE_KEYBOARD)
    body = "\n".join(f"   {line}" if line else "" for line in lines)
    return f"{head}\n{body}" if body else head


def _describe_media(message: BotMessage) -> str:
    kind = message.kind
    if kind == "media_group":
        n = to_persian_digits(str(len(message.media)))
        photos = all(k == "photo" for k, _ in message.media)
        return (ALBUM_PHOTOS if photos else ALBUM_FILES).format(n=n)
    if kind == "photo":
        return PHOTO
    if kind == "document":
        name = message.files[0].filename if message.files else None
        return DOCUMENT.format(name=name or "")
    if kind == "location":
        where = message.raw.get("location", {})
        return LOCATION.format(
            lat=to_persian_digits(str(where.get("latitude", ""))),
            lon=to_persian_digits(str(where.get("longitude", ""))),
        )
    if kind == "contact":
        return CONTACT.format(name=message.raw.get("contact", {}).get("first_name", ""))
    if kind in ("text", "other"):
        return ""
    return OTHER_MEDIA.format(kind=kind)
