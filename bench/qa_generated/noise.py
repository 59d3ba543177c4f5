"""Noise: how officials actually type a question. Each kind turns a rendered question (a list of
segments, so that a typo or an alias lands on a unit name and not on the item number) into a
noisy one, or says it does not apply (``None``).

The typo table is data: slips of the pinyin input method seen in officials' messages
(homophones chosen by mistake: 检察院 → 检查院, 负责 → 付责, 哪些 → 那些).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

import zhconv

from knowledge.text.normalize import int_to_cn

# a correct character → the homophone typed by mistake
TYPOS: dict[str, str] = {
    "察": "查", "政": "正", "负": "付", "责": "则", "哪": "那", "几": "机", "局": "居",
    "办": "半", "编": "变", "纪": "记", "改": "该", "访": "仿", "务": "物", "急": "即",
    "城": "成", "场": "厂", "健": "建", "融": "容", "源": "元", "保": "宝", "障": "章",
    "组": "阻", "法": "发", "院": "远", "审": "沈", "批": "比", "管": "官", "任": "认",
    "做": "作", "单": "担", "位": "为", "展": "占", "革": "格", "监": "坚", "委": "为",
}  # fmt: skip

SELF_WORDS = ("我单位", "我们", "我们单位", "本单位")
PREFIXES = ("请问", "请问一下，", "想问下", "麻烦问一下，", "问一下，")
SUFFIXES = ("呢", "啊", "呀")
FULL_WIDTH = str.maketrans("0123456789?", "０１２３４５６７８９？")


@dataclass(frozen=True)
class Segment:
    text: str
    kind: str = "tpl"  # tpl (template words), unit, item, phrase, action, self (我单位)
    value: object = None  # the unit's canonical name / the item number


Segments = tuple[Segment, ...]


def join(segs: Segments) -> str:
    return "".join(s.text for s in segs)


def item_ref(n: int, style: str) -> str:
    """The ways an item number is written: 第十四条 (the default), 14条, 第14项, 十四条 …
    (not 一条 / 二条: "那一条" is "that one", and nobody writes 二条 for item 2)."""
    if style == "cn_bare" and n < 10:
        style = "bare"
    if style == "bare" and n == 1:  # "那1条" may be "that one item" too
        style = "arabic"
    return {
        "cn": f"第{int_to_cn(n)}条",
        "arabic": f"第{n}条",
        "bare": f"{n}条",
        "xiang": f"第{n}项",
        "cn_xiang": f"第{int_to_cn(n)}项",
        "cn_bare": f"{int_to_cn(n)}条",
        "full": f"第{n}条".translate(FULL_WIDTH),
        "en": f"item {n}",
        "en_full": f"item {n}".translate(FULL_WIDTH),
    }[style]


NUMBERINGS = ("arabic", "bare", "xiang", "cn_xiang", "cn_bare")


def _restyle(segs: Segments, style: str) -> Segments | None:
    if not any(s.kind == "item" for s in segs):
        return None
    return tuple(
        replace(s, text=item_ref(int(s.value), style)) if s.kind == "item" else s for s in segs
    )


def numbering(segs: Segments, rng: random.Random, _ctx: dict) -> Segments | None:
    return _restyle(segs, rng.choice(NUMBERINGS))


def width(segs: Segments, rng: random.Random, ctx: dict) -> Segments | None:
    out = _restyle(segs, "en_full" if ctx.get("english") else "full")
    if out is None:
        return None
    return tuple(replace(s, text=s.text.replace("？", "?")) for s in out)


def alias(segs: Segments, rng: random.Random, ctx: dict) -> Segments | None:
    aliases: Callable[[str], tuple[str, ...]] = ctx["aliases"]
    out, changed = [], False
    for s in segs:
        names = aliases(str(s.value)) if s.kind == "unit" else ()
        if names:
            out.append(replace(s, text=rng.choice(sorted(names))))
            changed = True
        else:
            out.append(s)
    return tuple(out) if changed else None


def typo(segs: Segments, rng: random.Random, _ctx: dict) -> Segments | None:
    """One homophone slip, on a unit name when the question has one, else on its words."""
    for kinds in (("unit",), ("tpl",)):
        spots = [
            (i, j)
            for i, s in enumerate(segs)
            if s.kind in kinds
            for j, ch in enumerate(s.text)
            if ch in TYPOS and not (s.kind == "unit" and j == 0)
        ]
        if spots:
            i, j = rng.choice(spots)
            text = segs[i].text
            seg = replace(segs[i], text=text[:j] + TYPOS[text[j]] + text[j + 1 :])
            return segs[:i] + (seg,) + segs[i + 1 :]
    return None


def particle(segs: Segments, rng: random.Random, _ctx: dict) -> Segments | None:
    text = join(segs).rstrip("？?")
    if text.endswith("吗") or rng.random() < 0.5:
        return (Segment(rng.choice(PREFIXES)), *segs)
    last = segs[-1]
    return (*segs[:-1], replace(last, text=last.text.rstrip("？?")), Segment(rng.choice(SUFFIXES)))


def traditional(segs: Segments, _rng: random.Random, _ctx: dict) -> Segments | None:
    out = tuple(replace(s, text=zhconv.convert(s.text, "zh-hant")) for s in segs)
    return out if join(out) != join(segs) else None


def year(segs: Segments, rng: random.Random, ctx: dict) -> Segments | None:
    y = ctx.get("year")
    if not y or ctx.get("english") or ctx.get("operator") == "plan_year":
        return None  # "2021年的要点是哪一年的" asks nothing
    lead = rng.choice((f"{y}年", f"{y}年的要点里，", f"按{y}年工作要点，"))
    return (Segment(lead), *segs)


def self_unit(segs: Segments, rng: random.Random, ctx: dict) -> Segments | None:
    """The asker's own unit: "我单位" in the question, the unit registered for the chat (the
    ``unit`` of the --batch line). Only the first unit named, and only a unit, not a group."""
    for i, s in enumerate(segs):
        if s.kind == "unit":
            if s.value not in ctx["units"]:
                return None
            words = SELF_WORDS + (("我局",) if str(s.value).endswith("局") else ())
            return (*segs[:i], Segment(rng.choice(words), "self", s.value), *segs[i + 1 :])
    return None


MIXABLE = ("self", "alias", "typo", "numbering", "width", "year", "particle", "traditional")
"""The kinds ``mixed`` draws two of, in the order they are applied."""


def mixed(segs: Segments, rng: random.Random, ctx: dict) -> Segments | None:
    """Two kinds at once (a typo in traditional characters, an alias with a particle …)."""
    for _ in range(6):
        pair = sorted(rng.sample(MIXABLE, 2), key=MIXABLE.index)
        out: Segments | None = segs
        for kind in pair:
            fn = NOISES[kind]
            out = fn(out, rng, ctx) if (fn is not None and out is not None) else None
        if out is not None:
            return out
    return None


NOISES: dict[str, Callable[[Segments, random.Random, dict], Segments | None] | None] = {
    "none": None,
    "typo": typo,
    "alias": alias,
    "particle": particle,
    "traditional": traditional,
    "english": None,  # the English templates (grammar), not a transformation
    "width": width,
    "numbering": numbering,
    "year": year,
    "self": self_unit,
    "mixed": mixed,
}
"""Every noise kind; each generated question carries exactly one."""
