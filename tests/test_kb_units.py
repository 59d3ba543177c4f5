"""Unit resolution and responsibility through groups."""

from __future__ import annotations

import pytest

from knowledge.plan.model import UnitCategory
from knowledge.reading.loader import default_directory, default_plan


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("司法局", "区司法局"),
        ("区司法局", "区司法局"),
        ("市监局", "区市场监管局"),
        ("市场监管局", "区市场监管局"),
        ("纪委", "区纪委监委"),
        ("监委", "区纪委监委"),
        ("审批局", "区行政审批局"),
        ("區司法局", "区司法局"),  # traditional
        ("区 司法局", "区司法局"),
        ("各镇（街、区）", "各镇(街、区)"),
        ("区司发局", "区司法局"),  # one-character typo
    ],
)
def test_resolve(text: str, expected: str) -> None:
    assert default_directory().resolve(text).name == expected


def test_ambiguous_gives_ranked_candidates() -> None:
    res = default_directory().resolve("区委")
    assert res.match is None
    assert len(res.candidates) >= 2
    scores = [c.score for c in res.candidates]
    assert scores == sorted(scores, reverse=True)


def test_unknown_gives_no_match() -> None:
    res = default_directory().resolve("火星探测局")
    assert res.match is None


def test_group_responsibility_and_added_town() -> None:
    d = default_directory().with_unit("张家集镇", UnitCategory.TOWN)
    plan = default_plan()
    town = "张家集镇"
    assert d.responsibility(town, plan.item(1)).kind == "group"
    assert d.responsibility(town, plan.item(1)).via == "各镇(街、区)"
    assert d.responsibility(town, plan.item(14)).via == "各镇(街)"
    assert d.responsibility(town, plan.item(3)).kind == "none"
    # a park is in 各镇(街、区) but not in 各镇(街)
    d = d.with_unit("襄州经济开发区", UnitCategory.PARK)
    assert d.responsibility("襄州经济开发区", plan.item(1)).kind == "group"
    assert d.responsibility("襄州经济开发区", plan.item(14)).kind == "none"


def test_named_beats_group_and_partial_is_not_full() -> None:
    d = default_directory()
    plan = default_plan()
    assert d.responsibility("区司法局", plan.item(6)).kind == "named"
    assert d.responsibility("区财政局", plan.item(6)).kind == "group"
    # item 10: 区直有关行政执法部门 is partial
    assert d.responsibility("区公安局", plan.item(10)).kind == "partial"
    # item 7: "…区司法局等部门"
    assert d.responsibility("区公安局", plan.item(7)).kind == "partial"
    assert d.responsibility("区财政局", plan.item(7)).kind == "named"
    assert d.responsibility("区财政局", plan.item(19)).kind == "none"


def test_inferred_categories() -> None:
    from knowledge.plan.units import infer_category

    assert infer_category("黄集镇") is UnitCategory.TOWN
    assert infer_category("张湾街道") is UnitCategory.SUBDISTRICT
    assert infer_category("区委宣传部") is UnitCategory.PARTY_ORGAN
    assert infer_category("区住建局") is UnitCategory.DEPARTMENT
    assert infer_category("区人民检察院") is UnitCategory.JUDICIAL


def test_units_outside_the_directory_are_not_typos() -> None:
    d = default_directory()
    assert d.resolve("审计局").match is None  # not 区行政审批局, one character away
    assert d.outside_category("区审计局") is UnitCategory.DEPARTMENT
    assert d.outside_category("司法局") is None  # listed units are not "outside"
    assert "区审计局" not in d.units  # known for understanding only: never reminded
