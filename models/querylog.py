"""What citizens asked and what the matcher decided, for staff to review misses.

Only the normalised text is kept, with digit runs masked and the asker's own names taken
out (:func:`scrub`), and no link to who asked: no names, ids or numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

from tortoise import fields
from tortoise.models import Model

from models.digits import mask_digits

__all__ = ["NAME_MASK", "QueryLog", "scrub"]

NAME_MASK = "…"
ZWNJ = "\u200c"


class QueryLog(Model):
    id = fields.BigIntField(primary_key=True)
    normalized = fields.CharField(max_length=500)
    decision = fields.CharField(max_length=16, description="service, ambiguous, track, none")
    best_code = fields.CharField(max_length=48, null=True)
    score = fields.FloatField(default=0.0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "query_log"


def scrub(normalized: str, names: Iterable[str] = ()) -> str:
    """``normalized`` fit for the log: digit runs masked, and every word of ``names`` (the
    asker's own names, normalised the same way) replaced by :data:`NAME_MASK`.

    Citizens introduce themselves («سلام من مریم هستم»); their messenger profile tells us
    which words are their names, so those are dropped. Words are compared without ZWNJ.
    """
    hidden = {w.replace(ZWNJ, "") for name in names for w in name.split() if len(w) > 1}
    words = [
        NAME_MASK if w.replace(ZWNJ, "") in hidden else w for w in mask_digits(normalized).split()
    ]
    return " ".join(words)[:500]
