"""Uploaded documents: what is accepted, how it is stored, what back-office can read."""

from __future__ import annotations

import hashlib
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from models.storage import (
    DEFAULT_MAX_IMAGE_SIZE,
    DEFAULT_MAX_PDF_SIZE,
    DocumentStore,
    FileKind,
    FileTooLarge,
    InvalidStoredPath,
    RejectedFile,
    StorageError,
    StoredFileNotFound,
    UnsupportedFileType,
    sniff,
)


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    """An ISO-BMFF file start (HEIC, AVIF, MP4 share it), followed by padding."""
    body = major + b"\0\0\0\0" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\0" * 64


def png_chunk(kind: bytes, data: bytes = b"") -> bytes:
    """A PNG chunk with a dummy CRC (sniffing does not check CRCs)."""
    return len(data).to_bytes(4, "big") + kind + data + b"\0\0\0\0"


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\0" * 100
PNG = PNG_SIGNATURE + png_chunk(b"IHDR", b"\0" * 13) + png_chunk(b"IDAT") + png_chunk(b"IEND")
APNG = PNG_SIGNATURE + png_chunk(b"IHDR", b"\0" * 13) + png_chunk(b"acTL", b"\0" * 8)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\0" * 100
HEIC = ftyp(b"heic", b"mif1", b"heic")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 100
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\0" * 100
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\0" * 100


# -------------------------------------------------------------------------- sniff


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (JPEG, FileKind.JPEG),  # phone camera photo
        (PNG, FileKind.PNG),  # screenshot of a bill
        (WEBP, FileKind.WEBP),  # photo re-encoded by a messenger
        (HEIC, FileKind.HEIC),  # iPhone photo sent as a file
        (ftyp(b"mif1", b"mif1", b"heic"), FileKind.HEIC),  # HEIC with the generic brand
        (ftyp(b"heix", b"mif1", b"heix"), FileKind.HEIC),  # Samsung 10-bit HEIC
        (PDF, FileKind.PDF),  # scanned document
        (EXE, None),  # Windows executable (whatever it was named)
        (ZIP, None),  # archive: could hide anything
        (GIF, None),  # GIF: a sticker or meme, not a document photo
        (APNG, None),  # animated PNG: same reasoning as GIF
        (ftyp(b"avif", b"avif", b"mif1"), None),  # AVIF: back-office cannot open it
        (ftyp(b"isom", b"isom", b"mp41"), None),  # MP4 video
        (b"hello, this is plain text\n", None),  # text file
        (b"", None),  # empty upload
    ],
)
def test_sniff_by_content(data: bytes, kind: FileKind | None) -> None:
    assert sniff(data) == kind


@pytest.mark.parametrize(
    ("kind", "extension", "mime"),
    [
        (FileKind.JPEG, "jpg", "image/jpeg"),  # served as a photo
        (FileKind.PNG, "png", "image/png"),  # served as a photo
        (FileKind.WEBP, "webp", "image/webp"),  # served as a photo
        (FileKind.HEIC, "heic", "image/heic"),  # served as a photo
        (FileKind.PDF, "pdf", "application/pdf"),  # opened in a PDF viewer
    ],
)
def test_kind_extension_and_mime(kind: FileKind, extension: str, mime: str) -> None:
    assert kind.value == extension
    assert kind.mime == mime


# -------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (EXE, "application/x-msdownload"),  # an .exe renamed .jpg is refused
        (ZIP, "application/zip"),  # a zip of documents is refused
        (GIF, "image/gif"),  # a GIF is refused
        (b"just text", None),  # unknown content is refused
        (b"", None),  # an empty upload is refused
    ],
)
def test_unsupported_files_are_refused(tmp_path: Path, data: bytes, detected: str | None) -> None:
    store = DocumentStore(tmp_path)
    with pytest.raises(UnsupportedFileType) as caught:
        store.save(data)
    assert caught.value.detected_mime == detected
    assert not any(tmp_path.rglob("*"))  # nothing written


@pytest.mark.parametrize(
    ("data", "size", "accepted", "limit"),
    [
        (JPEG, 1_000, True, 1_000),  # a photo exactly at the image limit
        (JPEG, 1_001, False, 1_000),  # a photo one byte over
        (HEIC, 1_500, False, 1_000),  # HEIC counts as a photo
        (PDF, 1_500, True, 2_000),  # the same size is fine for a PDF
        (PDF, 2_001, False, 2_000),  # a PDF over its own limit
    ],
)
def test_size_limits_per_kind(
    tmp_path: Path, data: bytes, size: int, accepted: bool, limit: int
) -> None:
    store = DocumentStore(tmp_path, max_image_size=1_000, max_pdf_size=2_000)
    padded = data + b"\0" * (size - len(data))
    if accepted:
        assert store.save(padded).size == size
    else:
        with pytest.raises(FileTooLarge) as caught:
            store.save(padded)
        assert (caught.value.size, caught.value.limit) == (size, limit)  # for the message
        assert caught.value.kind == sniff(data)


def test_default_limits() -> None:
    store = DocumentStore(Path("unused"))
    assert store.limit_for(FileKind.JPEG) == DEFAULT_MAX_IMAGE_SIZE == 10 * 1024 * 1024
    assert store.limit_for(FileKind.PDF) == DEFAULT_MAX_PDF_SIZE == 20 * 1024 * 1024


@pytest.mark.parametrize(
    ("error", "bases"),
    [
        (UnsupportedFileType, (RejectedFile, StorageError)),  # shown to the citizen
        (FileTooLarge, (RejectedFile, StorageError)),  # shown to the citizen
        (InvalidStoredPath, (StorageError, ValueError)),  # back-office misuse
        (StoredFileNotFound, (StorageError, FileNotFoundError)),  # missing file
    ],
)
def test_exception_hierarchy(error: type[Exception], bases: tuple[type[Exception], ...]) -> None:
    assert issubclass(error, bases)


# ------------------------------------------------------------------------ saving


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (JPEG, FileKind.JPEG),  # photo
        (HEIC, FileKind.HEIC),  # iPhone photo
        (PDF, FileKind.PDF),  # scan
    ],
)
def test_save_describes_and_stores_the_file(tmp_path: Path, data: bytes, kind: FileKind) -> None:
    stored = DocumentStore(tmp_path).save(data)
    digest = hashlib.sha256(data).hexdigest()
    assert stored.sha256 == digest
    assert stored.relative_path == f"{digest[:2]}/{digest[2:4]}/{digest}.{kind.value}"
    assert (stored.kind, stored.mime, stored.size) == (kind, kind.mime, len(data))
    assert (tmp_path / stored.relative_path).read_bytes() == data


def test_the_same_photo_twice_is_stored_once(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    first = store.save(JPEG)
    second = store.save(JPEG)  # the citizen sends it again after a timeout
    assert first == second
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [tmp_path / first.relative_path]


def test_different_documents_are_stored_apart(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    paths = {store.save(JPEG).relative_path, store.save(JPEG + b"\1").relative_path}
    assert len(paths) == 2


def test_concurrent_saves_of_the_same_bytes_leave_one_whole_file(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    data = PDF + os.urandom(64 * 1024)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: store.save(data), range(16)))
    assert len(set(results)) == 1
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [tmp_path / results[0].relative_path]  # no temp files left behind
    assert files[0].read_bytes() == data


def test_a_damaged_copy_is_replaced(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    stored = store.save(PDF)
    (tmp_path / stored.relative_path).write_bytes(PDF[:5])  # truncated by a disk problem
    store.save(PDF)
    assert (tmp_path / stored.relative_path).read_bytes() == PDF


def test_stored_files_are_not_world_readable(tmp_path: Path) -> None:
    stored = DocumentStore(tmp_path).save(JPEG)
    mode = (tmp_path / stored.relative_path).stat().st_mode
    assert not mode & stat.S_IROTH  # ID cards and deeds are personal data


# ------------------------------------------------------------------- back office


def test_open_and_path_of_return_the_stored_bytes(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    stored = store.save(PNG)
    assert store.path_of(stored.relative_path) == tmp_path / stored.relative_path
    with store.open(stored.relative_path) as file:
        assert file.read() == PNG


@pytest.mark.parametrize(
    "relative_path",
    [
        "../../etc/passwd",  # escape the store
        "/etc/passwd",  # absolute path
        "ab/cd/../../../secret.pdf",  # traversal hidden in a longer path
        "ab/cd/" + "0" * 64 + ".exe",  # an extension the store never writes
        "AB/CD/" + "A" * 64 + ".jpg",  # upper case: not a path this store produced
        "",  # empty
    ],
)
def test_paths_not_made_by_the_store_are_refused(tmp_path: Path, relative_path: str) -> None:
    store = DocumentStore(tmp_path)
    with pytest.raises(InvalidStoredPath):
        store.path_of(relative_path)
    with pytest.raises(InvalidStoredPath):
        store.open(relative_path)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    digest = hashlib.sha256(b"never saved").hexdigest()
    with pytest.raises(StoredFileNotFound):
        DocumentStore(tmp_path).open(f"{digest[:2]}/{digest[2:4]}/{digest}.jpg")


@pytest.mark.parametrize(
    ("mime_type", "file_name", "limit"),
    [
        ("image/jpeg", "scan.jpg", 10),  # a photo sent as a file: the image limit
        ("image/png", None, 10),
        (None, "card.HEIC", 10),  # no MIME type: the name decides
        ("application/pdf", "deed.pdf", 20),
        (None, "deed.pdf", 20),
        ("application/octet-stream", "scan.jpg", 20),  # described, but not as either kind
        (None, None, 20),  # nothing declared: the larger limit, content decides later
    ],
)
def test_declared_limit(tmp_path, mime_type, file_name, limit) -> None:
    store = DocumentStore(tmp_path, max_image_size=10, max_pdf_size=20)
    assert store.declared_limit(mime_type, file_name) == limit
