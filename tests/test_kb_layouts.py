"""Other layouts of the document family, written for these tests (tests/data/documents)."""

from __future__ import annotations

from pathlib import Path

from knowledge.plan.model import Cadence, Role
from knowledge.reading.loader import check_file

DOCS = Path(__file__).parent / "data" / "documents"


def test_sections_with_parenthesised_items_and_unit_lines() -> None:
    result = check_file(DOCS / "layout_sections.txt")
    assert result.errors == []
    plan = result.plan
    assert plan.meta.doc_number == "某政办发〔2023〕7号"
    assert plan.meta.plan_year == 2023
    assert plan.preamble == "为深入推进依法行政，加快建设法治政府，结合我县实际，制定本要点。"
    assert [i.number for i in plan.items] == [1, 2, 3, 4]
    assert [i.label for i in plan.items] == ["（一）", "（二）", "（三）", "（四）"]
    first = plan.item(1)
    assert first.title == "落实第一责任人职责"
    assert first.section == "一、加强组织领导"
    assert [(u.name, u.role) for u in first.units] == [
        ("县司法局", Role.LEAD),
        ("县直各部门", Role.SUPPORTING),
        ("各乡镇", Role.SUPPORTING),
    ]
    assert first.units[1].is_group and first.units[2].is_group
    assert plan.item(3).section == "二、推进严格规范公正文明执法"
    # sub-items 1. 2. stay inside item (二)
    second = plan.item(2)
    assert [s.label for s in second.subitems] == ["1.", "2."]
    assert second.tasks == ("县政府常务会议每季度至少学法1次", "各部门每年至少组织1次全员法治培训")
    obligations = {o.key: o for o in plan.obligations}
    assert obligations["i1-report"].cadence is Cadence.HALF_YEARLY
    assert obligations["i2-study"].cadence is Cadence.QUARTERLY
    assert obligations["i2-study"].subject == "县政府常务会议"
    assert obligations["i2-training"].cadence is Cadence.ANNUAL
    # a sentence cut by a line break mid-clause is rejoined, and the partial group is marked
    third = plan.item(3)
    assert "开展行政执法案卷评查，每年至少评查1次" in third.text
    assert third.units[1].name == "县直有关执法部门" and third.units[1].partial
    assert plan.item(4).unit_names == ("县委编办", "各乡镇（街道）")  # as written


def test_arabic_items_with_inline_units_and_page_break() -> None:
    result = check_file(DOCS / "layout_arabic.txt")
    assert result.errors == []
    plan = result.plan
    assert plan.meta.title == "2024年某区法治政府建设工作计划"
    assert [i.title for i in plan.items] == [
        "推进政务公开标准化",
        "加强行政复议工作",
        "开展法治宣传教育",
        "规范行政执法行为",
    ]
    # page break inside item 3 ("开展" / "主题宣传") repaired
    assert "重点法律开展主题宣传" in plan.item(3).text
    assert [(u.name, u.role) for u in plan.item(3).units] == [
        ("区司法局", Role.LEAD),
        ("区委宣传部", Role.SUPPORTING),
        ("各街道", Role.SUPPORTING),
    ]
    # half-width (责任单位:…) and a trailing "等执法部门"
    four = plan.item(4)
    # the document's own names stay (the alias data only adds spellings)
    assert four.unit_names == ("区公安分局", "区城管局")
    assert four.partial
    obligations = {o.key: o for o in plan.obligations}
    assert obligations["i1-task"].cadence is Cadence.MONTHLY
    assert obligations["i3-task"].min_count == 2
    assert obligations["i4-court_hearing"].cadence is Cadence.ONCE


def test_layouts_lose_no_text() -> None:
    for name in ("layout_sections.txt", "layout_arabic.txt"):
        raw = (DOCS / name).read_text("utf-8")
        plan = check_file(DOCS / name).plan
        flat = "".join(raw.split())
        for item in plan.items:
            assert "".join(item.text.split()) in flat


def test_title_lines_and_unit_lines_of_their_own() -> None:
    """一、title on its own line, the body below, units on a line (two roles on one line)."""
    result = check_file(DOCS / "layout_titles.txt")
    assert result.errors == []
    plan = result.plan
    assert [i.title for i in plan.items] == [
        "加强党的领导",
        "深化行政执法改革",
        "强化法治政府建设督察",
    ]
    assert plan.item(1).unit_names == ("区司法局", "各镇（街、区）")
    assert [(u.name, u.role) for u in plan.item(2).units] == [
        ("区司法局", Role.LEAD),
        ("区委编办", Role.SUPPORTING),
        ("区直有关单位", Role.SUPPORTING),
    ]
    assert plan.item(2).partial
    third = plan.item(3)
    assert [s.label for s in third.subitems] == ["１．", "２．"]
    obligations = {o.key: o for o in plan.obligations}
    # "开展年度督察，每年不少于两次": the count's clause has no verb; the clause before says what
    assert obligations["i3-inspection"].action == "开展年度督察"
    assert obligations["i3-inspection"].min_count == 2
    assert obligations["i3-inspection"].cadence is Cadence.ANNUAL
    assert obligations["i3-task"].cadence is Cadence.HALF_YEARLY
    assert obligations["i1-study"].cadence is Cadence.QUARTERLY


def test_inline_roles_and_space_separated_units(tmp_path) -> None:  # noqa: ANN001
    doc = tmp_path / "roles.txt"
    doc.write_text(
        "1.加强行政复议。〔责任单位：区司法局（牵头）、区法院（配合）、区委编办〕\n"
        "2.推进政务公开。〔责任单位：区政府办 区直各单位　各镇（街、区）〕\n",
        "utf-8",
    )
    plan = check_file(doc).plan
    assert [(u.name, u.role) for u in plan.item(1).units] == [
        ("区司法局", Role.LEAD),
        ("区法院", Role.SUPPORTING),
        ("区委编办", Role.RESPONSIBLE),
    ]
    assert plan.item(2).unit_names == ("区政府办", "区直各单位", "各镇（街、区）")


def test_other_role_words(tmp_path) -> None:  # noqa: ANN001
    doc = tmp_path / "roles2.txt"
    doc.write_text(
        "一、加强行政复议。\n主办单位：区司法局\n协助单位：区法院、区委编办\n\n"
        "二、推进政务公开。（主责单位：区政府办；参与单位：区直各单位）\n",
        "utf-8",
    )
    result = check_file(doc)
    assert result.errors == []
    assert [(u.name, u.role) for u in result.plan.item(1).units] == [
        ("区司法局", Role.LEAD),
        ("区法院", Role.SUPPORTING),
        ("区委编办", Role.SUPPORTING),
    ]
    assert [(u.name, u.role) for u in result.plan.item(2).units] == [
        ("区政府办", Role.LEAD),
        ("区直各单位", Role.SUPPORTING),
    ]


def test_a_bracket_with_two_roles_mid_sentence_loses_no_text(tmp_path) -> None:  # noqa: ANN001
    doc = tmp_path / "mid.txt"
    doc.write_text(
        "1. 推进公开（牵头单位：区司法局；配合单位：区法院）并加强审核。做好备案。\n", "utf-8"
    )
    item = check_file(doc).plan.item(1)
    assert item.title == "推进公开并加强审核"
    assert item.tasks == ("做好备案",)
    assert [(u.name, u.role) for u in item.units] == [
        ("区司法局", Role.LEAD),
        ("区法院", Role.SUPPORTING),
    ]


def test_unlabelled_role_phrases_end_the_item(tmp_path) -> None:  # noqa: ANN001
    """No label: a bracket of role phrases, a "由…牵头" sentence, and a trailing clause of the
    last sentence ("…，各执法部门按职责分工负责") give the units."""
    doc = tmp_path / "phrases.txt"
    doc.write_text(
        "2025年某区法治政府建设工作要点\n"
        "1．推进执法规范化。由区司法局牵头，区城管执法局、区市场监督 管理局配合。\n"
        "2．健全化解机制。（区委政法委、区司法局牵头，各镇按职责分工负责）\n"
        "3．落实行政执法责任制，各执法部门按职责分工负责。\n"
        "4．加强普法。责任单位：区委宣传部、区司法局等有关部门\n",
        "utf-8",
    )
    result = check_file(doc)
    assert result.errors == []
    got = [[(u.name, u.role) for u in it.units] for it in result.plan.items]
    assert got[0] == [
        ("区司法局", Role.LEAD),
        ("区城管执法局", Role.SUPPORTING),
        ("区市场监督管理局", Role.SUPPORTING),
    ]
    assert got[1] == [
        ("区委政法委", Role.LEAD),
        ("区司法局", Role.LEAD),
        ("各镇", Role.RESPONSIBLE),
    ]
    assert got[2] == [("各执法部门", Role.RESPONSIBLE)]
    assert result.plan.items[2].title == "落实行政执法责任制"
    assert result.plan.items[3].unit_names == ("区委宣传部", "区司法局")
    assert result.plan.items[3].partial
