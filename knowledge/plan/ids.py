"""Short plan ids: ``xiangzhou-2026``, from the issuing district and the plan's year.

The rule: the place is the document's district (``PlanMeta.district``), else the last
``…区 / …县 / …市 / …旗`` named in the issuer or the title ("襄阳市襄州区人民政府办公室" →
襄州区); its administrative suffix is dropped when a name of two characters or more remains
(襄州区 → 襄州, but 和县 stays 和县), and the rest is romanised without tones by pypinyin
(襄州 → xiangzhou). The id is ``{place}-{year}``; ``plan-{year}`` when no place is named. The
caller makes it unique (``-2``, ``-3``…). The title stays the plan's label.
"""

from __future__ import annotations

import re

_PLACE = re.compile(r"([\u4e00-\u9fff]{1,8}?(?:自治县|自治旗|新区|区|县|市|旗))")
_SUFFIX = re.compile(r"(?:自治县|自治旗|新区|区|县|市|旗)$")
# words before the place that belong to its province or city, not to the place itself
_HIGHER = re.compile(r"^.*?(?:省|自治区|市|州|盟)(?=[\u4e00-\u9fff]{2,})")


def place_of(district: str = "", issuer: str = "", title: str = "") -> str:
    """The issuing place as written (襄州区), or "" when none is named."""
    if district:
        return district
    for text in (issuer, title):
        found = _PLACE.findall(re.sub(r"\d{4}年度?", "", text))
        if found:
            place = found[-1] if len(found) > 1 else found[0]
            shorter = _HIGHER.sub("", place)
            return shorter if _SUFFIX.search(shorter) else place
    return ""


def romanise(name: str) -> str:
    """Lower-case ASCII for an id: pinyin without tones, other characters dropped."""
    from pypinyin import lazy_pinyin

    words = lazy_pinyin(name, errors="ignore")
    return re.sub(r"[^a-z0-9]+", "", "".join(words).lower())


def plan_slug(year: int, district: str = "", issuer: str = "", title: str = "") -> str:
    """The short id of a plan before it is made unique: xiangzhou-2026, or plan-2026."""
    place = place_of(district, issuer, title)
    stem = _SUFFIX.sub("", place) if len(_SUFFIX.sub("", place)) >= 2 else place
    latin = romanise(stem)
    return f"{latin}-{year}" if latin else f"plan-{year}"
