"""What every question is read and answered against, built once: each plan's indexes, the
unit directory, the lexicon, the question words and the unit mentions they make findable.

:class:`~knowledge.qa.engine.QAEngine` is this context plus the entry points; the analysis
(:mod:`knowledge.qa.query.analysis`), the query steps and the answer families read it through
``a.e``."""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.plan.model import UnitCategory, WorkPlan
from knowledge.plan.units import UnitDirectory, infer_category
from knowledge.qa.index.plan_index import PlanIndex, Target
from knowledge.qa.question import cues as cue_words
from knowledge.qa.question.homophones import HomophoneRepair
from knowledge.qa.question.lexicon import Lexicon, default_lexicon
from knowledge.qa.question.mentions import MentionFinder
from knowledge.qa.question.words import question_words
from knowledge.qa.text.render import category_label


class QAContext:
    """The plans (one :class:`PlanIndex` each), the directory and the word lists; the unit
    targets and search terms derived from them. Read-only once built."""

    def __init__(
        self,
        plans: Sequence[WorkPlan],
        directory: UnitDirectory,
        lexicon: Lexicon | None = None,
        analyzer: str = "char",
    ) -> None:
        if not plans:
            raise ValueError("QAEngine needs at least one work plan")
        self.directory = directory
        self.lexicon = lexicon or default_lexicon()
        self.plans = {p.plan_id: PlanIndex(p, directory, analyzer) for p in plans}
        self.default_plan_id = plans[0].plan_id
        default = self.plans[self.default_plan_id]
        self.mentions = MentionFinder(directory, self.lexicon.category_words, default.contains)
        self.words = question_words()
        w = self.words
        form = [
            p.pattern
            for p in (
                w.verdict,
                w.sufficient,
                w.concern,
                w.named,
                w.not_shared,
                w.only,
                w.refer,
                w.lead,
                w.more_re,
                w.detail,
                w.each,
                *(pattern for _kind, pattern in w.periods),  # 去年, 本季度: the query's period
            )
        ]
        # multi-character words only: 都, 它, 那 … alone may be part of a topic word
        parts = sorted({x for f in form for x in f.split("|") if len(x) > 1}, key=len, reverse=True)
        self._form_words = re.compile("|".join(parts))
        self.homophones = HomophoneRepair(self._words(), _documents(plans))

    def _words(self) -> list[str]:
        """Whole words a question is repaired towards (homophone slips,
        :mod:`knowledge.qa.question.homophones`): the unit spellings, the question words, the
        synonyms and the cue words."""
        texts = list(self.mentions.spellings)
        texts += [a for pair in self.lexicon.synonyms for a in pair]
        texts += [c for _e, c in self.lexicon.english]
        texts += [x.pattern for x in vars(cue_words).values() if isinstance(x, re.Pattern)]
        texts += _strings(vars(self.words))
        return texts

    def category_of_unlisted(self, name: str) -> UnitCategory | None:
        """区审计局 (a usual department name) or 张家集镇 (a town): units the document does not
        list, whose duties follow from their category through the group items."""
        outside = self.directory.outside_category(name)
        if outside is not None:
            return outside
        cat = infer_category(name)
        if cat in (UnitCategory.TOWN, UnitCategory.SUBDISTRICT, UnitCategory.PARK):
            return cat
        return None

    def target_for(self, kind: str, name: str) -> Target:
        if kind == "unit":
            unit = self.directory.units.get(name)
            if unit is None:
                cat = self.category_of_unlisted(name) or infer_category(name)
                return Target("category", name, frozenset({cat}))
            return Target("unit", name, frozenset({unit.category}))
        if kind == "group":
            return Target("group", name, self.directory.groups[name].categories)
        cat = UnitCategory(name)
        return Target("category", category_label(cat), frozenset({cat}))

    def strip_question_words(self, text: str) -> str:
        """Remove the words of the question's form (算不算, 点了名, 还有呢…) from topic text."""
        text = self._form_words.sub("", text)
        return re.sub(r"^[，]*(那么|那|换成|改成|再|又|还)", "", text)

    def directory_spells(self, token: str) -> bool:
        """Is ``token`` part of some unit or group spelling (区司法局 holds 司法局)?"""
        return any(token in s for s in self.mentions.spellings)

    def search_terms(self, plan: PlanIndex, topic: str) -> list[str]:
        repaired = plan.index.repair(topic)
        terms = plan.index.terms(repaired)
        expansion = self.lexicon.expand(repaired)
        if expansion:
            terms += plan.index.terms(expansion)
        return terms


def _documents(plans: Sequence[WorkPlan]) -> list[str]:
    """The plans' own text (titles and items)."""
    return [p.meta.title for p in plans] + [
        it.title + "。" + it.text for p in plans for it in p.items
    ]


def _strings(value: object) -> list[str]:
    """Every string inside ``value`` (patterns by their source), for the vocabulary."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, re.Pattern):
        return [value.pattern]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (tuple, list, frozenset, set)):
        return [s for v in value for s in _strings(v)]
    return []
