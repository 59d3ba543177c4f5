"""Who and what a question is about, over one plan's index: the units it names (or the
chat's, or the category of a unit the directory does not list), its topic words and the items
they find, and the answer family it asks as it stands (:meth:`Analysis.intent`, decided by
:func:`decide`). The query parser (:mod:`.parse`) and the follow-up (:mod:`.follow_up`) read
it; the answerer (:mod:`knowledge.qa.answer.answerer`) extends it with the answer families."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from knowledge.plan.model import CATEGORY_LABELS, UnitCategory
from knowledge.plan.units import infer_category
from knowledge.qa.index.bm25 import Hit
from knowledge.qa.index.context import QAContext
from knowledge.qa.index.evidence import Literal, literal_match
from knowledge.qa.index.plan_index import PlanIndex, Target
from knowledge.qa.question.cues import (
    CADENCE_RE,
    DUTY_RE,
    ITEM_CUE_RE,
    OVERVIEW_RE,
    STRONG_DUTY_RE,
    WHO_RE,
    Cues,
    strip_cues,
)
from knowledge.qa.question.mentions import UNKNOWN_UNIT_RE, Mention
from knowledge.qa.result.answer import Intent
from knowledge.qa.text.render import category_label
from knowledge.text.normalize import norm

TOPIC_MIN_COVERAGE = 0.35  # idf-weighted share of query terms the best item must contain
RELATED_MIN_RATIO = 0.45  # further items listed when their score is this close to the best
MAX_TOPIC_ITEMS = 5


@dataclass
class AnalysedQuestion:
    """A question after analysis."""

    raw: str
    text: str  # compact normalised text, item references replaced by "，"
    refs: tuple[int, ...]
    mentions: list[Mention]
    cues: Cues
    topic: str = ""  # remainder for searching
    spaced: str = ""  # the normalised question with single spaces (positions resolved)
    terms: list[str] = field(default_factory=list)


class Analysis:
    """One question read against one plan: the units, the topic and the items it is about."""

    def __init__(
        self,
        engine: QAContext,
        plan: PlanIndex,
        q: AnalysedQuestion,
        chat_unit: str | None,
        today: date,
        notes: list[str],
    ) -> None:
        self.e = engine
        self.p = plan
        self.q = q
        self.chat_unit = chat_unit
        self.today = today
        self.notes = notes
        self.n_items = len(plan.items)

    def analyse(self) -> None:
        """Who the question is about, its topic words and the items they find."""
        q = self.q
        literal = literal_match(self.p.index, q.text)
        if literal is not None:
            # a unit word inside a phrase of the document (数字政府, 服务进园区) is that phrase
            q.mentions = [m for m in q.mentions if not _inside(m, literal)]
        q.mentions = self._outside_spans(q.mentions)
        q.mentions = self._self_beside_units(q.mentions)
        unit_mentions = [m for m in q.mentions if m.kind in ("unit", "group", "category")]
        asked_self = any(m.kind == "self" for m in q.mentions)
        self.target: Target | None = None
        self.unit_source = ""
        self.needs_unit = False
        self.unknown: str | None = None
        self.asked_self = asked_self
        # 我们镇 in a chat without a unit: the category answers, and the town is asked for
        self.self_category = False
        # 我们镇 in a chat registered for a unit that is no town: that unit answers, with a note
        self.self_kind_mismatch = ""
        self.unit_mentions = unit_mentions
        rest = q.text
        for m in q.mentions:
            rest = rest[: m.start] + "，" * (m.end - m.start) + rest[m.end :]
        if unit_mentions:
            m = unit_mentions[0]
            self.target = self.e.target_for(m.kind, m.name)
            self.unit_source = "question"
        elif asked_self:
            spelled = next(m.spelling for m in q.mentions if m.kind == "self")
            if self.chat_unit:
                self.target = self.e.target_for("unit", self.chat_unit)
                self.unit_source = "chat"
                kind = _spelled_category(spelled)
                if kind is not None and self.target and kind not in self.target.categories:
                    self.self_kind_mismatch = CATEGORY_LABELS[kind]
            elif (cat := _spelled_category(spelled)) is not None:
                # 我们镇 / 本街道 / 我们园区 from an unregistered chat: still that kind's duties
                self.target = self.e.target_for("category", cat.value)
                self.unit_source = "question"
                self.self_category = True
            else:
                self.needs_unit = True
        elif STRONG_DUTY_RE.search(q.text) and not q.cues.who:
            rest = self._unknown_unit(rest)
        else:
            rest = self._outside_unit(rest)
        self.rest = rest
        # the searchable remainder, with all cue words removed
        topic = strip_cues(rest, WHO_RE, CADENCE_RE, DUTY_RE, ITEM_CUE_RE, OVERVIEW_RE)
        topic = self.e.strip_question_words(topic)
        q.topic = topic
        q.terms = self.e.search_terms(self.p, topic) if topic else []
        self.hits = self.p.index.search(q.terms, k=MAX_TOPIC_ITEMS * 2) if q.terms else []
        self.top_cov = self.p.index.coverage(q.terms, self.hits[0].doc) if self.hits else 0.0
        if literal is not None and any(
            m.start < literal.end and literal.start < m.end for m in q.mentions
        ):
            literal = literal_match(self.p.index, rest)
        self.literal = list(literal.docs) if literal is not None else []
        self.literal_text = q.text[literal.start : literal.end] if literal is not None else ""
        if self.literal:
            # a phrase standing literally in one to three items: those items first
            top = max((h.score for h in self.hits), default=1.0) * 1.5
            scores = {h.doc: h.score for h in self.hits}
            self.literal.sort(key=lambda d: -scores.get(d, 0.0))
            first = [Hit(d, top) for d in self.literal]
            self.hits = first + [h for h in self.hits if h.doc not in self.literal]
            self.top_cov = max(self.top_cov, 1.0)
        has_topic = (
            bool(self.hits)
            and self.top_cov >= TOPIC_MIN_COVERAGE
            and any(len(t) > 1 for t in q.terms if t in self.p.index.doc_terms(self.hits[0].doc))
        )
        has_unit = self.target is not None or self.needs_unit or self.unknown is not None
        if has_unit and len(re.findall(r"[\u4e00-\u9fff]", topic)) < 3:
            has_topic = False  # 机关, 工作: leftovers of a unit question are not a topic
        elif self.literal and not has_unit:
            has_topic = True  # 事项目录是哪一条: the document's phrase, though made of cue words
        self.has_topic = has_topic
        self.in_range = [n for n in q.refs if n in self.p.position]
        self.out_of_range = [n for n in q.refs if n not in self.p.position]

    def intent(self) -> Intent:
        """The intent of the question as it stands (before any follow-up filling)."""
        q = self.q
        has_unit = self.target is not None or self.needs_unit or self.unknown is not None
        if (
            not has_unit
            and self.chat_unit
            and STRONG_DUTY_RE.search(q.text)
            and not self.has_topic
            and not q.cues.who
        ):
            # "第十四条要做什么" / "有哪些任务" from a registered chat: about its own unit
            self.target = self.e.target_for("unit", self.chat_unit)
            self.unit_source = "chat"
            has_unit = True
        return decide(q.cues, bool(q.refs), has_unit, self.has_topic)

    def _outside_spans(self, mentions: list[Mention]) -> list[Mention]:
        """区城管执法局 is a usual unit name (or the chat's own), not a typo of 区司法局: a fuzzy
        mention inside such a name gives way; the chat's own name is "my unit"."""
        fuzzy = [m for m in mentions if m.fuzzy]
        if not fuzzy and not self.chat_unit:
            return mentions
        out = list(mentions)
        for found in UNKNOWN_UNIT_RE.finditer(self.q.text):
            token = found.group(0)
            own = self.chat_unit is not None and norm(self.chat_unit).endswith(token.lstrip("区"))
            if not own and self.e.directory.outside_category(token) is None:
                continue
            s, e = found.span()
            out = [m for m in out if not (m.fuzzy and m.start < e and s < m.end)]
            if own and not any(m.start < e and s < m.end for m in out):
                out.append(Mention("self", "self", token, s, e))
        return sorted(out, key=lambda m: m.start)

    def _self_beside_units(self, mentions: list[Mention]) -> list[Mention]:
        """我们和区公安局都负责哪些 / 有我单位没有区信访局: beside other units, the asker's own
        unit is one of the units operated on, in its place (the chat's registered unit)."""
        if not self.chat_unit or not any(m.kind == "self" for m in mentions):
            return mentions
        others = [m for m in mentions if m.kind in ("unit", "group")]
        if not others or all(m.name == self.chat_unit for m in others):
            return mentions
        kind = "group" if self.e.directory.is_group(self.chat_unit) else "unit"
        return [
            Mention(kind, self.chat_unit, m.spelling, m.start, m.end) if m.kind == "self" else m
            for m in mentions
        ]

    def _outside_unit(self, rest: str) -> str:
        """区审计局 / 张家集镇 anywhere in the question: a real unit the directory does not
        list, answered by its category (the question's unit)."""
        for found in UNKNOWN_UNIT_RE.finditer(rest):
            m = next(
                (
                    UNKNOWN_UNIT_RE.fullmatch(rest, i, found.end())
                    for i in range(found.start(), found.end() - 1)
                    if UNKNOWN_UNIT_RE.fullmatch(rest, i, found.end())
                    and self.e.directory.outside_category(rest[i : found.end()]) is not None
                ),
                found,
            )
            token = m.group(0)
            cat = self.e.directory.outside_category(token)
            if cat is None and re.search(r".{2,}(镇|街道)$", token) and not self.p.contains(token):
                cat = infer_category(token)
            if cat is None:
                continue
            self.target = Target("category", token, frozenset({cat}))
            self.unit_source = "question"
            self.outside_token = token
            self.notes.append(f"“{token}”不在单位名录中，按{category_label(cat)}的职责回答。")
            return rest[: m.start()] + "，" * len(token) + rest[m.end() :]
        return rest

    def _unknown_unit(self, rest: str) -> str:
        """A unit-like word before the duty cue that the directory does not know:
        resolve it fuzzily, or infer its category (张家集镇 → 镇), or report it unknown."""
        cue = STRONG_DUTY_RE.search(rest)
        head = rest[: cue.start()] if cue else rest
        found = list(UNKNOWN_UNIT_RE.finditer(head))
        if not found:
            return rest
        m = found[-1]  # the word right before the cue
        token = m.group(0)
        res = self.e.directory.resolve(token)
        if res.match is not None:
            kind = "group" if self.e.directory.is_group(res.match.name) else "unit"
            self.target = self.e.target_for(kind, res.match.name)
            self.unit_source = "question"
        else:
            outside = self.e.directory.outside_category(token)
            cat = outside or infer_category(token)
            if outside is not None or cat in (
                UnitCategory.TOWN,
                UnitCategory.SUBDISTRICT,
                UnitCategory.PARK,
            ):
                self.target = Target("category", token, frozenset({cat}))
                self.unit_source = "question"
                self.notes.append(f"“{token}”不在单位名录中，按{category_label(cat)}的职责回答。")
            else:
                self.unknown = token
                self.candidates = tuple(c.name for c in res.candidates)
        return rest[: m.start()] + "，" * len(token) + rest[m.end() :]

    def topic_items(self) -> list[int]:
        """The items the topic words find: the best one and those scoring close to it."""
        if not self.hits or self.top_cov < TOPIC_MIN_COVERAGE:
            return []
        best = self.hits[0].score
        return [
            self.p.items[h.doc].number
            for h in self.hits[:MAX_TOPIC_ITEMS]
            if h.score >= RELATED_MIN_RATIO * best
        ]

    def set_topic(self, topic: str) -> None:
        """Search ``topic`` instead of the question's own words (a follow-up's topic, one of
        several topics asked at once)."""
        self.q.topic = topic
        self.q.terms = self.e.search_terms(self.p, topic)
        self.hits = self.p.index.search(self.q.terms, k=10) if self.q.terms else []
        self.top_cov = self.p.index.coverage(self.q.terms, self.hits[0].doc) if self.hits else 0.0
        self.has_topic = bool(self.topic_items())


def _inside(m: Mention, lit: Literal) -> bool:
    """A fuzzy, group or category mention overlapping a longer literal phrase of the document;
    an exact unit name is kept (区司法局 in a quoted sentence is still the unit)."""
    if not (m.start < lit.end and lit.start < m.end):
        return False
    if m.kind == "self":
        return False
    return m.fuzzy or (m.kind != "unit" and lit.end - lit.start >= m.end - m.start + 2)


def decide(c: Cues, has_refs: bool, has_unit: bool, has_topic: bool) -> Intent:
    """The intent before searching (TOPIC may still become OUT_OF_SCOPE, CADENCE may fall
    back when no obligation matches).

    Order: cadence cues first unless it is a "who" question without a unit; then a unit
    named or "my unit" makes a unit question (one item when the question also names an item
    or a topic, else all its duties); "who" beats a bare item reference (第十四条谁负责); a
    reference alone is an item question; an overview cue without topic lists the items.
    """
    if c.cadence and not (c.who and not has_unit):
        return Intent.CADENCE
    if has_unit:
        return Intent.UNIT_ITEM if (has_refs or has_topic) else Intent.UNIT_DUTIES
    if c.who:
        return Intent.WHO
    if has_refs:
        return Intent.ITEM
    if c.overview and not has_topic:
        return Intent.OVERVIEW
    return Intent.TOPIC


def _spelled_category(spelled: str) -> UnitCategory | None:
    """The kind of unit a first-person word names: 我们镇 → 镇, 本街道 → 街道, 我们园区 → 园区."""
    if spelled.endswith("镇"):
        return UnitCategory.TOWN
    if spelled.endswith("街道"):
        return UnitCategory.SUBDISTRICT
    if spelled.endswith(("园区", "开发区", "管委会")):
        return UnitCategory.PARK
    return None
