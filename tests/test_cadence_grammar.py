"""The cadence grammar with counts (knowledge/reading/cadence.py over cadences.toml), and the
obligations it lets the reader find in the family's next-year sentences."""

from __future__ import annotations

import pytest

from knowledge.plan.model import Cadence, Item, Obligation
from knowledge.plan.serialize import obligation_dict, obligation_from_dict
from knowledge.reading.cadence import CadenceSpec, read_cadence
from knowledge.reading.obligations import extract_obligations


@pytest.mark.parametrize(
    ("text", "cadence", "count"),
    [
        ("每两个月至少学法1次", Cadence.BIMONTHLY, 1),
        ("每2个月至少学法一次", Cadence.BIMONTHLY, 1),
        ("每季度至少学法2次", Cadence.QUARTERLY, 2),
        ("每个季度至少学法1次", Cadence.QUARTERLY, 1),
        ("每半年向区委依法治区办报送一次工作进展情况", Cadence.HALF_YEARLY, 1),
        ("半年一次", Cadence.HALF_YEARLY, 1),
        ("每月更新一次", Cadence.MONTHLY, 1),
        ("每3个月召开1次", Cadence.QUARTERLY, 1),
        ("每六个月报告一次", Cadence.HALF_YEARLY, 1),
        ("每年至少举办1期领导干部法治专题培训班", Cadence.ANNUAL, 1),
        ("一年两次集中评查", Cadence.ANNUAL, 2),
        ("每年开展两次", Cadence.ANNUAL, 2),
        ("参加旁听法院庭审活动不少于1次", Cadence.ONCE, 1),
        ("年内完成不少于3次", Cadence.ONCE, 3),
        ("常态化开展法治宣传", Cadence.ONGOING, 1),
        ("每季度不少于２次", Cadence.QUARTERLY, 2),  # fullwidth digit
    ],
)
def test_phrases_read_to_cadence_and_count(text: str, cadence: Cadence, count: int) -> None:
    got = read_cadence(text)
    assert got is not None and (got.cadence, got.count) == (cadence, count), (text, got)


def test_no_cadence_and_no_count_is_nothing() -> None:
    assert read_cadence("严格规范公正文明执法") is None
    # 每四个月 is no period the scheduler knows: not read as monthly or yearly
    assert read_cadence("每四个月研究一次") != CadenceSpec(Cadence.MONTHLY, 1, "每四个月")


def test_ongoing_says_it_has_no_fixed_period() -> None:
    assert (
        "无固定周期"
        in Obligation("k", 1, "task", "宣传", "", Cadence.ONGOING, 1, "常态化开展").count_label
    )
    assert Cadence.ONGOING.per_year == 0 and Cadence.BIMONTHLY.per_year == 6


def _item(text: str) -> Item:
    return Item(1, "一、", "标题", text, (), ())


def _only(text: str) -> Obligation:
    obs = extract_obligations(_item(text))
    assert len(obs) == 1, obs
    return obs[0]


def test_next_year_sentences_become_obligations_with_their_counts() -> None:
    ob = _only("标题。各部门每两个月至少学法1次。")
    assert (ob.cadence, ob.min_count, ob.kind) == (Cadence.BIMONTHLY, 1, "study")
    assert ob.count_label == "每两个月至少1次"
    ob = _only("标题。区政府常务会议每季度至少学法2次。")
    assert (ob.cadence, ob.min_count) == (Cadence.QUARTERLY, 2)
    ob = _only("标题。各单位每半年向区委依法治区办报送一次工作进展情况。")
    assert (ob.cadence, ob.min_count, ob.kind) == (Cadence.HALF_YEARLY, 1, "report")


def test_old_serialised_obligations_stay_readable() -> None:
    ob = _only("标题。区政府常务会议每季度至少学法2次。")
    data = obligation_dict(ob)
    assert obligation_from_dict(data).min_count == 2
    del data["min_count"]  # written before counts were kept
    old = obligation_from_dict(data)
    assert old.min_count == 1 and old.need == 1 and old.cadence == Cadence.QUARTERLY
