"""Chinese numerals both ways, from a small table (item numbers, counts, years)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.text.normalize import cn_to_int, int_to_cn, norm, to_simplified


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十四", 14),
        ("二十", 20),
        ("一十二", 12),
        ("一百零五", 105),
        ("一百一十", 110),
        ("两千", 2000),
        ("两百五", 250),
        ("三千零五十", 3050),
        ("一千零一十", 1010),
        ("零", 0),
        ("〇", 0),
        ("二〇二一", 2021),
        ("二零二一", 2021),
        ("零五", 5),
        ("14", 14),
        ("１４", 14),
        (" 十四 ", 14),
    ],
)
def test_cn_to_int(text: str, value: int) -> None:
    assert cn_to_int(text) == value


@pytest.mark.parametrize("text", ["", "百", "千", "三四十", "一百一千", "十四条", "abc", "万"])
def test_cn_to_int_refuses_what_is_not_a_numeral(text: str) -> None:
    assert cn_to_int(text) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "零"),
        (10, "十"),
        (14, "十四"),
        (20, "二十"),
        (101, "一百零一"),
        (110, "一百一十"),
        (1010, "一千零一十"),
        (2021, "二千零二十一"),
        (10001, "一万零一"),
        (100000, "十万"),
        (-3, "负三"),
    ],
)
def test_int_to_cn(value: int, text: str) -> None:
    assert int_to_cn(value) == text


@given(st.integers(min_value=0, max_value=9999))
def test_numerals_round_trip(value: int) -> None:
    assert cn_to_int(int_to_cn(value)) == value


def test_traditional_text_is_simplified_for_matching() -> None:
    assert to_simplified("區司法局 學法") == "区司法局 学法"
    assert norm("各鎮（街、區） 每季度") == "各镇(街、区)每季度"
    assert to_simplified("ASCII only") == "ASCII only"
