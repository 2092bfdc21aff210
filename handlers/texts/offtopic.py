"""Texts around the answers to messages that are not ours (the answers themselves are
catalog data: ``models/catalog/kinds.toml``)."""

from __future__ import annotations

CONTACT_LINE = "☎️ {name}: {phone}"
