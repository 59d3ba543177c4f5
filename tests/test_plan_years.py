"""The one rule for the plan of a year (knowledge.plan.years)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from knowledge.plan.years import NoPlanForYear, names_year, plan_of_year, years_of
from knowledge.reading.loader import default_plan


def _plan(year: int):
    base = default_plan()
    return replace(base, plan_id=f"p-{year}", meta=replace(base.meta, plan_year=year))


def test_the_years_own_plan_else_the_latest_before() -> None:
    plans = [_plan(2026), _plan(2021), _plan(2024)]
    assert plan_of_year(plans, 2024).plan.plan_id == "p-2024"
    got = plan_of_year(plans, 2025)
    assert got.plan.plan_id == "p-2024" and not got.exact
    assert "2025" in got.label() and "2024" in got.label()
    assert plan_of_year(plans, 2030).year == 2026
    assert plan_of_year(plans, 2021).label() == "按2021年度工作要点"


def test_a_year_before_every_plan_is_refused_with_the_years_there_are() -> None:
    with pytest.raises(NoPlanForYear) as err:
        plan_of_year([_plan(2026), _plan(2021)], 1999)
    assert err.value.years == (2021, 2026)
    assert "1999" in str(err.value) and "2021、2026" in str(err.value)
    with pytest.raises(NoPlanForYear):
        plan_of_year([], 2026)


def test_when_an_answer_names_its_year() -> None:
    one = [_plan(2021)]
    two = [_plan(2021), _plan(2026)]
    assert names_year(one, plan_of_year(one, 2026), 2026)  # an earlier year's plan
    assert not names_year(one, plan_of_year(one, 2021), 2021)
    assert names_year(two, plan_of_year(two, 2026), 2026)  # two plans active
    assert years_of(two) == (2021, 2026)
