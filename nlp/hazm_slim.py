"""hazm's :class:`Normalizer` without the rest of hazm.

``import hazm`` runs hazm's package ``__init__``, which imports every tool hazm has (POS
tagger, chunker, parsers, embeddings) and with them nltk's whole tree: measured here, 18 MB
of every bot process's memory and 0.2 s of its start-up (110 MB and 1 s alone; scikit-learn
shares scipy with it), for the one class we use (the other tools need model downloads that
cannot happen here anyway). So only the modules the
normaliser needs are loaded: the packages ``hazm``, ``nltk``, ``nltk.stem`` and
``nltk.tokenize`` are registered bare (their ``__init__`` not run), then their submodules
are imported as usual. Should a later hazm or nltk need more than that, the bare packages
are dropped again and hazm is imported the ordinary way.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

__all__ = ["TRANSLATION_DST", "TRANSLATION_SRC", "Normalizer"]

_BARE = ("nltk", "nltk.stem", "nltk.tokenize", "hazm")


def _bare_package(name: str) -> types.ModuleType:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(name)
    module = types.ModuleType(name)
    module.__path__ = list(spec.submodule_search_locations)
    module.__spec__ = spec
    return module


def _load() -> tuple[Any, str, str]:
    """(Normalizer, TRANSLATION_SRC, TRANSLATION_DST) from hazm, the slim way if possible."""
    if not any(name in sys.modules for name in _BARE):  # nobody imported them whole yet
        before = set(sys.modules)
        try:
            for name in _BARE:
                sys.modules[name] = _bare_package(name)
            normalizer = importlib.import_module("hazm.normalizer")
            constants = importlib.import_module("hazm.constants")
            return normalizer.Normalizer, constants.TRANSLATION_SRC, constants.TRANSLATION_DST
        except Exception:  # a release that needs more: forget the half-loaded modules
            for name in set(sys.modules) - before:
                del sys.modules[name]
    hazm = importlib.import_module("hazm")
    constants = importlib.import_module("hazm.constants")
    return hazm.Normalizer, constants.TRANSLATION_SRC, constants.TRANSLATION_DST


Normalizer, TRANSLATION_SRC, TRANSLATION_DST = _load()
