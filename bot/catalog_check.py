"""``skedbot catalog check``: the catalog's open questions as plain text for staff."""

from __future__ import annotations

from collections.abc import Iterable

from handlers.texts import catalog_check as texts
from models.catalog.check import CardCheck

__all__ = ["format_check"]


def format_check(checks: Iterable[CardCheck]) -> str:
    """Each card still to confirm (its estimates, sources and notes), then the totals.

    Confirmed cards are left out so the list shrinks as staff work through it.
    """
    checks = list(checks)
    lines: list[str] = []
    for check in checks:
        if check.confirmed:
            continue
        lines.append(
            texts.CARD.format(
                code=check.code,
                title=check.title,
                service_id=check.service_id or texts.SERVICE_ID_PENDING,
            )
        )
        lines += [
            texts.ESTIMATE.format(field=e.field, value=e.value or texts.EMPTY_VALUE)
            for e in check.estimates
        ]
        lines += [texts.SOURCE.format(url=url) for url in check.sources] or [texts.NO_SOURCE]
        if check.staff_notes:
            lines.append(texts.STAFF_NOTES.format(notes=check.staff_notes))
    unsourced = [c.code for c in checks if not c.sources]
    estimates = sum(len(c.estimates) for c in checks)
    if not lines:
        return texts.ALL_CONFIRMED
    if unsourced:
        lines += ["", texts.UNSOURCED.format(count=len(unsourced), codes=", ".join(unsourced))]
    lines.append(
        texts.TOTAL.format(
            estimates=estimates,
            cards=sum(1 for c in checks if c.estimates),
            unsourced=len(unsourced),
        )
    )
    return "\n".join(lines)
