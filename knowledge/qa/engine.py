"""Question → Answer over the loaded work plans. Build one :class:`QAEngine` at start-up
(indexes are built in the constructor), then call :meth:`QAEngine.answer` per question.

The engine wires the rooms of ``knowledge/qa``: it is the ``index/`` context; it reads the
question with ``question/`` (positions, item references, mentions, cues), lets ``query/``
analyse it and build the :class:`~knowledge.qa.query.form.Query` (completed from the
conversation), and ``answer/`` run it into a ``result/``
:class:`~knowledge.qa.result.answer.Answer` written with ``text/``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from knowledge.plan.years import NoPlanForYear, YearPlan, names_year, plan_of_year
from knowledge.qa.answer.answerer import Answerer
from knowledge.qa.answer.execute import execute
from knowledge.qa.index.context import QAContext
from knowledge.qa.index.plan_index import PlanIndex
from knowledge.qa.query.analysis import AnalysedQuestion
from knowledge.qa.query.conversation import Turn
from knowledge.qa.query.follow_up import follow_up
from knowledge.qa.query.form import Query
from knowledge.qa.query.parse import parse as parse_question
from knowledge.qa.question.cues import cues
from knowledge.qa.question.positions import resolve_positions
from knowledge.qa.question.refs import ItemRefs, parse_refs
from knowledge.qa.result.answer import Answer, Intent
from knowledge.qa.result.records import Records
from knowledge.text.normalize import cn_to_int, fold_width, norm, to_simplified

TZ = ZoneInfo("Asia/Shanghai")
_SPACES = re.compile(r"\s+")
_YEAR = re.compile(r"(20\d\d)\s*年")
_LAST_YEAR = re.compile(r"去年|上一年|上年度|上一年度")
# a leading frame naming the plan's year: 2021年… / 按2021年工作要点， / 2021年的要点里，
_YEAR_FRAME = re.compile(
    r"^((?:请问一下|请问|麻烦问一下|想问一下|想问下|问一下|问下)?[，,]?\s*)"
    r"(?:按照?|根据|依据|在|看)?\s*(20\d\d)\s*年(?:度(?!报告|的?法治政府建设情况))?\s*的?\s*"
    r"(?:(?:法治政府建设)?(?:工作)?要点|文件)?\s*(?:里面|里|中|上|来看)?\s*[，,]?\s*"
)
HISTORY = 6  # earlier turns whose items a question can point back to

_BARE_NUMBER = re.compile(r"\s*([0-9]{1,3}|[零〇一二两三四五六七八九十百]{1,4})\s*[。.？?!！]*\s*")


class UnknownUnitError(ValueError):
    """The chat's unit (``--unit``) is not in the directory; ``candidates`` are close names."""

    def __init__(self, name: str, candidates: Sequence[str]) -> None:
        self.name = name
        self.candidates = tuple(candidates)
        hint = f"，是否指：{'、'.join(self.candidates)}？" if self.candidates else "。"
        super().__init__(f"未找到单位“{name}”{hint}")


class QAEngine(QAContext):
    """Answers questions about work plans. Build once; ``answer`` is cheap and thread-safe
    for reading (the only mutable state is bounded caches)."""

    @classmethod
    def default(cls) -> QAEngine:
        """The engine over the bundled (and imported) plans with the default directory."""
        from knowledge.reading import loader

        plans = loader.load_plans()
        return cls(plans, loader.directory_for(plans))

    # -- units -------------------------------------------------------------------------------
    def resolve_unit(self, name: str) -> str:
        """The canonical name of a chat's unit; raises :class:`UnknownUnitError`."""
        found = self.directory.get(name)
        if found is not None:
            return found.name
        res = self.directory.resolve(name)
        if res.match is not None:
            return res.match.name
        if self.category_of_unlisted(name) is not None:
            return name.strip()  # a real unit the directory lacks: answered by its category
        raise UnknownUnitError(name, [c.name for c in res.candidates])

    # -- the entry point ----------------------------------------------------------------------
    def answer(
        self,
        question: str,
        unit: str | None = None,
        today: date | None = None,
        plan_id: str | None = None,
        turn: Turn | None = None,
        records: Records | None = None,
    ) -> Answer:
        """Answer ``question`` asked from a chat registered to ``unit`` (a canonical or known
        name; unknown names are ignored with a note). ``today`` defaults to the date in
        Asia/Shanghai; pass it for reproducible due dates. ``turn`` is the chat's previous
        turn (:mod:`knowledge.qa.query.conversation`), ``records`` the completion records."""
        return self.converse(question, unit, today, plan_id, turn, records)[0]

    def converse(
        self,
        question: str,
        unit: str | None = None,
        today: date | None = None,
        plan_id: str | None = None,
        turn: Turn | None = None,
        records: Records | None = None,
    ) -> tuple[Answer, Turn]:
        """The answer and the turn to remember for the chat's next question."""
        today = today or datetime.now(TZ).date()
        notes: list[str] = []
        chat_unit: str | None = None
        if unit:
            try:
                chat_unit = self.resolve_unit(unit)
            except UnknownUnitError as e:
                notes.append(str(e))
        plan, chosen = self._plan_for(question, plan_id, today)
        if (
            turn is not None
            and plan_id is None
            and turn.plan_id in self.plans
            and not _YEAR.search(fold_width(question))
            and not _LAST_YEAR.search(to_simplified(fold_width(question)))
        ):  # a follow-up stays on its plan unless it names a year (2021年, 去年)
            plan = self.plans[turn.plan_id]
        q = self._analyse(question, plan)
        a = Answerer(self, plan, q, chat_unit, today, notes)
        a.analyse()
        query = parse_question(a, self.words, q.spaced)
        query = follow_up(query, turn, a, self.words)
        answer = self._with_year(execute(a, query, turn, records), plan, chosen, today)
        return answer, self._turn(answer, query, a, turn)

    def _with_year(
        self, answer: Answer, plan: PlanIndex, chosen: YearPlan | None, today: date
    ) -> Answer:
        """The plan's year in the JSON always, and in the text whenever it is not obvious
        (knowledge.plan.years.names_year): 按2021年度工作要点."""
        year = plan.plan.meta.plan_year or None
        answer = replace(answer, year=year)
        quiet = answer.intent in (Intent.SMALLTALK,) or answer.query.get("ask") == "not_covered"
        if quiet or not year:
            return answer
        plans = [p.plan for p in self.plans.values()]
        shown = (
            chosen if chosen is not None and chosen.plan is plan.plan else YearPlan(plan.plan, year)
        )
        if names_year(plans, shown, today.year):
            answer = replace(answer, text=f"{answer.text}\n（{shown.label()}）")
        return answer

    def _turn(self, answer: Answer, query: Query, a: Answerer, prev: Turn | None) -> Turn:
        if prev is not None and (
            query.ask in ("smalltalk", "document", "not_covered")
            or (answer.intent == Intent.OUT_OF_SCOPE and not query.from_context)
        ):
            return prev  # a break in the conversation: the next question may go on from before
        if query.ask == "more" and prev is not None:
            shown = set(answer.items)
            return replace(
                prev, rest=tuple(n for n in prev.rest if n not in shown), pages=answer.more
            )
        rest: tuple[int, ...] = ()
        if answer.intent in (Intent.TOPIC, Intent.WHO):
            ranked = [a.p.items[h.doc].number for h in a.hits]
            rest = tuple(n for n in ranked if n not in answer.items)
        history = ((answer.items,) if answer.items else ()) + (prev.history if prev else ())
        named = (
            tuple(query.units) if len(query.units) > 1 else ((answer.unit,) if answer.unit else ())
        )
        units = tuple(dict.fromkeys(named[::-1] + (prev.units_history if prev else ())))
        return Turn(
            history=history[:HISTORY],
            units_history=units[:HISTORY],
            query=query,
            items=answer.items,
            unit=answer.unit,
            unit_kind=answer.unit_kind,
            intent=answer.intent.value,
            rest=rest,
            pages=answer.more,
            plan_id=a.p.plan.plan_id,
        )

    def _plan_for(
        self, question: str, plan_id: str | None, today: date
    ) -> tuple[PlanIndex, YearPlan | None]:
        """The plan asked for: by id; by a year the question names (that year's plan, else the
        default: a year no plan covers is refused by the query); else the plan of the year
        (knowledge.plan.years.plan_of_year) — 去年 is last year, otherwise this year."""
        if plan_id and plan_id in self.plans:
            return self.plans[plan_id], None
        text = fold_width(question)
        m = _YEAR.search(text)
        if m:
            for p in self.plans.values():
                if p.plan.meta.plan_year == int(m.group(1)):
                    return p, YearPlan(p.plan, int(m.group(1)))
            return self.plans[self.default_plan_id], None
        asked = today.year - 1 if _LAST_YEAR.search(to_simplified(text)) else today.year
        try:
            chosen = plan_of_year([p.plan for p in self.plans.values()], asked)
        except NoPlanForYear:
            return self.plans[self.default_plan_id], None
        found = next(p for p in self.plans.values() if p.plan is chosen.plan)
        return found, chosen

    def _neighbour(self, spaced: str, numbers: list[int]) -> str:
        """第十一条的下一条 → 第12条 (the item next to a named one, in the plan's order)."""
        w = self.words
        m = re.search(
            rf"第\s*([0-9]+|[零一二两三四五六七八九十百]+)\s*条\s*的?\s*"
            rf"(?:({w.next_item.pattern})|({w.previous_item.pattern}))",
            spaced,
        )
        n = cn_to_int(m.group(1)) if m else None
        if not m or n not in numbers:
            return spaced
        i = numbers.index(n) + (1 if m.group(2) else -1)
        if not 0 <= i < len(numbers):
            return spaced
        return spaced[: m.start()] + f"第{numbers[i]}条" + spaced[m.end() :]

    def _analyse(self, question: str, plan: PlanIndex) -> AnalysedQuestion:
        spaced = _SPACES.sub(" ", to_simplified(fold_width(question)).lower()).strip()
        spaced = self.homophones.repair(spaced)
        spaced = _SPACES.sub(" ", self.lexicon.translate(spaced)).strip()
        spaced = _YEAR.sub(" ", spaced) if len(self.plans) > 1 else _drop_year_frame(spaced, plan)
        spaced = resolve_positions(spaced, [it.number for it in plan.items], self.words)
        spaced = self._neighbour(spaced, [it.number for it in plan.items])
        refs = _not_in_phrases(parse_refs(spaced), spaced, plan)
        bare = _BARE_NUMBER.fullmatch(spaced)
        if bare and not refs:
            # a question that is only a number ("14", "十四") asks for that item
            n = cn_to_int(bare.group(1))
            if n:
                refs = ItemRefs((n,), (bare.span(1),))
        cut = spaced
        for start, end in reversed(refs.spans):
            cut = cut[:start] + "，" + cut[end:]
        # leftover English words (under, the…) carry no meaning for the Chinese index
        cut = re.sub(r"[a-z]+", " ", cut) if re.search(r"[\u4e00-\u9fff]", cut) else cut
        text = norm(cut)
        mentions = self.mentions.find(text)
        return AnalysedQuestion(question, text, refs.numbers, mentions, cues(text), spaced=spaced)


def _drop_year_frame(spaced: str, plan: PlanIndex) -> str:
    """按2021年工作要点，区司法局要做哪些工作: the year that chose the plan is not part of what is
    asked (a year of another plan, or a frame with nothing after it, stays for the query)."""
    m = _YEAR_FRAME.match(spaced)
    if m is None or int(m.group(2)) != plan.plan.meta.plan_year or m.end() >= len(spaced):
        return spaced
    rest = spaced[m.end() :]
    if re.match(r"(?:的|是|吗|呢|是不是|对吗)*[？?。]*$", rest):
        return spaced  # 这是2021年的吗: the year is what is asked
    return m.group(1) + rest


def _not_in_phrases(refs: ItemRefs, spaced: str, plan: PlanIndex) -> ItemRefs:
    """Drop a reference that is part of a phrase of the document (推进法治建设第一责任人: 第一
    is not item 1): the document holds it together with the characters beside it."""
    if len(refs.numbers) != len(refs.spans):
        return refs  # ranges (第三至五条) are references by their form
    keep = []
    for n, (start, end) in zip(refs.numbers, refs.spans, strict=True):
        left, word, right = (
            spaced[max(0, start - 2) : start],
            spaced[start:end],
            spaced[end : end + 2],
        )
        cjk = re.compile(r"[\u4e00-\u9fff]{2}")
        inside = (cjk.fullmatch(left) and plan.contains(norm(left + word))) or (
            cjk.fullmatch(right) and "条" not in right and plan.contains(norm(word + right))
        )
        if not inside:
            keep.append((n, (start, end)))
    if len(keep) == len(refs.numbers):
        return refs
    return ItemRefs(tuple(n for n, _ in keep), tuple(s for _, s in keep))
