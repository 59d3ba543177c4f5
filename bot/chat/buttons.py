"""Every kind of button the chat shows, in one place: a frozen dataclass per kind.

The codec (the :class:`~scheduler.delivery.buttons.Payload` base, :func:`decode`, the 64-byte
limit) and the kinds the scheduler sends itself (:class:`Done`, :class:`Snooze`,
:class:`Acknowledge`) live in :mod:`scheduler.delivery.buttons`, because the scheduler puts
buttons on reminders and notices and must not import ``bot``; the chat's own kinds are declared
here on the same base, and this module re-exports the others, so that importing it makes every
kind decodable. A feature shows a button with ``Button("查看第3条", ShowItem(3))`` and handles
it with ``@feature.button(ShowItem)``; the router decodes the callback data once and hands the
handler the typed value, or answers that the button has expired.

A new kind: a dataclass here with a tag that is not taken (``int`` / ``str`` fields, optional
ones last); its wire form is ``tag:field:field`` and must stay within 64 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.delivery.buttons import (
    CALLBACK_LIMIT,
    Acknowledge,
    ButtonError,
    ChaseAnswer,
    DenyRequest,
    Done,
    GrantRequest,
    Payload,
    Snooze,
    decode,
    kinds,
)

__all__ = [
    "CALLBACK_LIMIT",
    "Acknowledge",
    "ActivatePlan",
    "Approve",
    "ButtonError",
    "CancelNotice",
    "ChaseAnswer",
    "ChaseReceipts",
    "DenyRequest",
    "DiscardPlan",
    "Done",
    "ExportEvidence",
    "GrantRequest",
    "ExportLedger",
    "ItemsPage",
    "MorePages",
    "NoticeReport",
    "Payload",
    "Register",
    "RemindOverdue",
    "Reject",
    "ResendNotice",
    "SendNotice",
    "ShowItem",
    "Snooze",
    "ToggleReceipt",
    "Undo",
    "UnitsPage",
    "decode",
    "decode_or_none",
    "kinds",
]


# -- questions ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShowItem(Payload, tag="item"):
    number: int


@dataclass(frozen=True)
class ItemsPage(Payload, tag="items"):
    page: int


@dataclass(frozen=True)
class MorePages(Payload, tag="more"):
    """显示更多: the next page of the chat's last long answer."""


# -- registration and approval -----------------------------------------------------------------
@dataclass(frozen=True)
class Register(Payload, tag="reg"):
    unit_id: int


@dataclass(frozen=True)
class Approve(Payload, tag="apr"):
    chat_row_id: int


@dataclass(frozen=True)
class Reject(Payload, tag="rej"):
    chat_row_id: int


@dataclass(frozen=True)
class UnitsPage(Payload, tag="pg:units"):
    page: int


# -- tasks (Done and Snooze come from the scheduler) ---------------------------------------------
@dataclass(frozen=True)
class Undo(Payload, tag="undo"):
    obligation: str
    period: str | None = None


# -- notices and receipts (Acknowledge comes from the scheduler) --------------------------------
@dataclass(frozen=True)
class SendNotice(Payload, tag="bc:ok"):
    broadcast_id: int


@dataclass(frozen=True)
class CancelNotice(Payload, tag="bc:no"):
    broadcast_id: int


@dataclass(frozen=True)
class NoticeReport(Payload, tag="bc:rep"):
    broadcast_id: int


@dataclass(frozen=True)
class ResendNotice(Payload, tag="bc:re"):
    broadcast_id: int


@dataclass(frozen=True)
class ToggleReceipt(Payload, tag="bc:rc"):
    broadcast_id: int


@dataclass(frozen=True)
class ChaseReceipts(Payload, tag="bc:ch"):
    broadcast_id: int


# -- plans and evidence ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ActivatePlan(Payload, tag="plan:on"):
    plan_row_id: int


@dataclass(frozen=True)
class DiscardPlan(Payload, tag="plan:no"):
    plan_row_id: int


@dataclass(frozen=True)
class ExportEvidence(Payload, tag="ev"):
    """📦 under /report: the evidence archive of a year."""

    year: int


# -- supervision (ChaseAnswer, under a chase, comes from the scheduler) ---------------------------
@dataclass(frozen=True)
class RemindOverdue(Payload, tag="chs:all"):
    """📣 under /report: chase every unit with an overdue obligation of the year."""

    year: int


@dataclass(frozen=True)
class ExportLedger(Payload, tag="ldg"):
    """📒 under /report: the ledger (台账) of a year as an .xlsx file."""

    year: int


def decode_or_none(data: str | None) -> Payload | None:
    """The payload, or None for callback data no button of ours produces."""
    try:
        return decode(data or "")
    except ButtonError:
        return None
