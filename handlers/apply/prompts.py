"""The dialog's questions: each step's text and keyboard, and the summary to confirm.

Pure rendering from the dialog as saved (:class:`~handlers.apply.turn.Turn`) and the
citizen's remembered identifiers; sending is :func:`handlers.apply.turn.ask`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handlers import keyboards
from handlers.render import fa, field_value
from handlers.texts import apply as texts
from models.application import (
    TEXT_LIMITS,
    InvalidAnswer,
    Step,
    StepKind,
    remembered_value,
    summarize,
)
from models.citizen import Citizen
from models.identifiers import mask_mobile, mask_national_code

if TYPE_CHECKING:
    from handlers.apply.turn import Turn

__all__ = ["problem_text", "prompt", "same_label", "too_large"]

MB = 1024 * 1024


def same_label(step: Step, citizen: Citizen) -> str | None:
    """«همان …» for a value the citizen gave last time (masked), or None if there is none."""
    value = remembered_value(step, citizen)
    if not value:
        return None
    if step.kind is StepKind.MOBILE:
        shown = mask_mobile(value)
    elif step.kind is StepKind.NATIONAL_CODE:
        shown = mask_national_code(value)
    else:
        shown = value
    return texts.BTN_SAME.format(value=fa(shown))


def _summary_text(turn: Turn) -> str:
    summary = summarize(turn.card, turn.draft)
    lines = [texts.SUMMARY_TITLE, texts.SUMMARY_SERVICE.format(title=summary.title)]
    if summary.urgent:
        lines.append(texts.SUMMARY_URGENT)
    if summary.national_code:
        lines.append(texts.SUMMARY_NATIONAL_CODE.format(code=fa(summary.national_code)))
    if summary.mobile:
        lines.append(texts.SUMMARY_MOBILE.format(mobile=fa(summary.mobile)))
    if summary.bill_id:
        lines.append(texts.SUMMARY_BILL_ID.format(bill_id=fa(summary.bill_id)))
    lines += [
        texts.SUMMARY_FIELD.format(name=texts.FIELD_NAMES[name], value=field_value(name, value))
        for name, value in summary.fields
    ]
    if summary.documents:
        lines.append(texts.SUMMARY_DOCUMENTS)
        lines += [
            texts.SUMMARY_DOCUMENT.format(title=doc.title, count=fa(count))
            for doc, count in summary.documents
        ]
    lines += ["", texts.SUMMARY_FOOTER.format(confirm=texts.BTN_CONFIRM, back=texts.BTN_BACK)]
    return "\n".join(lines)


def prompt(turn: Turn, citizen: Citizen) -> tuple[str, Any]:
    """The question of the current step and its keyboard."""
    step, draft = turn.step, turn.draft
    same = None if draft.changing == step.name else same_label(step, citizen)
    remembered = [[same, texts.BTN_CHANGE]] if same else []
    skip = [[texts.BTN_SKIP]] if step.optional else []
    if step.kind is StepKind.MOBILE:
        if same:
            shown = fa(mask_mobile(citizen.mobile or ""))
            return texts.ASK_MOBILE_REMEMBERED.format(mobile=shown), keyboards.dialog_step(
                remembered
            )
        return texts.ASK_MOBILE.format(button=texts.BTN_SEND_CONTACT), keyboards.dialog_step(
            contact=texts.BTN_SEND_CONTACT
        )
    if step.kind is StepKind.NATIONAL_CODE:
        text = (
            texts.ASK_NATIONAL_CODE_REMEMBERED.format(
                code=fa(mask_national_code(citizen.national_code or ""))
            )
            if same
            else texts.ASK_NATIONAL_CODE
        )
        return text, keyboards.dialog_step(remembered)
    if step.kind is StepKind.BILL_ID:
        text = (
            texts.ASK_BILL_ID_REMEMBERED.format(bill_id=fa(citizen.bill_id or ""))
            if same
            else texts.ASK_BILL_ID
        )
        return text, keyboards.dialog_step(remembered)
    if step.kind is StepKind.FIELD:
        return _field_prompt(turn, step, skip)
    if step.kind is StepKind.DOCUMENT:
        assert step.document is not None
        lines = [texts.ASK_DOCUMENT.format(title=step.document.title, hint=step.document.hint)]
        lines.append(texts.ASK_DOCUMENT_TIPS)
        received = len(draft.files(step))
        if received:
            lines.append(texts.ASK_DOCUMENT_SO_FAR.format(n=fa(received), next=texts.BTN_NEXT))
            return "\n".join(lines), keyboards.dialog_step([[texts.BTN_NEXT]])
        if step.optional:
            lines.append(texts.ASK_DOCUMENT_OPTIONAL.format(skip=texts.BTN_SKIP))
        return "\n".join(lines), keyboards.dialog_step(skip)
    return _summary_text(turn), keyboards.dialog_step([[texts.BTN_CONFIRM]])


def _field_prompt(turn: Turn, step: Step, skip: list[list[str]]) -> tuple[str, Any]:
    name = step.field
    if name == "description" and turn.card.flow == "urgent":
        return texts.URGENT_DESCRIPTION.format(skip=texts.BTN_SKIP), keyboards.dialog_step(skip)
    text = texts.FIELD_PROMPTS[name].format(
        location=texts.BTN_SEND_LOCATION,
        skip=texts.BTN_SKIP,
        limit=fa(TEXT_LIMITS.get(name, (0, 0))[1]),
    )
    if name == "location":
        return text, keyboards.dialog_step(skip, location=texts.BTN_SEND_LOCATION)
    if name == "amperage":
        labels = [
            field_value("amperage", {"amps": a, "phase": p}) for a, p in texts.AMPERAGE_OPTIONS
        ]
        rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
        return text, keyboards.dialog_step(rows + skip)
    if name in ("tariff", "usage"):
        labels = list(texts.CHOICES.values())
        rows = [labels[i : i + 3] for i in range(0, len(labels), 3)]
        return text, keyboards.dialog_step(rows + skip)
    return text, keyboards.dialog_step(skip)


def problem_text(error: InvalidAnswer) -> str:
    """Why an answer was refused, in the citizen's words."""
    limit = fa(error.limit) if error.limit is not None else ""
    return texts.PROBLEMS[error.problem.value].format(limit=limit)


def too_large(size: int, limit: int) -> str:
    """A file over its kind's limit, both sizes in MB."""
    return texts.FILE_TOO_LARGE.format(size=fa(f"{size / MB:.1f}"), limit=fa(f"{limit / MB:.0f}"))
