"""The next-year cadence and count phrases as they stand in whole family documents
(tests/data/family), read end to end: 每两个月至少学法1次, 每半年…报送一次, 全年至少2次,
每季度至少组织2次, each an obligation with its period and count."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.plan.model import Cadence
from knowledge.reading.loader import check_file

FAMILY = Path(__file__).parent / "data" / "family"

EXPECTED = {
    "fz19_shanyang_2026_oneline.txt": [
        ("i1-study", Cadence.BIMONTHLY, 1, "每两个月至少1次"),
        ("i1-study-2", Cadence.HALF_YEARLY, 1, "每半年至少1次"),
        ("i2-inspection", Cadence.ONCE, 2, "年度内至少2次"),
        ("i4-report", Cadence.HALF_YEARLY, 1, "每半年至少1次"),
        ("i5-task", Cadence.QUARTERLY, 1, "每季度至少1次"),
    ],
    "fz24_xishan_2025_leaders.txt": [
        ("i2-study", Cadence.BIMONTHLY, 1, "每两个月至少1次"),
        ("i2-study-2", Cadence.ONCE, 6, "年度内至少6次"),
        ("i4-task", Cadence.HALF_YEARLY, 1, "每半年至少1次"),
    ],
    "fz25_nanhe_2025_joins.txt": [
        ("i4-report", Cadence.HALF_YEARLY, 1, "每半年至少1次"),
        ("i5-training", Cadence.QUARTERLY, 2, "每季度至少2次"),
    ],
    "fz18_linshui_2025_merged.docx": [("i4-inspection", Cadence.HALF_YEARLY, 1, "每半年至少1次")],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cadences_and_counts_of_a_whole_document(name: str) -> None:
    plan = check_file(FAMILY / name).plan
    got = [(o.key, o.cadence, o.min_count, o.count_label) for o in plan.obligations]
    assert got == EXPECTED[name]


def test_the_report_every_half_year_names_what_is_reported() -> None:
    plan = check_file(FAMILY / "fz19_shanyang_2026_oneline.txt").plan
    report = {o.key: o for o in plan.obligations}["i4-report"]
    assert "报送政务公开工作情况" in report.action
