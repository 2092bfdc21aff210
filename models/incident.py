"""Area outages (unplanned): outage reports from one area within a short window become
one :class:`Incident` for staff, instead of a flood of announcements.

An incident is *open* while ``open_key`` (``<messenger>:<area>``) is set; the key is unique,
so two processes filing the first two reports of an area at once still make one incident
(the loser of the insert joins the winner's). A report joins the open incident of its area
if the last report came within the window; otherwise that incident is closed (by time) and
a new one opens. Counting is a conditional ``UPDATE … reports = reports + 1``, never a read
then a write. Staff set the estimated restoration time and mark it restored; restoring is
a conditional UPDATE too, so the reporters' notices are queued once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.citizen import Citizen
from models.request import ServiceRequest

__all__ = ["OUTAGE_REPORT", "Incident", "IncidentReport", "join_or_open", "restore", "set_eta"]

OUTAGE_REPORT = "outage-report"
"""The catalog service whose filed reports are grouped into incidents."""


class Incident(Model):
    """One unplanned outage of one area, as staff see it."""

    id = fields.BigIntField(primary_key=True)
    messenger = fields.CharField(max_length=16)
    area = fields.CharField(max_length=48, description="areas.toml key")
    open_key = fields.CharField(
        max_length=80, null=True, unique=True, description="messenger:area while open"
    )
    reports = fields.IntField(default=1)
    opened_at = fields.DatetimeField()
    last_report_at = fields.DatetimeField()
    group_message_id = fields.BigIntField(null=True, description="its message in the group")
    eta = fields.DatetimeField(null=True, description="estimated restoration, set by staff")
    restored_at = fields.DatetimeField(null=True)
    restored_by = fields.CharField(max_length=96, null=True)

    reports_: fields.ReverseRelation[IncidentReport]

    class Meta:
        table = "incident"


class IncidentReport(Model):
    """A filed outage report that joined an incident."""

    id = fields.BigIntField(primary_key=True)
    incident: fields.ForeignKeyRelation[Incident] = fields.ForeignKeyField(
        "models.Incident", related_name="reports_", on_delete=fields.CASCADE
    )
    request: fields.ForeignKeyRelation[ServiceRequest] = fields.ForeignKeyField(
        "models.ServiceRequest", related_name="incident_reports", on_delete=fields.CASCADE,
        unique=True,
    )  # fmt: skip
    citizen: fields.ForeignKeyRelation[Citizen] = fields.ForeignKeyField(
        "models.Citizen", related_name="incident_reports", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "incident_report"
        indexes = (("incident_id",), ("citizen_id",))  # who to tell; a citizen's erasure


async def _join(key: str, now: datetime) -> Incident | None:
    joined = await Incident.filter(open_key=key).update(
        reports=F("reports") + 1, last_report_at=now
    )
    return await Incident.get_or_none(open_key=key) if joined else None


async def join_or_open(
    request: ServiceRequest, messenger: str, area: str, window: timedelta, now: datetime
) -> tuple[Incident, bool]:
    """The incident this report belongs to, and whether it was known before it.

    Call inside the filing transaction: the report, the count and the staff's message
    exist exactly when the request does.
    """
    key = f"{messenger}:{area}"
    await Incident.filter(open_key=key, last_report_at__lt=now - window).update(open_key=None)
    incident = await _join(key, now)
    known = incident is not None
    if incident is None:
        try:
            async with in_transaction():  # a savepoint: losing the race joins the winner
                incident = await Incident.create(
                    messenger=messenger, area=area, open_key=key, opened_at=now,
                    last_report_at=now,
                )  # fmt: skip
        except IntegrityError:
            incident = await _join(key, now)
            known = True
    assert incident is not None
    await IncidentReport.create(incident=incident, request=request, citizen_id=request.citizen_id)  # type: ignore[attr-defined]
    return incident, known


async def set_eta(incident_id: int, eta: datetime) -> bool:
    return bool(await Incident.filter(id=incident_id, restored_at__isnull=True).update(eta=eta))


async def restore(incident_id: int, actor: str, now: datetime) -> bool:
    """True for the one call that marked it restored (its notices are queued by it)."""
    return bool(
        await Incident.filter(id=incident_id, restored_at__isnull=True).update(
            restored_at=now, restored_by=actor, open_key=None
        )
    )
