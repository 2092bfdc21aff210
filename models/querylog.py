"""What citizens asked and what the matcher decided, for staff to review misses.

Only the normalised text is kept, with digit runs masked: no names, ids or numbers.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

__all__ = ["QueryLog"]


class QueryLog(Model):
    id = fields.BigIntField(primary_key=True)
    normalized = fields.CharField(max_length=500)
    decision = fields.CharField(max_length=16, description="service, ambiguous, track, none")
    best_code = fields.CharField(max_length=48, null=True)
    score = fields.FloatField(default=0.0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "query_log"
