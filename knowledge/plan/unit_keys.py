"""Matching a unit across documents and years: 区发展和改革局 ⇄ 区发改局, by the general
abbreviation rules of ``knowledge/data/abbreviations.toml`` with the level prefix (区/县/市)
kept from the document. Names are never rewritten; only keys and extra spellings come from here.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

from knowledge.text.normalize import norm

LEVELS = ("区", "县", "市", "镇", "乡", "省", "州", "旗")


@lru_cache(maxsize=1)
def _pairs() -> tuple[tuple[str, str], ...]:
    data = tomllib.loads(
        resources.files("knowledge.data").joinpath("abbreviations.toml").read_text("utf-8")
    )
    pairs = [(norm(full), norm(short)) for full, short in data["pairs"] if full != short]
    return tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True))


def split_level(name: str) -> tuple[str, str]:
    """(level prefix, the rest). 区委… / 县委… keep their prefix: the party committee's organs
    are named with it (区委办, 区委依法治区办), "委依法治区办" is no name."""
    n = norm(name)
    for level in LEVELS:
        if n.startswith(level) and len(n) > len(level) + 1 and not n[len(level) :].startswith("委"):
            return level, n[len(level) :]
    return "", n


@lru_cache(maxsize=8192)
def unit_key(name: str) -> str:
    """The comparison key: level prefix + the short form of the rest."""
    level, rest = split_level(name)
    for full, short in _pairs():
        if rest.endswith(full):
            rest = rest[: -len(full)] + short
            break
    return level + rest


def spellings(name: str) -> list[str]:
    """Other spellings of a document's unit name: short ⇄ full form, with and without the level."""
    level, rest = split_level(name)
    out: list[str] = []
    fulls = [(full, short) for full, short in _pairs() if rest.endswith(full)]
    if fulls:  # a full form is only shortened (行政审批局 is not 审批局 to lengthen again),
        # and given the other full forms of the same short one (行政审批服务局)
        for full, short in fulls:
            stem = rest[: -len(full)]
            out.append(level + stem + short)
            out += [level + stem + f for f, s in _pairs() if s == short and f != full]
    else:
        out += [
            level + rest[: -len(short)] + full for full, short in _pairs() if rest.endswith(short)
        ]
    if level:
        out += [o[len(level) :] for o in list(out)] + [rest]
    return [o for o in dict.fromkeys(out) if o and o != norm(name)]
