"""The other spellings added to a unit's name are real names: a full form is shortened and
given its sibling full forms, never lengthened again (区行政行政审批服务局); the party committee's
organs keep their 区委 (委依法治区办 is no name)."""

from __future__ import annotations

from knowledge.plan.unit_keys import spellings


def test_a_full_form_is_shortened_and_given_its_siblings() -> None:
    out = spellings("区行政审批局")
    assert {"区审批局", "区行政审批服务局", "行政审批局"} <= set(out)
    assert not [s for s in out if "行政行政" in s]


def test_a_short_form_is_lengthened() -> None:
    assert "区发展和改革局" in spellings("区发改局")


def test_the_party_committee_prefix_stays() -> None:
    out = spellings("区委依法治区办")
    assert not [s for s in out if s.startswith("委")]
    assert not [s for s in spellings("区委编办") if s.startswith("委")]
