"""Find obligations (tasks with a cadence, a minimum count or a deadline) in an item's text.

The document family states them in a few sentence shapes:

* 「区政府常务会议…每季度至少学法 1 次」  — cadence word, 至少 + verb + count;
* 「各地政府每年至少举办 1 期领导干部法治专题培训班」 — count, then the object;
* 「…每年召开…专题会议不少于1次」 / 「…参加旁听法院庭审活动不少于 1 次」 — phrase, then
  不少于 + count; no cadence word means once within the plan's year.

Obligations a document only refers to ("严格落实法治政府建设年度报告制度") get their dates from
the national rule, kept as data in ``knowledge/data/statutory.toml`` with its source.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

from knowledge.plan.model import Cadence, DeadlineRule, Item, Obligation
from knowledge.reading.cadence import NUMERAL, cadence_of, grammar
from knowledge.text.normalize import cn_to_int, norm, split_sentences

_NUM = NUMERAL
_UNIT_WORD = "|".join(grammar().units)
# the cadence phrases are data (knowledge/data/cadences.toml), read by knowledge.reading.cadence
_CADENCE_RE = re.compile(grammar().any_phrase)
_MINIMUM = "|".join(sorted(grammar().minimum, key=len, reverse=True))
# 至少 + verb? + N + 次/期   |   phrase + 不少于/不低于/至少 + N + 次
_COUNT_RE = re.compile(
    rf"(?P<pre>{_MINIMUM})\s*(?P<verb>[\u4e00-\u9fff]{{0,6}}?)\s*"
    rf"(?P<n>{_NUM})\s*(?P<unit>{_UNIT_WORD})(?P<obj>[\u4e00-\u9fff“”（）()、]{{0,30}})"
)
# 每月更新一次 / 每季度召开1次 / 每半年向区委依法治区办报送一次: a cadence phrase with a count
# but no 至少 (the verb phrase between them may name whom it goes to)
_CADENCE_COUNT_RE = re.compile(
    rf"(?P<cad>{grammar().any_phrase})(?P<verb>[\u4e00-\u9fff]{{0,16}}?)"
    rf"(?P<n>{_NUM})\s*(?P<unit>{_UNIT_WORD})(?P<obj>[\u4e00-\u9fff“”（）()、]{{0,30}})"
)
_VERBS = r"参加|参与|召开|举办|开展|组织|举行|听取|学法|旁听|报告|报送|提交|培训"
_VERBS_RE = re.compile(_VERBS)
_SEMI = re.compile(r"[；;]")
_COMMA = re.compile(r"[，,]")
_UNITS_TAIL = re.compile(r"[〔【\[（(]\s*(责任|牵头|配合)(单位|部门)[:：].*$")
_MODAL = re.compile(r"^(都|均|应|要|须|必须|应当)")

# kind keywords, first match wins; the kind is part of the obligation's stable key
_KINDS: tuple[tuple[str, str], ...] = (
    (r"庭审|旁听", "court_hearing"),
    (r"学法|学习", "study"),
    (r"培训|轮训|培训班", "training"),
    (r"会议|会", "meeting"),
    (r"报告|报送|汇报", "report"),
    (r"检查|督察|督查|评查", "inspection"),
)


def extract_obligations(item: Item) -> list[Obligation]:
    found: list[Obligation] = []
    keys: set[str] = set()
    units = item.unit_names
    text = _strip_units(item.text)
    if (
        item.title
        and text.startswith(item.title)
        and not text[len(item.title) :].startswith(("。", "；", ";"))
    ):
        text = text[len(item.title) :]  # a title line without a full stop is not a clause
    for sentence in split_sentences(text):
        sentence = _SUBITEM_LABEL.sub("", sentence)
        for clause in _SEMI.split(sentence):
            for ob in _all_from_clause(clause, sentence, item.number, units):
                found.append(_unique_key(ob, keys))
    for ob in _statutory(item):
        found.append(_unique_key(ob, keys))
    return found


_SUBITEM_LABEL = re.compile(r"^\s*(?:[（(][0-9０-９]{1,3}[）)]|[0-9０-９]{1,3}[．.、](?![0-9]))\s*")


def _strip_units(text: str) -> str:
    return _UNITS_TAIL.sub("", text)


def _all_from_clause(
    clause: str, sentence: str, number: int, units: tuple[str, ...]
) -> list[Obligation]:
    """Every comma-clause holding a count is an obligation of its own, with its own subject
    (区政府常务会议每季度至少学法1次，各部门领导班子每年集体学法不少于4次 → two)."""
    parts = _COMMA.split(clause)
    out: list[Obligation] = []
    for k, part in enumerate(parts):
        if not (_COUNT_RE.search(part) or _CADENCE_COUNT_RE.search(part)):
            continue
        ob = _from_clause("，".join(parts[: k + 1]), sentence, number, units)
        if ob is not None and all(
            (o.action, o.subject, o.cadence) != (ob.action, ob.subject, ob.cadence) for o in out
        ):
            out.append(ob)
    return out


def _from_clause(
    clause: str, sentence: str, number: int, units: tuple[str, ...]
) -> Obligation | None:
    # the last comma-clause holding a count is the obligation; earlier ones are context
    parts = _COMMA.split(clause)
    for k in range(len(parts) - 1, -1, -1):
        part = parts[k]
        m = _COUNT_RE.search(part)
        if m:
            head = part[: m.start()]
            cad = _CADENCE_RE.search(head) or _CADENCE_RE.search(m.group("verb"))
            cad_text = cad.group(0) if cad else ""
        else:
            m = _CADENCE_COUNT_RE.search(part)
            if not m:
                continue
            head = part[: m.start("verb")]
            cad = m
            cad_text = m.group("cad")
        count = cn_to_int(m.group("n"))
        if not count:
            continue
        cadence = _cadence(cad_text)
        subject, action = _subject_action(head, cad, m)
        if not action and k > 0:
            # 开展年度督察，每年不少于两次: the count has no verb; the clause before says what
            action = parts[k - 1].strip()
        action = action or "完成"
        kind = _kind(action)
        return Obligation(
            key=f"i{number}-{kind}",
            item=number,
            kind=kind,
            action=action,
            subject=subject,
            cadence=cadence,
            min_count=count,
            text=sentence.strip(),
            unit_names=units,
        )
    return None


def _cadence(word: str) -> Cadence:
    return cadence_of(word) if word else Cadence.ONCE


def _subject_action(head: str, cad: re.Match[str] | None, m: re.Match[str]) -> tuple[str, str]:
    """Who (the words before the cadence word or the first verb) and what (the verb phrase)."""
    verb = m.group("verb")
    obj = m.group("obj").strip()
    if cad is not None and cad.end() <= len(head):
        subject, phrase = head[: cad.start()], head[cad.end() :]
    elif cad is m:  # the cadence word starts the match: 每月更新一次
        subject, phrase = head[: m.start()], ""
    else:
        v = _VERBS_RE.search(head)
        subject = head[: v.start()] if v else ""
        phrase = head[v.start() :] if v else head
    phrase = _MODAL.sub("", phrase.strip())
    action = (phrase + verb + obj).strip()
    return subject.strip(" ，,"), action


def _kind(action: str) -> str:
    for pattern, kind in _KINDS:
        if re.search(pattern, action):
            return kind
    return "task"


def _unique_key(ob: Obligation, keys: set[str]) -> Obligation:
    from dataclasses import replace

    key = ob.key
    n = 2
    while key in keys:
        key = f"{ob.key}-{n}"
        n += 1
    keys.add(key)
    return ob if key == ob.key else replace(ob, key=key)


@lru_cache(maxsize=1)
def _statutory_rules() -> tuple[dict, ...]:
    text = resources.files("knowledge.data").joinpath("statutory.toml").read_text("utf-8")
    return tuple(tomllib.loads(text).get("obligation", []))


def _statutory(item: Item) -> list[Obligation]:
    out: list[Obligation] = []
    text = norm(item.text)
    for rule in _statutory_rules():
        if not re.search(rule["trigger"], text):
            continue
        d = rule.get("deadline")
        out.append(
            Obligation(
                key=f"i{item.number}-{rule['kind']}",
                item=item.number,
                kind=rule["kind"],
                action=rule["action"],
                subject=rule.get("subject", ""),
                cadence=Cadence(rule["cadence"]),
                min_count=int(rule.get("min_count", 1)),
                text=rule["text"],
                deadline=DeadlineRule(
                    month=d["month"],
                    day=d["day"],
                    refers_to=d.get("refers_to", "current"),
                    description=d.get("description", ""),
                )
                if d
                else None,
                source=rule["source"],
                unit_names=item.unit_names,
            )
        )
    return out
