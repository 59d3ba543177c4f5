"""What question answering needs from the completion records, as an interface.

``knowledge`` is pure (no database); :mod:`scheduler.records.answer_records` implements :class:`Records` over
the completions, and the chat core passes it to :meth:`QAEngine.answer`. Without records
(``fazhi ask`` outside a chat) a status question is answered with the obligation and its
next due date, and says that the records are kept in the chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol


class RecordsForbidden(Exception):  # noqa: N818 - a refusal, not an error
    """The asking chat may not see other units' records (only admins may)."""


@dataclass(frozen=True)
class RecordLine:
    """One obligation in one period: the units that have not confirmed it, or one unit's state."""

    obligation: str  # obligation key
    action: str
    item: int
    period: str  # 2026年第三季度
    due: date  # one unit: after an approved extension (延期), its new date
    state: str = ""  # one unit: done / pending / overdue / exempt (an approved 豁免)
    units: tuple[str, ...] = ()  # "missing": units that have not confirmed
    responsible: int = 0  # "missing": how many units are responsible
    extended: bool = False  # one unit: ``due`` is an approved extension's


class Records(Protocol):
    def missing(self, kind: str, period: str, today: date) -> list[RecordLine]:
        """Per obligation of ``kind`` (study, meeting, annual_report …) in the period
        (current_quarter, previous_quarter, current_year, previous_year or "" for the
        current one): the units that have not confirmed it. May raise RecordsForbidden."""
        ...

    def unit_status(self, unit: str, kind: str, period: str, today: date) -> list[RecordLine]:
        """The unit's state for each obligation of ``kind`` ("" for every kind) it is
        responsible for, with the due date an approved extension set."""
        ...
