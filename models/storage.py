"""Storage of the documents citizens upload: deed photos, ID cards, bills, PDFs.

What a file *is* is decided from its content (magic bytes, via the ``filetype``
package), never from its name or the MIME type the client claims: an ``.exe`` renamed
``.jpg`` is still an ``.exe``. Accepted kinds are what a phone or a scanner produces for a
paper document:

* JPEG, PNG, WEBP (Telegram/Bale often re-encode to these),
* HEIC (iPhones and many Android phones save photos in it; sent "as file" it arrives
  untouched),
* PDF (scanned documents, letters from other agencies).

Refused on purpose:

* GIF, animated or not, and animated PNG. A document photo is one still frame; GIFs
  carry at most 256 colours, which smears a scanned stamp or signature, and in practice
  a GIF sent to a bot is a sticker or a meme (Telegram turns real animations into MP4
  anyway). Telling a still GIF from an animated one would mean parsing GIF blocks for a
  case no scanner or phone camera produces, so all GIFs go.
* AVIF, TIFF, BMP and raw camera formats: back-office viewers cannot be relied on to
  open them, and phones do not produce them for ordinary photos.
* Everything else: archives (which can hide anything), executables, video, audio.

Files are stored content-addressed, ``ab/cd/<sha256>.<ext>`` under the store's root: the
same photo sent twice (a citizen retrying after a timeout) is stored once, a name can
never collide with another file, and the path itself proves integrity. Writes go to a
temporary file in the target directory and are published with ``os.replace``, which is
atomic, so concurrent writers of the same bytes and crashes mid-write never leave a
half-written file under a final name. The API is synchronous (plain file I/O); async
handlers call it through ``asyncio.to_thread``.

Exceptions, so handlers can map each to a message for the citizen or the operator::

    StorageError                      anything this module raises on purpose
    ├── RejectedFile                  the upload is refused; tell the citizen why
    │   ├── UnsupportedFileType       not one of the accepted kinds (.detected_mime)
    │   └── FileTooLarge              over the kind's limit (.kind, .size, .limit)
    └── StoredFileError               a back-office lookup failed
        ├── InvalidStoredPath         not a path this store hands out (also ValueError)
        └── StoredFileNotFound        well-formed, but no such file (also FileNotFoundError)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

import filetype

__all__ = [
    "DEFAULT_MAX_IMAGE_SIZE",
    "DEFAULT_MAX_PDF_SIZE",
    "DocumentStore",
    "FileKind",
    "FileTooLarge",
    "InvalidStoredPath",
    "RejectedFile",
    "StorageError",
    "StoredFile",
    "StoredFileError",
    "StoredFileNotFound",
    "UnsupportedFileType",
    "sniff",
    "stored_paths",
]

MB = 1024 * 1024
DEFAULT_MAX_IMAGE_SIZE = 10 * MB
"""Bale's own photo limit; a larger "photo" is not a phone picture of a document."""
DEFAULT_MAX_PDF_SIZE = 20 * MB
"""Bale's bot download limit: a bigger file could not reach us through the API anyway."""


class FileKind(StrEnum):
    """An accepted document kind; the value is the file extension used on disk."""

    JPEG = "jpg"
    PNG = "png"
    WEBP = "webp"
    HEIC = "heic"
    PDF = "pdf"

    @property
    def mime(self) -> str:
        """The MIME type to serve the file with."""
        return _MIME[self]

    @property
    def is_image(self) -> bool:
        """True for photos (size limit for images), False for PDF."""
        return self is not FileKind.PDF


_MIME = {
    FileKind.JPEG: "image/jpeg",
    FileKind.PNG: "image/png",
    FileKind.WEBP: "image/webp",
    FileKind.HEIC: "image/heic",
    FileKind.PDF: "application/pdf",
}
_BY_MIME = {mime: kind for kind, mime in _MIME.items()}
_IMAGE_SUFFIXES = frozenset({k.value for k in FileKind if k.is_image} | {"jpeg", "heif"})

# HEIF brands of still images coded with HEVC. filetype recognises "heic" (and "mif1"
# listing "heic"); Samsung and Canon also write "heix" (10-bit, HDR), which it misses.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis"})


class StorageError(Exception):
    """Base of everything this module raises on purpose."""


class RejectedFile(StorageError):
    """The uploaded bytes are refused; the citizen should send another file."""


class UnsupportedFileType(RejectedFile):
    """The content is not one of the accepted kinds (whatever its name said).

    ``detected_mime`` is what the content looks like (``"application/x-msdownload"``,
    ``"image/gif"``), or ``None`` when unrecognised; useful in logs, not for the user.
    """

    def __init__(self, detected_mime: str | None) -> None:
        self.detected_mime = detected_mime
        super().__init__(f"unsupported file type: {detected_mime or 'unknown'}")


class FileTooLarge(RejectedFile):
    """The file is bigger than the limit for its kind (``limit`` in bytes)."""

    def __init__(self, kind: FileKind, size: int, limit: int) -> None:
        self.kind = kind
        self.size = size
        self.limit = limit
        super().__init__(f"{kind.name} of {size} bytes is over the limit of {limit} bytes")


class StoredFileError(StorageError):
    """A back-office lookup of a stored file failed."""


class InvalidStoredPath(StoredFileError, ValueError):
    """The path is not one this store hands out (and may be an attempt to escape it)."""


class StoredFileNotFound(StoredFileError, FileNotFoundError):
    """The path is well-formed but no such file is stored."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A stored document; ``relative_path`` is what the database keeps."""

    sha256: str
    relative_path: str
    mime: str
    size: int
    kind: FileKind


def _is_heic(data: bytes) -> bool:
    """Check an ISO-BMFF ``ftyp`` box for a HEIC brand (major or compatible)."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(data[0:4], "big")
    brands = [data[8:12]] + [data[i : i + 4] for i in range(16, min(box_size, len(data)) - 3, 4)]
    return any(brand in _HEIC_BRANDS for brand in brands)


def sniff(data: bytes) -> FileKind | None:
    """Return the accepted kind of ``data`` judged by its content, or ``None``.

    ``None`` for everything refused, GIF and animated PNG included (see the module
    docstring for why).
    """
    guess = filetype.guess(data) if data else None
    if guess is not None and guess.mime in _BY_MIME:
        return _BY_MIME[guess.mime]
    if (guess is None or guess.mime in {"video/mp4", "video/quicktime"}) and _is_heic(data):
        # A HEIC brand filetype does not know; it may then take the ftyp box for MP4.
        return FileKind.HEIC
    return None


_STORED_PATH = re.compile(
    r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.(?:" + "|".join(k.value for k in FileKind) + ")"
)


def stored_paths(text: str) -> set[str]:
    """The store's relative paths named anywhere in ``text`` (a dialog's saved draft)."""
    return set(_STORED_PATH.findall(text))


class DocumentStore:
    """Content-addressed store of accepted documents under ``root``.

    Size limits are per kind and come from settings; the defaults follow Bale's limits.
    """

    def __init__(
        self,
        root: Path,
        *,
        max_image_size: int = DEFAULT_MAX_IMAGE_SIZE,
        max_pdf_size: int = DEFAULT_MAX_PDF_SIZE,
    ) -> None:
        self.root = Path(root)
        self.max_image_size = max_image_size
        self.max_pdf_size = max_pdf_size

    def limit_for(self, kind: FileKind) -> int:
        """The size limit in bytes for ``kind``."""
        return self.max_image_size if kind.is_image else self.max_pdf_size

    def declared_limit(self, mime_type: str | None, file_name: str | None) -> int:
        """The limit for a file as its sender describes it, to refuse before downloading.

        The description may lie, so :meth:`save` still decides by content; this only
        spares fetching a file whose declared size is already over what its declared kind
        allows. An undescribed file gets the larger of the two limits."""
        mime = (mime_type or "").lower()
        suffix = Path(file_name or "").suffix[1:].lower()
        if mime == _MIME[FileKind.PDF] or (not mime and suffix == FileKind.PDF.value):
            return self.max_pdf_size
        if mime.startswith("image/") or (not mime and suffix in _IMAGE_SUFFIXES):
            return self.max_image_size
        return max(self.max_image_size, self.max_pdf_size)

    def save(self, data: bytes) -> StoredFile:
        """Check ``data`` by its content, store it (if not stored already) and describe it.

        Raises ``UnsupportedFileType`` or ``FileTooLarge`` before anything is written;
        ``OSError`` if the disk fails.
        """
        # Kind first: "send a photo or a PDF" helps more than "too large" for a video.
        kind = sniff(data)
        if kind is None:
            guess = filetype.guess(data) if data else None
            raise UnsupportedFileType(guess.mime if guess is not None else None)
        limit = self.limit_for(kind)
        if len(data) > limit:
            raise FileTooLarge(kind, len(data), limit)
        digest = hashlib.sha256(data).hexdigest()
        relative = f"{digest[:2]}/{digest[2:4]}/{digest}.{kind.value}"
        stored = StoredFile(digest, relative, kind.mime, len(data), kind)
        target = self.root / relative
        with contextlib.suppress(FileNotFoundError):
            if target.stat().st_size == len(data):
                os.utime(target)  # stored again: the orphan sweep's grace counts from now
                return stored  # the same bytes are already here
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            # mkstemp makes the file 0600; back-office tools read as the service's group.
            os.chmod(temp_name, 0o640)
            os.replace(temp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        return stored

    def stored_before(self, cutoff: float) -> list[str]:
        """The stored files last written (or stored again) before ``cutoff`` (unix time),
        as relative paths."""
        found = []
        for path in self.root.glob("*/*/*"):
            relative = path.relative_to(self.root).as_posix()
            if _STORED_PATH.fullmatch(relative):
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_mtime < cutoff:
                        found.append(relative)
        return found

    def path_of(self, relative_path: str) -> Path:
        """Return the absolute path of a stored file, for back-office tools.

        Only paths of the shape this store produces are accepted, so ``../`` tricks from a
        tampered database row or URL cannot reach other files.
        """
        if not isinstance(relative_path, str) or not _STORED_PATH.fullmatch(relative_path):
            raise InvalidStoredPath(f"not a stored document path: {relative_path!r}")
        path = self.root / relative_path
        if not path.is_file():
            raise StoredFileNotFound(f"no stored document at {relative_path}")
        return path

    def open(self, relative_path: str) -> BinaryIO:
        """Open a stored file for reading (binary); the caller closes it."""
        return self.path_of(relative_path).open("rb")

    def remove(self, relative_path: str) -> bool:
        """Delete a stored file; False when it was not there (removed already).

        The store is content-addressed and shared: the caller decides that no row still
        names the file (see ``models.privacy``). Only paths of this store's shape are
        accepted, so a tampered row cannot delete anything else.
        """
        if not isinstance(relative_path, str) or not _STORED_PATH.fullmatch(relative_path):
            raise InvalidStoredPath(f"not a stored document path: {relative_path!r}")
        try:
            (self.root / relative_path).unlink()
        except FileNotFoundError:
            return False
        return True
