"""Whom each obligation binds: the subject of its sentence (knowledge/data/subjects.toml) mapped
to unit categories and intersected with the item's responsible units (knowledge/plan/binding.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.plan.binding import Override, bind, bound_units, subject_of
from knowledge.plan.model import Cadence, Obligation, UnitCategory
from knowledge.plan.subjects import read_subject
from knowledge.reading.decode import DocumentError
from knowledge.reading.loader import default_directory, default_plan, directory_for, load_file

DATA = Path(__file__).parent / "data"

TOWN, SUBDISTRICT, PARK = "张家集镇", "张湾街道", "襄州经济开发区"
LOCAL = [TOWN, SUBDISTRICT, PARK]
DEPARTMENTS = [
    "区司法局",
    "区政府办",
    "区行政审批局",
    "区发改局",
    "区市场监管局",
    "区财政局",
    "区资规局",
    "区科经局",
    "区公安局",
    "区信访局",
    "区金融办",
    "区卫健局",
    "区应急局",
]
PARTY_ORGANS = ["区委依法治区办", "区委政法委", "区委编办"]
JUDICIAL_AND_DISCIPLINE = ["区法院", "区检察院", "区纪委监委"]
DISTRICT = DEPARTMENTS + PARTY_ORGANS + JUDICIAL_AND_DISCIPLINE


def _directory():  # noqa: ANN202
    return (
        default_directory()
        .with_unit(TOWN, UnitCategory.TOWN)
        .with_unit(SUBDISTRICT, UnitCategory.SUBDISTRICT)
        .with_unit(PARK, UnitCategory.PARK)
    )


# the bound units of EVERY obligation of the bundled plan (襄州区 2021), towns added by an admin
EXPECTED_2021 = {
    # 各地、各单位: no narrower subject, every responsible unit of item 1
    "i1-annual_report": DISTRICT + LOCAL,
    "i1-report_publish": DISTRICT + LOCAL,
    # 区政府常务会议、政府部门办公会议(党委、党组会议): the government's departments
    "i2-study": DEPARTMENTS,
    # 各地政府: the governments of the towns, sub-districts and parks
    "i2-training": LOCAL,
    # 各地政府领导班子成员: their leaders
    "i2-court_hearing": LOCAL,
    # 各级党政主要负责人、政府部门党委(党组)主要负责人
    "i4-meeting": DEPARTMENTS + LOCAL,
}


def test_bound_units_of_every_obligation_of_the_bundled_plan() -> None:
    plan, directory = default_plan(), _directory()
    assert {ob.key for ob in plan.obligations} == set(EXPECTED_2021)
    for ob in plan.obligations:
        assert sorted(bound_units(plan, ob, directory)) == sorted(EXPECTED_2021[ob.key]), ob.key


def test_court_procuratorate_and_discipline_bound_by_none_of_item_2() -> None:
    plan, directory = default_plan(), _directory()
    item2 = [ob for ob in plan.obligations if ob.item == 2]
    assert [ob.key for ob in item2] == ["i2-study", "i2-training", "i2-court_hearing"]
    for ob in item2:
        b = bind(plan, ob, directory)
        for unit in JUDICIAL_AND_DISCIPLINE:
            assert unit not in b.bound
            assert unit in [x.unit for x in b.not_bound]  # responsible for item 2, not bound
    for key in ("i2-training", "i2-court_hearing"):
        b = bind(plan, plan.obligation(key), directory)
        assert TOWN in b.bound and SUBDISTRICT in b.bound
        assert not set(DEPARTMENTS) & set(b.bound)  # no bureau runs the governments' class


def test_reasons_quote_the_subject_words() -> None:
    plan, directory = default_plan(), _directory()
    study = bind(plan, plan.obligation("i2-study"), directory)
    assert "「区政府常务会议」" in study.reason and "政府部门办公会议" in study.reason
    court = next(x for x in study.not_bound if x.unit == "区法院")
    assert "法院" in court.reason and "不属于" in court.reason
    hearing = bind(plan, plan.obligation("i2-court_hearing"), directory)
    assert "「各地政府领导班子成员」" in hearing.reason
    meeting = bind(plan, plan.obligation("i4-meeting"), directory)
    assert "各级党政主要负责人" in meeting.reason and "政府部门党委(党组)" in meeting.reason
    report = bind(plan, plan.obligation("i1-annual_report"), directory)
    assert not report.reading.narrows and report.not_bound == []


def test_groups_say_what_they_bind_before_towns_are_added() -> None:
    plan, directory = default_plan(), default_directory()  # no town in the directory yet
    training = bind(plan, plan.obligation("i2-training"), directory)
    assert training.bound == []
    groups = {g.group: g for g in training.groups}
    assert groups["各镇(街、区)"].bound == (
        UnitCategory.TOWN,
        UnitCategory.SUBDISTRICT,
        UnitCategory.PARK,
    )
    assert groups["区直各单位"].bound == ()
    study = {g.group: g for g in bind(plan, plan.obligation("i2-study"), directory).groups}
    assert study["区直各单位"].bound == (UnitCategory.DEPARTMENT,)


@pytest.mark.parametrize(
    ("subject", "categories", "units"),
    [
        ("政府部门办公会议（党委、党组会议）", {"department"}, set()),
        ("政府部门办公会议(党委、党组会议)", {"department"}, set()),
        ("政府部门党委（党组）主要负责人", {"department"}, set()),
        ("各级党委和政府主要负责人", {"government", "town", "subdistrict", "park"}, set()),
        ("各级政府", {"government", "town", "subdistrict", "park"}, set()),
        ("县政府主要负责人", {"government"}, set()),
        ("各乡镇人民政府", {"town"}, set()),
        ("各街道办事处主要负责人", {"subdistrict"}, set()),
        ("园区管委会领导班子成员", {"park"}, set()),
        ("各执法部门领导班子成员", {"department"}, set()),
        ("纪检监察机关", {"discipline"}, set()),
        ("区法院、区检察院", set(), {"区法院", "区检察院"}),
        ("区政府办主要负责人", set(), {"区政府办"}),  # the office, not the government itself
        ("各镇（街、区）", {"town", "subdistrict", "park"}, set()),
    ],
)
def test_subject_grammar(subject: str, categories: set[str], units: set[str]) -> None:
    r = read_subject(subject, default_directory())
    assert r.narrows
    assert {c.value for c in r.categories} == categories
    assert set(r.units) == units


@pytest.mark.parametrize(
    "subject", ["", "各单位", "各地、各单位", "主要负责人", "某某联席会议成员单位", "党委（党组）"]
)
def test_subjects_that_narrow_nothing(subject: str) -> None:
    assert not read_subject(subject, default_directory()).narrows


def test_subject_of_the_sentence_when_the_clause_names_none() -> None:
    ob = Obligation(
        key="i1-training",
        item=1,
        kind="training",
        action="举办培训班",
        subject="",
        cadence=Cadence.ANNUAL,
        min_count=1,
        text="各地政府要加强干部培训，每年至少举办1期培训班。",
    )
    assert subject_of(ob) == "各地政府"
    assert subject_of(ob.__class__(**{**ob.__dict__, "text": "加强培训，每年至少举办1期。"})) == ""


def test_override_beats_the_rules() -> None:
    plan, directory = default_plan(), _directory()
    ob = plan.obligation("i2-study")
    ovs = [
        Override("区法院", "i2-study", True, "院党组会议按季度学法，纳入提醒", by="42"),
        Override("区财政局", "i2-study", False, "并入区政府常务会议学法", by="42"),
        Override("区财政局", "i2-training", True, "another obligation: no effect here"),
        Override("区司法局", "i2-study", False, "another plan's override", plan="other-2020"),
    ]
    b = bind(plan, ob, directory, ovs)
    assert "区法院" in b.bound and "区财政局" not in b.bound and "区司法局" in b.bound
    court = next(x for x in b.bindings if x.unit == "区法院")
    assert court.override is not None and "院党组会议" in court.reason
    assert len(b.overrides) == 2
    # through the directory, as the scheduler passes them
    assert bound_units(plan, ob, directory.with_overrides(ovs)) == b.bound


# -- other layouts ---------------------------------------------------------------------------
def _load(path: Path):  # noqa: ANN202
    plan = load_file(path)
    return plan, directory_for([plan])


def test_layout_fixtures_follow_the_same_rules() -> None:
    plan, d = _load(DATA / "documents" / "layout_arabic.txt")
    hearing = next(ob for ob in plan.obligations if ob.kind == "court_hearing")
    b = bind(plan, hearing, d)
    assert subject_of(hearing) == "各执法部门领导班子成员"
    assert sorted(b.bound) == ["区公安分局", "区城管局"]  # the document's own names

    plan, d = _load(DATA / "documents" / "layout_sections.txt")
    # 县政府主要负责人…听取汇报: the county government is none of the item's units; its lead
    # unit (牵头单位：县司法局) organises it, not the supporting 县直各部门、各乡镇
    report = bind(plan, plan.obligation("i1-report"), d)
    assert report.bound == ["县司法局"] and "牵头单位" in report.note
    # 各部门每年至少组织1次全员法治培训: both named units are departments
    training = bind(plan, plan.obligation("i2-training"), d)
    assert sorted(training.bound) == ["县人社局", "县司法局"]

    plan, d = _load(DATA / "documents" / "layout_titles.txt")
    d = d.with_unit("某镇", UnitCategory.TOWN)
    study = next(ob for ob in plan.obligations if ob.kind == "study")
    b = bind(plan, study, d)
    # 区政府常务会议 in an item of 区司法局、各镇(街、区): the named bureau organises it, a town
    # does not hold the district government's executive meeting
    assert b.bound == ["区司法局"] and "某镇" not in b.bound


FAMILY = sorted(p for p in (DATA / "family").glob("fz*") if not p.name.endswith(".json"))
NOT_GOVERNMENT = {
    UnitCategory.JUDICIAL,
    UnitCategory.DISCIPLINE,
    UnitCategory.PARTY_ORGAN,
    UnitCategory.PEOPLES_ORG,
}
GOVERNMENT_KINDS = {
    UnitCategory.GOVERNMENT,
    UnitCategory.DEPARTMENT,
    UnitCategory.TOWN,
    UnitCategory.SUBDISTRICT,
    UnitCategory.PARK,
}


def test_family_fixtures_bind_by_their_subjects() -> None:
    """Every family document the parser reads: the bound units are responsible units the subject
    covers; departments' and governments' obligations never bind a court, a procuratorate, a
    discipline commission or a party organ."""
    checked = 0
    for path in FAMILY:
        try:
            plan, d = _load(path)
        except DocumentError:
            continue  # a layout the parser does not read yet: nothing to bind
        for ob in plan.obligations:
            b = bind(plan, ob, d)
            item = plan.item(ob.item)
            responsible = {u.name for u, _r in d.responsible_units(item)}
            assert set(b.bound) <= responsible, (path.name, ob.key)
            assert set(b.bound) | {x.unit for x in b.not_bound} == responsible
            if b.reading.narrows and not b.note and not b.reading.units:
                for unit in b.bound:
                    assert d.units[unit].category in b.reading.categories, (path.name, unit)
                if b.reading.categories <= GOVERNMENT_KINDS:
                    assert not any(d.units[u].category in NOT_GOVERNMENT for u in b.bound)
            checked += 1
    assert checked >= 5

    plan, d = _load(DATA / "family" / "fz01_qinghe_2023_notice.txt")
    d = d.with_unit("某某街道", UnitCategory.SUBDISTRICT).with_unit("某镇", UnitCategory.TOWN)
    hearing = next(ob for ob in plan.obligations if ob.item == 2)
    assert subject_of(hearing) == "各街道办事处主要负责人"
    assert bound_units(plan, hearing, d) == ["某某街道"]

    plan, d = _load(DATA / "family" / "fz16_huaiyang_2022_long.txt")
    first = [ob for ob in plan.obligations if ob.item == 1]
    # 区政府常务会议…学法: the lead unit 区政府办公室 organises the government's own session;
    # 各部门领导班子…集体学法: the departments of 区直各部门, not the court or the party organs
    assert bound_units(plan, first[0], d) == ["区政府办公室"]
    dept = bind(plan, first[1], d)
    assert "区司法局" in dept.bound
    assert not {"区法院", "区检察院", "区纪委监委", "区委政法委"} & set(dept.bound)
