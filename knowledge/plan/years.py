"""The one rule for the plan of a year, used by every command and answer.

The plan of year Y is the active plan for Y, else the latest active plan before Y — and then
whoever shows it says so ("按2021年度工作要点"). A year before every plan has no plan: it is
refused with the years there are. An answer names its plan's year whenever that is not
obvious: more than one plan is active, or the plan is not the year's own.

Pure: the caller passes the active plans (``scheduler.records.plans.active_plans`` reads them
from the database; ``knowledge.reading.loader`` gives the bundled one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.plan.model import WorkPlan


class NoPlanForYear(LookupError):
    """No active plan covers the year; ``years`` are the years that have one."""

    def __init__(self, asked: int, years: Sequence[int]) -> None:
        self.asked = asked
        self.years = tuple(years)
        have = "、".join(str(y) for y in self.years)
        hint = f"现有 {have} 年度的工作要点" if self.years else "还没有启用任何工作要点"
        super().__init__(f"没有 {asked} 年或更早的工作要点（{hint}）。")


def plan_year(plan: WorkPlan) -> int:
    """A plan's year (0 for a plan whose year is unknown: it sorts first)."""
    return plan.meta.plan_year or 0


def years_of(plans: Sequence[WorkPlan]) -> tuple[int, ...]:
    return tuple(sorted({plan_year(p) for p in plans if plan_year(p)}))


@dataclass(frozen=True)
class YearPlan:
    """The plan chosen for ``asked``; ``exact`` is False when it is an earlier year's."""

    plan: WorkPlan
    asked: int

    @property
    def year(self) -> int:
        return plan_year(self.plan)

    @property
    def exact(self) -> bool:
        return self.year == self.asked

    def label(self) -> str:
        """How an answer names the plan: "按2021年度工作要点" (with the asked year when the
        plan is an earlier one's: "2026年尚无新要点，按2021年度工作要点")."""
        if self.exact or not self.year:
            return f"按{self.year}年度工作要点" if self.year else "按工作要点"
        return f"{self.asked}年尚无启用的工作要点，按{self.year}年度工作要点"


def plan_of_year(plans: Sequence[WorkPlan], year: int) -> YearPlan:
    """The active plan for ``year``, else the latest before it; raises :class:`NoPlanForYear`."""
    chosen: WorkPlan | None = None
    for p in sorted(plans, key=plan_year):
        if plan_year(p) <= year:
            chosen = p
    if chosen is None:
        raise NoPlanForYear(year, years_of(plans))
    return YearPlan(chosen, year)


def names_year(plans: Sequence[WorkPlan], chosen: YearPlan, current_year: int) -> bool:
    """Whether an answer from ``chosen`` must name its year: more than one plan is active, or
    the plan is not the current year's own."""
    return len(years_of(plans)) > 1 or chosen.year != current_year
