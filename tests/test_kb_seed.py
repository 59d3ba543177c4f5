"""The bundled seed document (襄州区 2021) parsed to the letter."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from knowledge.plan.model import Cadence, Role
from knowledge.reading.loader import default_directory, default_plan

SEED_TEXT = resources.files("knowledge.sources").joinpath("xiangzhou-2021.txt").read_text("utf-8")

TITLES = {
    1: "强化党对法治政府的领导",
    2: "深入学习贯彻习近平法治思想",
    3: "编制法治政府建设工作方案",
    4: "压实法治政府建设工作责任",
    5: "组织开展法治政府建设示范创建活动",
    6: "健全完善依法行政制度体系",
    7: "深入推进“放管服”改革",
    8: "加快数字政府建设步伐",
    9: "持续强化法治化营商环境",
    10: "积极探索实行包容审慎监管工作",
    11: "组织开展政府违约失信问题治理",
    12: "加强行政权力制约监督",
    13: "扎实开展涉企执法突出问题专项整治",
    14: "持续深化行政执法体制改革",
    15: "加快实施行政复议体制改革步伐",
    16: "深入推动公共法律服务体系建设",
    17: "坚持创新发展新时代“枫桥经验”",
    18: "扎实开展普法宣传工作",
    19: "稳妥防范化解系统性金融风险",
    20: "持续推进依法防控常态化",
}

TOWNS = "各镇(街、区)"
DIRECT = "区直各单位"
UNITS = {
    1: [DIRECT, TOWNS],
    2: [DIRECT, TOWNS],
    3: ["区委依法治区办", "区司法局"],
    4: ["区委依法治区办", DIRECT, TOWNS],
    5: ["区委依法治区办", "区政府办", "区司法局", DIRECT, TOWNS],
    6: ["区司法局", DIRECT, TOWNS],
    7: ["区行政审批局", "区发改局", "区市场监管局", "区财政局", "区资规局", "区司法局"],
    8: ["区行政审批局", DIRECT, TOWNS],
    9: ["区司法局", "区市场监管局", DIRECT, TOWNS],
    10: ["区市场监管局", "区直有关行政执法部门", TOWNS],
    11: ["区发改局", "区科经局", "区财政局"],
    12: [DIRECT, TOWNS],
    13: ["区委政法委", "区纪委监委", "区法院", "区检察院", "区公安局", "区司法局"],
    14: ["区委编办", "区司法局", "区检察院", "区纪委监委", "各镇(街)"],
    15: ["区司法局", "区委编办", "区法院"],
    16: ["区司法局", TOWNS],
    17: ["区委政法委", "区法院", "区检察院", "区公安局", "区司法局", "区信访局"],
    18: ["区委依法治区办", "区司法局", DIRECT, TOWNS],
    19: ["区金融办"],
    20: ["区卫健局", "区应急局", TOWNS],
}


def test_twenty_items_with_titles() -> None:
    plan = default_plan()
    assert [i.number for i in plan.items] == list(range(1, 21))
    assert {i.number: i.title for i in plan.items} == TITLES


@pytest.mark.parametrize("number", range(1, 21))
def test_unit_lists_exact(number: int) -> None:
    assert list(default_plan().item(number).unit_names) == UNITS[number]


def test_partial_lists_are_marked() -> None:
    plan = default_plan()
    assert {i.number for i in plan.items if i.partial} == {7, 10, 20}
    seven = plan.item(7)
    assert seven.units[-1].partial and seven.units[-1].raw == "等部门"
    assert plan.item(10).units[1].partial  # 区直有关行政执法部门


def test_page_break_repaired() -> None:
    plan = default_plan()
    assert "我区法治政府建设工作实际" in plan.item(3).text
    assert "完善备案审查工作制度机制" in plan.item(6).text
    assert "落实数据安全保护措施" in plan.item(8).text
    assert "严格执行《保障中小企业款项支付条例》" in plan.item(11).text
    assert "健全行政执法与刑事司法衔接机制" in plan.item(14).text


def test_no_text_lost() -> None:
    """The items joined equal the source's item part with only line breaks removed."""
    start = SEED_TEXT.index("\n一、") + 1
    end = SEED_TEXT.index("抄送")
    source = re.sub(r"\s*\n\s*", "", SEED_TEXT[start:end]).strip()
    joined = "".join(item.label + item.text for item in default_plan().items)
    assert joined == source


def test_metadata() -> None:
    meta = default_plan().meta
    assert meta.doc_number == "襄州政办函〔2021〕15号"
    assert meta.issuer == "襄阳市襄州区人民政府办公室"
    assert meta.plan_year == 2021
    assert meta.title == "2021年度襄州区法治政府建设工作要点"
    assert meta.issued_date == "2021-07-19"
    assert meta.district == "襄州区"
    assert "区直各单位" in meta.recipients
    assert meta.cc == ("区委办", "区人大办", "区政协办")
    assert default_plan().preamble.startswith("2021 年是中国共产党成立 100 周年")


def test_tasks_are_sentences_after_the_title() -> None:
    fourteen = default_plan().item(14)
    assert "建立健全行政执法统计年报制度" in fourteen.tasks
    assert len(fourteen.tasks) == 5
    assert all("责任单位" not in t for t in fourteen.tasks)


def test_cadence_obligations_found_by_the_parser() -> None:
    plan = default_plan()
    by_key = {o.key: o for o in plan.obligations}
    study = by_key["i2-study"]
    assert (study.cadence, study.min_count, study.action) == (Cadence.QUARTERLY, 1, "学法")
    assert "每季度至少学法 1 次" in study.text
    training = by_key["i2-training"]
    assert (training.cadence, training.min_count) == (Cadence.ANNUAL, 1)
    assert "培训班" in training.action and training.subject == "各地政府"
    court = by_key["i2-court_hearing"]
    assert (court.cadence, court.min_count) == (Cadence.ONCE, 1)
    assert court.subject == "各地政府领导班子成员"
    meeting = by_key["i4-meeting"]
    assert (meeting.cadence, meeting.min_count, meeting.item) == (Cadence.ANNUAL, 1, 4)
    assert "专题会议" in meeting.action
    # every obligation quotes its sentence from the item, verbatim
    for ob in (study, training, court, meeting):
        assert ob.text.rstrip("。") in plan.item(ob.item).text


def test_annual_report_is_data_with_source() -> None:
    one = default_plan().item(1)
    report = {o.kind: o for o in one.obligations}
    assert report["annual_report"].deadline.month == 3
    assert report["annual_report"].deadline.day == 1
    assert report["annual_report"].deadline.refers_to == "previous"
    assert report["report_publish"].deadline.month == 4
    assert "法治政府建设与责任落实督察工作规定" in report["annual_report"].source
    assert {o.key for o in default_plan().obligations} == {
        "i1-annual_report",
        "i1-report_publish",
        "i2-study",
        "i2-training",
        "i2-court_hearing",
        "i4-meeting",
    }


def test_directory_categories_and_groups() -> None:
    d = default_directory()
    assert d.units["区司法局"].category.value == "department"
    assert d.units["区法院"].category.value == "judicial"
    assert d.units["区纪委监委"].category.value == "discipline"
    assert d.groups[TOWNS].partial is False
    assert d.groups["区直有关单位"].partial is True
    assert d.groups["区直有关行政执法部门"].partial is True
    # every unit the document names is in the directory
    for item in default_plan().items:
        for name in item.unit_names:
            assert name in d.units or name in d.groups, name


def test_roles_default_to_responsible() -> None:
    assert all(r.role is Role.RESPONSIBLE for i in default_plan().items for r in i.units)
