"""The catalog in the database: categories, services with their identity card, documents.

``skedbot seed`` fills these tables from ``models/catalog/*.toml``; staff tools may read them.
The card is also kept whole as JSON so that a field added to the catalog file reaches the
bot without a migration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from models import rawsql
from models.catalog import CARD_FIELDS, DocumentSpec, ServiceCard

if TYPE_CHECKING:
    from models.request import ServiceRequest

__all__ = ["Category", "RequiredDocument", "Service"]


class Category(Model):
    """A browsing group of services, in menu order."""

    key = fields.CharField(primary_key=True, max_length=32)
    title = fields.CharField(max_length=128)
    position = fields.IntField(default=0)

    services: fields.ReverseRelation[Service]

    class Meta:
        table = "service_category"
        ordering = ["position"]


class Service(Model):
    """One e-service and its identity card (شناسنامه خدمت)."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=48, unique=True, description="intent code")
    category: fields.ForeignKeyRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="services", on_delete=fields.RESTRICT
    )
    title = fields.CharField(max_length=200)
    flow = fields.CharField(max_length=16, description="apply, info or urgent")
    duration_days = fields.IntField(description="working days, 0 = instant")
    position = fields.IntField(default=0)
    active = fields.BooleanField(default=True)
    card: dict[str, Any] = fields.JSONField(description="the full identity card")
    lexicon: dict[str, Any] = fields.JSONField(default=dict, description="matcher words")
    updated_at = fields.DatetimeField(auto_now=True)

    documents: fields.ReverseRelation[RequiredDocument]
    requests: fields.ReverseRelation[ServiceRequest]

    class Meta:
        table = "service"
        ordering = ["position"]

    @classmethod
    async def offered(cls, code: str) -> Service | None:
        """The service of intent ``code`` if it is offered now (back-office tools may switch
        it off at any moment). Read on most citizen updates, so written as SQL (see
        ``models.rawsql``)."""
        return await rawsql.first(cls, '"code"=? AND "active"=?', [code, True])

    def to_card(self) -> ServiceCard:
        """The card as the catalog dataclass, so handlers format one type whatever the source.

        Keys the dataclass does not know (a card written by a newer release) are dropped and
        missing new ones take their defaults, so seeding and upgrading need no lock-step.
        """
        raw = {k: v for k, v in self.card.items() if k in CARD_FIELDS}
        raw["documents"] = tuple(DocumentSpec(**d) for d in raw.get("documents", ()))
        for key in ("channels", "electronic_steps", "fields", "estimated", "sources"):
            raw[key] = tuple(raw.get(key, ()))
        return ServiceCard(**raw)


class RequiredDocument(Model):
    """A document a service asks for, as its own row so back-office tools can join on it."""

    id = fields.IntField(primary_key=True)
    service: fields.ForeignKeyRelation[Service] = fields.ForeignKeyField(
        "models.Service", related_name="documents", on_delete=fields.CASCADE
    )
    key = fields.CharField(max_length=48)
    title = fields.CharField(max_length=200)
    hint = fields.CharField(max_length=400)
    required = fields.BooleanField(default=True)
    position = fields.IntField(default=0)

    class Meta:
        table = "service_document"
        unique_together = (("service", "key"),)
        ordering = ["position"]
