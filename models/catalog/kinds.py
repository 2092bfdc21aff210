"""Kinds of messages that are not about an electricity service, as staff-editable data.

``kinds.toml`` beside this module holds one table per kind (greeting, thanks, water, gas,
telecom, abuse, spam, offtopic): the answer the bot gives, whether the menu or the staff
button follows, whether the kind is answered only once per chat (spam), who handles it
elsewhere (public phone numbers, each marked ``checked`` once staff confirmed it), and the
example messages the matcher's learned scorer trains on. The matcher still decides
``none`` for all of them; the kind is carried beside the decision (``MatchResult.kind``)
and only chooses the answer.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["KIND_PREFIX", "Contact", "NonServiceKind", "load_kinds"]

KIND_PREFIX = "none:"
"""How a kind's examples are labelled for the matcher: ``none:water``."""

_KEYS = frozenset(
    {"title", "answer", "menu", "offer_staff", "answer_once", "contacts", "keywords", "examples"}
)


@dataclass(frozen=True, slots=True)
class Contact:
    """Who handles another company's matter: a public number staff should confirm."""

    name: str
    phone: str
    checked: bool = False
    """False until staff confirmed the number is current (shown as to be checked)."""


@dataclass(frozen=True, slots=True)
class NonServiceKind:
    """One kind of message that is not ours, and how the bot answers it."""

    code: str
    title: str
    answer: str
    menu: bool = False
    offer_staff: bool = False
    answer_once: bool = False
    contacts: tuple[Contact, ...] = ()
    keywords: tuple[str, ...] = ()
    """Words that name this kind outright («آب», «گاز»): they choose the kind when the
    message is not ours; they never make a message «not ours» by themselves."""
    examples: tuple[str, ...] = ()


def load_kinds(path: Path) -> dict[str, NonServiceKind]:
    """The kinds in ``path`` (an absent file means none); ValueError names a bad table."""
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    kinds: dict[str, NonServiceKind] = {}
    for code, table in raw.items():
        unknown = set(table) - _KEYS
        if unknown:
            raise ValueError(f"kinds.toml [{code}]: unknown keys {sorted(unknown)}")
        if not table.get("answer") or not table.get("examples"):
            raise ValueError(f"kinds.toml [{code}]: answer and examples are required")
        contacts = tuple(
            Contact(name=str(c["name"]), phone=str(c["phone"]), checked=bool(c.get("checked")))
            for c in table.get("contacts", ())
        )
        kinds[code] = NonServiceKind(
            code=code,
            title=str(table.get("title", code)),
            answer=str(table["answer"]),
            menu=bool(table.get("menu", False)),
            offer_staff=bool(table.get("offer_staff", False)),
            answer_once=bool(table.get("answer_once", False)),
            contacts=contacts,
            keywords=tuple(str(k) for k in table.get("keywords", ())),
            examples=tuple(str(e) for e in table["examples"]),
        )
    return kinds
