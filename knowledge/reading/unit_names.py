"""A unit list as written ("区司法局、区法院（配合）、各镇(街、区)等有关单位") split into names.

Splitting happens on 、，,；; and white space outside brackets, so 各街办(新区) and 各县(市、区)
stay whole. White space is also what a page wrap leaves inside a name ("市司法 局"): pieces
are rejoined unless both sides are complete unit names. Role verbs after names
("A、B牵头，C配合", "X按职责分工负责") give the role of the names before them in the clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.plan.model import Role
from knowledge.reading.layout_words import layout_words
from knowledge.text.normalize import norm

OPEN = "〔【[（(［〖"
CLOSE = "〕】]）)］〗"
_SEPARATORS = "、，,；;"
_CLAUSE_ENDS = "，,；;"
_INLINE_ROLE = re.compile(r"[（(]\s*(牵头|配合|协办|协助|参与|主办|负责)(?:单位|部门)?\s*[)）]$")
_ETC_SUFFIX = re.compile(r"^(.*?)(等(?:[\u4e00-\u9fff]{0,8}?(?:部门|单位|机构|组织))?)$")
# units joined by a conjunction: "市级各有关部门及各县市区政府", "区委和区政府"
_CONJUNCTION = re.compile(r"以及|及|和|与")
# one group written with inner 、: 各县、市、区政府, 各镇、街道
_LEVEL_PIECE = re.compile(
    r"(?:^|以及|及|和|与)(?:各?[县市区镇乡街旗]|各[县市区镇乡街旗](?:、[县市区镇乡街旗])+)$"
)  # the group may open after a conjunction: 市城管局以及各县、市、区政府
_GROUP_START = re.compile(r"^(各|全区|全县|全市|全镇|所有|有关|相关|其他|其它|其余)")
_LEVELS = "区县市镇乡省州旗盟团"
_TRIM = " \t\u3000。.：:“”\"'‘’"
_OWN_BRACKET = re.compile(r"\([^()]*\)$")
_SENTENCE_MARK = re.compile(r"[。！？!?]")
_WHITE = re.compile(r"\s+")


@dataclass(frozen=True)
class NameToken:
    raw: str  # as written, line-wrap white space removed
    role: Role
    etc: str = ""  # a trailing "等部门" cut from the name: the list is not exhaustive


def is_unit_shaped(name: str) -> bool:
    """Ends like a unit (…局, …办公室, …镇) or reads like a group (各…, 有关…)."""
    n = norm(name)
    if not n or len(n) > 30:
        return False
    if _GROUP_START.match(n):
        return True
    base = _OWN_BRACKET.sub("", n)  # 各街办(新区): the name before its own bracket
    if base.endswith("等") and len(base) > 3:  # 经开区管委会等: a partial list's last name
        base = base[:-1]
    words = layout_words()
    return len(base) >= 2 and base.endswith(words.suffixes)


def _complete(name: str) -> bool:
    return len(norm(name)) >= 3 and is_unit_shaped(name)


def reads_like_sentence(name: str) -> bool:
    n = norm(name)
    if _SENTENCE_MARK.search(n):
        return True
    if len(n) > 25:
        return True
    return bool(layout_words().sentence_re.search(n)) and not is_unit_shaped(name)


def _split_top(content: str, seps: str) -> list[tuple[str, str]]:
    """Split on ``seps`` outside brackets: [(piece, the separator after it or "")]."""
    out: list[tuple[str, str]] = []
    depth = 0
    cur: list[str] = []
    for ch in content:
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and ch in seps:
            out.append(("".join(cur), ch))
            cur = []
        else:
            cur.append(ch)
    out.append(("".join(cur), ""))
    return out


def _join_level_groups(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """各县、市、区政府 is one group: pieces of one level character joined by 、 stay together."""
    out: list[tuple[str, str]] = []
    for piece, sep in pieces:
        if out and out[-1][1] == "、" and _LEVEL_PIECE.search(out[-1][0].strip()):
            prev = out[-1][0].strip()
            if piece.strip()[:1] in _LEVELS:
                out[-1] = (prev + "、" + piece.strip(), sep)
                continue
        out.append((piece, sep))
    return out


def _split_conjunction(name: str) -> list[str]:
    """'市级各有关部门及各县市区政府' → two names, when both sides are whole unit names and
    the right one opens like a name (区发展和改革局, 市场和质量监督局 stay one)."""
    for m in _CONJUNCTION.finditer(name):
        left, right = name[: m.start()], name[m.end() :]
        if (
            len(left) >= 2
            and is_unit_shaped(left)
            and _complete(right)
            # the right side opens a name of its own: 区政府, 各县市区政府 (not 质量监督局)
            and (right[0] in _LEVELS or _GROUP_START.match(right) or right.startswith(left[0]))
            and not reads_like_sentence(left)
        ):
            return [left, *_split_conjunction(right)]
    return [name]


def _rejoin_wrapped(piece: str) -> list[str]:
    """'市司法 局' → ['市司法局']; '区司法局 区法院' → two names."""
    parts = [p for p in _WHITE.split(piece.strip()) if p]
    if len(parts) <= 1:
        return parts
    out = [parts[0]]
    for p in parts[1:]:
        cur = out[-1]
        # a piece after an unfinished name finishes it ("市级各" + "有关部门")
        new_unit = (bool(_GROUP_START.match(norm(p))) and is_unit_shaped(cur)) or (
            _complete(cur)
            and _complete(p)
            # 市人力资源和社会 保障局: a name that starts with a level keeps it in the next one
            and not (cur[0] in _LEVELS and p[0] not in _LEVELS)
        )
        if new_unit:
            out.append(p)
        else:
            out[-1] += p
    return out


def list_names(text: str) -> list[str]:
    """The names of a plain list (no roles): split on 、，, and white space, wraps rejoined."""
    out: list[str] = []
    for piece, _sep in _join_level_groups(_split_top(text, "、，,")):
        out += [n.strip(_TRIM) for n in _rejoin_wrapped(piece) if n.strip(_TRIM)]
    return out


def role_verb(token: str) -> tuple[str, Role | None, bool]:
    """Cut a trailing role verb: (name, role, found); role None = the list's own role."""
    m = layout_words().role_verb_tail.search(token)
    if not m:
        return token, None, False
    verb = m.group(1)
    role = next(r for v, r in layout_words().role_verbs if v == verb)
    name = token[: m.start()].rstrip()
    if name.startswith("由"):
        name = name[1:]
    return name, role, True


def split_names(content: str, role: Role) -> list[NameToken]:
    """Every name of a unit list, in order, with its role."""
    tokens: list[NameToken] = []
    clause: list[int] = []  # tokens of the current clause still waiting for a role verb

    def give(role_given: Role) -> None:
        for k in clause:
            tokens[k] = NameToken(tokens[k].raw, role_given, tokens[k].etc)
        clause.clear()

    for piece, sep in _join_level_groups(_split_top(content, _SEPARATORS)):
        names = [n for w in _rejoin_wrapped(piece) for n in _split_conjunction(w)]
        for name in names:
            raw = name.strip(_TRIM)
            if not raw:
                continue
            token_role = role
            fixed = False
            marked = _INLINE_ROLE.search(raw)
            if marked:  # 区司法局（牵头）
                raw = raw[: marked.start()].strip(_TRIM)
                word = marked.group(1)
                if word in ("牵头", "主办"):
                    token_role = Role.LEAD
                elif word != "负责":
                    token_role = Role.SUPPORTING
                fixed = True
            else:
                cut, verb_role, found = role_verb(raw)
                if found:
                    token_role = verb_role or role
                    give(token_role)
                    raw = cut.strip(_TRIM)
                    fixed = True
            if not raw:
                continue
            etc = ""
            m = _ETC_SUFFIX.match(raw)
            if m and len(norm(m.group(1))) >= 2 and (m.group(2) != "等" or _complete(m.group(1))):
                raw, etc = m.group(1).strip(_TRIM), m.group(2)
            tokens.append(NameToken(raw, token_role, etc))
            if not fixed:
                clause.append(len(tokens) - 1)
        if sep in _CLAUSE_ENDS:
            clause.clear()
    return tokens
