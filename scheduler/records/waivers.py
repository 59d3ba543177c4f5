"""Exemptions (豁免) and extensions (延期) as the supervision features see them: the one place
the chase (:mod:`scheduler.records.chases`), the ledger (:mod:`scheduler.records.ledger`) and
the annual report draft ask whether an obligation of a period is waived for a unit. The records
are the approved requests of :mod:`scheduler.records.status_overrides`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from scheduler.records.status_overrides import EXEMPT, status_overrides

EXEMPTION, EXTENSION = "exemption", "extension"


@dataclass(frozen=True)
class Waiver:
    """An approved exemption (the obligation counts as 不适用 for the period, with its reason)
    or extension (due on ``until`` instead)."""

    unit: str
    obligation_key: str
    period: str
    kind: str  # EXEMPTION | EXTENSION
    reason: str = ""
    until: date | None = None
    decided_by: str = ""

    def waives(self, today: date) -> bool:
        """Not to be chased today: exempted, or extended to a day not yet past."""
        if self.kind == EXEMPTION:
            return True
        return self.until is not None and today <= self.until

    @property
    def label(self) -> str:
        if self.kind == EXEMPTION:
            return f"不适用（豁免：{self.reason}）" if self.reason else "不适用（豁免）"
        until = f"至 {self.until.isoformat()}" if self.until else ""
        return f"已延期{until}" + (f"（{self.reason}）" if self.reason else "")


Key = tuple[str, str, str]  # (unit name, obligation key, period key)


def waivers_for(session: Session, year: int, unit: str | None = None) -> dict[Key, Waiver]:
    """The approved exemptions and extensions of ``year`` (of ``unit`` only, when given), by
    (unit, obligation, period)."""
    found = status_overrides(session, unit=unit, period=str(year))
    return {
        key: Waiver(
            unit=o.unit,
            obligation_key=o.obligation,
            period=o.period,
            kind=EXEMPTION if o.kind == EXEMPT else EXTENSION,
            reason=o.reason,
            until=o.new_due,
            decided_by=o.approved_by,
        )
        for key, o in found.items()
    }
