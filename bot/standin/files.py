"""Files known to the stand-in: what persons sent and what the bot uploaded.

Every file gets a ``file_id`` (reusable in send* calls, as bots do to pass a user's
photo on to an operator group) and a ``file_path`` served under ``/file/bot<token>/``,
so the bot's real ``getFile`` + download code path runs. Tests read the bytes back
from here to check what the bot sent.
"""

from __future__ import annotations

import itertools
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

_EXTENSIONS = {
    "photo": "jpg",
    "video": "mp4",
    "voice": "oga",
    "audio": "mp3",
    "animation": "mp4",
    "sticker": "webp",
    "video_note": "mp4",
}
_FOLDERS = {
    "photo": "photos",
    "document": "documents",
    "video": "videos",
    "voice": "voice",
    "audio": "music",
    "animation": "animations",
    "sticker": "stickers",
    "video_note": "video_notes",
}


@dataclass
class StoredFile:
    """One file (one photo size) with its ids, bytes and metadata."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes | None
    file_path: str
    filename: str | None = None
    mime_type: str | None = None
    url: str | None = None  # sent "by URL"; the stand-in never fetches it
    width: int | None = None
    height: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0

    def payload(self) -> bytes | str:
        """Bytes if known, else the URL the bot gave."""
        return self.data if self.data is not None else (self.url or self.file_id)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG, read from its header; ``None`` if unknown."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            i += 2 + length
    return None


class FileStore:
    """All files by ``file_id`` and by ``file_path``."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)
        self._photo_sizes: dict[str, list[StoredFile]] = {}

    def add(
        self,
        kind: str,
        data: bytes | None,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
        width: int | None = None,
        height: int | None = None,
        unique_id: str | None = None,
    ) -> StoredFile:
        n = next(self._counter)
        ext = _EXTENSIONS.get(kind)
        if ext is None and filename and "." in filename:
            ext = filename.rsplit(".", 1)[1]
        path = f"{_FOLDERS.get(kind, 'documents')}/file_{n}.{ext or 'bin'}"
        stored = StoredFile(
            file_id=f"{kind[:3].upper()}{n:05d}{secrets.token_hex(6)}",
            file_unique_id=unique_id or f"U{n:05d}{secrets.token_hex(3)}",
            kind=kind,
            data=data,
            file_path=path,
            filename=filename,
            mime_type=mime_type,
            url=url,
            width=width,
            height=height,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[path] = stored
        return stored

    def add_photo(self, data: bytes | None, url: str | None = None) -> list[StoredFile]:
        """A photo as Telegram keeps it: several sizes, largest last, same bytes here."""
        width, height = (image_size(data) if data else None) or (1280, 960)
        unique = f"P{secrets.token_hex(5)}"
        scale = 90 / max(width, height, 1)
        small = (max(1, round(width * scale)), max(1, round(height * scale)))
        sizes = [
            self.add(
                "photo",
                data,
                url=url,
                width=small[0],
                height=small[1],
                unique_id=unique + "s",
                mime_type="image/jpeg",
            ),
            self.add(
                "photo",
                data,
                url=url,
                width=width,
                height=height,
                unique_id=unique + "x",
                mime_type="image/jpeg",
            ),
        ]
        for size in sizes:
            self._photo_sizes[size.file_id] = sizes
        return sizes

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    def sizes(self, file_id: str) -> list[StoredFile]:
        """All sizes of the photo ``file_id`` belongs to (just itself for other files)."""
        return self._photo_sizes.get(file_id) or [self._by_id[file_id]]


def file_object(stored: StoredFile) -> dict[str, Any]:
    """The Bot API object (PhotoSize, Document, Video...) describing ``stored``."""
    obj: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if stored.kind in ("photo", "video", "animation", "sticker", "video_note"):
        obj["width"] = stored.width or 640
        obj["height"] = stored.height or 480
    if stored.kind in ("video", "animation", "voice", "audio", "video_note"):
        obj["duration"] = int(stored.extra.get("duration", 1))
    if stored.kind == "video_note":
        obj["length"] = obj.pop("width")
        obj.pop("height")
    if stored.kind == "sticker":
        obj.update(
            type="regular", is_animated=False, is_video=False, emoji=stored.extra.get("emoji", "👍")
        )
    if stored.filename and stored.kind in ("document", "video", "audio", "animation"):
        obj["file_name"] = stored.filename
    if stored.mime_type and stored.kind not in ("photo", "sticker"):
        obj["mime_type"] = stored.mime_type
    return obj
