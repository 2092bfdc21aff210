"""The application dialog's memory (:class:`Draft`) and the one way to change it.

The draft is JSON in :attr:`models.dialog.DialogState.data`, so any bot process can take
the citizen's next update. Several processes may handle one citizen's updates at the same
moment — an album's photos arrive as separate updates, often on different workers — so a
draft is never changed by read-modify-write in a handler: :func:`change_draft` applies a
change to the draft *as saved*, saves it with the version check, and on
:class:`~models.dialog.StaleDialog` re-reads and applies the change again. One rule for
every writer: the change runs again on what the other process saved, never on a copy
that process has already replaced.

A received file and the album being received are typed records (:class:`ReceivedFile`,
:class:`Album`); their JSON keeps the keys drafts were saved with before they were typed,
so dialogs open across an upgrade go on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from models.dialog import DialogMoved, DialogState, StaleDialog

if TYPE_CHECKING:
    from models.application import Step
    from models.storage import StoredFile

__all__ = ["SAVE_ATTEMPTS", "Album", "Draft", "Edit", "ReceivedFile", "change_draft"]

SAVE_ATTEMPTS = 12
"""How often a change is tried before giving up. A save loses only to another save of the
same dialog committed since it read, and the most one citizen's updates can race is an
album: at most ten items plus the receipt's message id, so eleven losses at most. Past
that something else is wrong, and :class:`~models.dialog.StaleDialog` reports it rather
than retrying forever."""

REFUSED_ALBUMS_KEPT = 10
"""Albums already refused are remembered this many at a time: their items arrive within
seconds, so only the last few can still be arriving."""


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """A file the citizen sent for a document, stored and not yet filed.

    Field names are the columns of :class:`models.request.RequestDocument`, so filing copies
    it as it is; ``messenger_file_id`` lets the operator group get it again without upload.
    """

    sha256: str
    path: str
    mime: str
    size: int
    messenger_file_id: str

    @classmethod
    def from_stored(cls, stored: StoredFile, messenger_file_id: str) -> ReceivedFile:
        return cls(stored.sha256, stored.relative_path, stored.mime, stored.size, messenger_file_id)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ReceivedFile:
        # "file_id": the key of drafts saved before the record was typed
        file_id = data.get("messenger_file_id", data.get("file_id", ""))
        return cls(data["sha256"], data["path"], data["mime"], int(data["size"]), file_id)

    def to_data(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Album:
    """The media group being received at a document step, and its one receipt message.

    ``count`` is how many of its files were kept; ``message_id`` is the receipt, unknown
    until the process that kept the album's first file has sent it."""

    group: str
    count: int = 1
    message_id: int | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> Album | None:
        if not data:
            return None
        return cls(str(data["group"]), int(data["count"]), data.get("message_id"))

    def to_data(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Draft:
    """The dialog's memory, stored as JSON in DialogState.data.

    ``answers`` by step name; ``documents`` by document key, each a list of received files;
    ``history`` the steps passed, for «بازگشت»; ``album`` the media group being received;
    ``changing`` the step whose remembered value the citizen chose to replace («تغییر»);
    ``refused_albums`` the albums already told why they were refused, so each is told once
    whichever process takes its items.
    """

    service: str
    answers: dict[str, Any] = field(default_factory=dict)
    documents: dict[str, list[ReceivedFile]] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    album: Album | None = None
    changing: str | None = None
    refused_albums: list[str] = field(default_factory=list)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Draft:
        return cls(
            service=str(data.get("service", "")),
            answers=dict(data.get("answers") or {}),
            documents={
                k: [ReceivedFile.from_data(f) for f in v]
                for k, v in (data.get("documents") or {}).items()
            },
            history=list(data.get("history") or []),
            album=Album.from_data(data.get("album")),
            changing=data.get("changing"),
            refused_albums=list(data.get("refused_albums") or []),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "answers": self.answers,
            "documents": {k: [f.to_data() for f in v] for k, v in self.documents.items()},
            "history": self.history,
            "album": self.album.to_data() if self.album is not None else None,
            "changing": self.changing,
            "refused_albums": self.refused_albums,
        }

    def files(self, step: Step) -> list[ReceivedFile]:
        assert step.document is not None
        return self.documents.get(step.document.key, [])

    def add_file(self, step: Step, received: ReceivedFile) -> bool:
        """Add a received file; False if these bytes were already given for this document."""
        assert step.document is not None
        files = self.documents.setdefault(step.document.key, [])
        if any(f.sha256 == received.sha256 for f in files):
            return False
        files.append(received)
        return True

    def holds_message(self, step: Step, received: ReceivedFile) -> bool:
        """Whether this very message's file is kept already (the same bytes under the same
        messenger file id): its update is being handled again, not a second sending."""
        return any(
            (f.sha256, f.messenger_file_id) == (received.sha256, received.messenger_file_id)
            for f in self.files(step)
        )

    def count_in_album(self, group: str) -> bool:
        """Count a kept file of media group ``group``; True if it is the album's first."""
        if self.album is not None and self.album.group == group:
            self.album.count += 1
            return False
        self.album = Album(group)
        return True

    def refuse_album(self, group: str) -> bool:
        """Remember that album ``group`` was refused; False if it was already."""
        if group in self.refused_albums:
            return False
        self.refused_albums = [*self.refused_albums, group][-REFUSED_ALBUMS_KEPT:]
        return True

    def clear(self, step: Step) -> None:
        """Forget the answer to ``step`` (it is being asked again)."""
        self.answers.pop(step.name, None)
        if step.document is not None:
            self.documents.pop(step.document.key, None)
        self.album = None
        self.changing = None

    def forward(self, steps: tuple[Step, ...], current: str) -> Step:
        """Record ``current`` as passed and return the step after it."""
        names = [s.name for s in steps]
        self.history.append(current)
        self.album = None
        self.changing = None
        return steps[names.index(current) + 1]

    def back(self, steps: tuple[Step, ...], current: str) -> Step | None:
        """Go back one step: both it and the step left are asked afresh. None at the start."""
        by_name = {s.name: s for s in steps}
        if not self.history:
            return None
        previous = by_name[self.history.pop()]
        if current in by_name:
            self.clear(by_name[current])
        self.clear(previous)
        return previous


@dataclass(slots=True)
class Edit:
    """One attempt at a change: the draft as saved, and the step to save it at.

    A change sets ``step`` to move the dialog; left alone, the dialog stays where it is."""

    draft: Draft
    step: str


async def change_draft[T](state: DialogState, change: Callable[[Edit], T]) -> T:
    """Apply ``change`` to the dialog's draft as saved, save it, and return what it returned.

    ``state`` is what this update read; it is brought up to date in place, so the caller
    goes on with the dialog as saved. When another process saved the dialog meanwhile, it
    is re-read and ``change`` runs again on that (so a change must only depend on the
    draft it is given), up to :data:`SAVE_ATTEMPTS` times.

    Raises :class:`~models.dialog.DialogMoved` when the dialog was ended, replaced by
    another, or moved to another step meanwhile: the change was meant for the step this
    update saw. :class:`~models.dialog.StaleDialog` when every attempt lost a race.
    """
    step = state.step
    current: DialogState | None = state
    for _ in range(SAVE_ATTEMPTS):
        if current is None or current.id != state.id or current.step != step:
            raise DialogMoved(f"dialog {state.id} left step {step}")
        edit = Edit(Draft.from_data(current.data), current.step)
        result = change(edit)
        try:
            await current.advance(edit.step, edit.draft.to_data())
        except StaleDialog:
            current = await DialogState.current(state.messenger, state.user_id)
            continue
        state.step, state.data = current.step, current.data
        state.version, state.reminded = current.version, current.reminded
        return result
    raise StaleDialog(f"dialog {state.id}: every save lost a race")
