"""Item references in every form, and numerals that are not references."""

from __future__ import annotations

import pytest

from knowledge.qa.question.refs import parse_refs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第十四条 我单位要做什么", (14,)),
        ("第14条", (14,)),
        ("十四条", (14,)),
        ("第十四项", (14,)),
        ("14条", (14,)),
        ("14项", (14,)),
        ("条目14", (14,)),
        ("item 14", (14,)),
        ("#14", (14,)),
        ("no. 7", (7,)),
        ("第二十条讲了啥", (20,)),
        ("第十四", (14,)),
        ("3、4条", (3, 4)),
        ("第1、2、3条", (1, 2, 3)),
        ("第3条和第5条", (3, 5)),
        ("第3到5条", (3, 4, 5)),
        ("3-5条", (3, 4, 5)),
        ("第三至五项", (3, 4, 5)),
        ("items 3 to 5", (3, 4, 5)),
        ("items 3 and 4", (3, 4)),
        ("第25条", (25,)),
        ("2021年第三条", (3,)),
    ],
)
def test_references(text: str, expected: tuple[int, ...]) -> None:
    assert parse_refs(text).numbers == expected


@pytest.mark.parametrize(
    "text",
    [
        "每季度至少学法1次",
        "十四五规划",
        "三项制度",
        "第一责任人",
        "第十四个五年规划",
        "哪一条讲营商环境",
        "2021年",
        "一村一法律顾问",
    ],
)
def test_not_references(text: str) -> None:
    assert parse_refs(text).numbers == ()
