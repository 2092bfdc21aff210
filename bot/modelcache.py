"""Trained models kept on disk between starts, so a process restart skips the training.

The matcher's SVM (``nlp.linear``) is a function of its examples and parameters only; its
key names them all. Every bot process (webhook workers, the job worker, the API, ``skedbot
local``) builds the matcher at start, and fitting it (in a child process that imports
scikit-learn, ``nlp.svmfit``) costs about 2 s of CPU each time, for the same model. Here
each fitted model is one ``.npz`` file of plain arrays (loaded without pickle), written
whole or not at all (a temporary file renamed), so processes starting together at worst
fit it twice. A folder that cannot be written only means no caching; the newest
:data:`KEEP` models stay, older ones go (a staff tag makes a new model, and the old one is
never asked for again).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["KEEP", "ModelCache", "current", "use"]

log = logging.getLogger(__name__)

KEEP = 4
"""Models kept in the folder; each is a few MB."""
_PREFIX = "charsvm-"
_current: ModelCache | None = None


def use(directory: Path | None) -> None:
    """Keep this process's fitted models in ``directory`` (None: fit at every build). Set
    once by ``skedbot`` at start from ``SKEDBOT_MODEL_CACHE_DIR``, by the test suite for
    its run (``tests/conftest.py``)."""
    global _current
    _current = ModelCache(directory) if directory is not None else None


def current() -> ModelCache | None:
    """The cache :func:`use` set, if any."""
    return _current


class ModelCache:
    """An ``nlp.linear.SvmStore`` in a folder (created when first written to)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / f"{_PREFIX}{key[:40]}.npz"

    def load(self, key: str) -> Mapping[str, np.ndarray] | None:
        import numpy as np  # only processes that build a matcher need it

        path = self._path(key)
        try:
            with np.load(path, allow_pickle=False) as kept:
                arrays = {name: kept[name] for name in kept.files}
        except FileNotFoundError:
            return None
        except Exception as exc:  # damaged (a zip cut short…) or foreign: fitted anew
            log.info("model cache %s unreadable (%s)", path.name, type(exc).__name__)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # in use: the newest stay
        return arrays

    def save(self, key: str, arrays: Mapping[str, np.ndarray]) -> None:
        import numpy as np

        written: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                dir=self.directory, prefix=".tmp-", suffix=".npz", delete=False
            ) as file:
                written = file.name
                np.savez(file, **arrays)
            os.replace(written, self._path(key))
        except OSError as exc:
            log.warning("model cache not written in %s (%s)", self.directory, type(exc).__name__)
            if written is not None:
                with contextlib.suppress(OSError):
                    os.unlink(written)
            return
        self._forget_old()

    def _forget_old(self) -> None:
        try:
            kept = sorted(
                self.directory.glob(f"{_PREFIX}*.npz"),
                key=lambda p: p.stat().st_mtime,
                reverse=True,
            )
            for old in kept[KEEP:]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # another process cleaned up at the same time
