"""The words of questions (``knowledge/data/question_words.toml``) as ready-to-use patterns:
small talk, item positions, operators, yes/no forms, follow-up cues, periods, record
questions and questions about the document. Loaded once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from knowledge.text.normalize import norm

_STRUCTURE = ("most", "least", "units_word", "etc", "partial", "groups_only", "complete")


def alternation(words: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    """A pattern matching any of ``words`` (normalised), longest first."""
    parts = sorted({re.escape(norm(w)) for w in words if norm(w)}, key=len, reverse=True)
    return re.compile("|".join(parts) if parts else r"(?!x)x")


@dataclass(frozen=True)
class QuestionWords:
    smalltalk: dict[str, frozenset[str]]  # kind → whole questions
    last: re.Pattern[str]
    first: re.Pattern[str]
    named: re.Pattern[str]
    all: re.Pattern[str]
    not_shared: re.Pattern[str]
    lacks: re.Pattern[str]
    no_group: re.Pattern[str]
    structure: dict[str, re.Pattern[str]]  # most, least, units_word, etc, partial, groups_only…
    previous_item: re.Pattern[str]
    next_item: re.Pattern[str]
    within: re.Pattern[str]
    only: re.Pattern[str]
    count: re.Pattern[str]
    each: re.Pattern[str]
    and_words: re.Pattern[str]
    verdict: re.Pattern[str]
    sufficient: re.Pattern[str]
    concern: re.Pattern[str]
    refer: re.Pattern[str]
    lead: re.Pattern[str]
    more: frozenset[str]
    more_re: re.Pattern[str]
    detail: re.Pattern[str]
    periods: tuple[tuple[str, re.Pattern[str]], ...]
    missing: re.Pattern[str]
    done: re.Pattern[str]
    asked_self: re.Pattern[str]
    status_who: re.Pattern[str]
    status_any: re.Pattern[str]
    obligation_kinds: tuple[tuple[str, re.Pattern[str]], ...]
    document: tuple[tuple[str, re.Pattern[str]], ...]
    not_place: frozenset[str]  # 示范(区), 开发(区): not a district's name


_OBLIGATION_KINDS = (
    "report_publish",
    "annual_report",
    "study",
    "training",
    "court_hearing",
    "meeting",
)


@lru_cache(maxsize=1)
def question_words() -> QuestionWords:
    raw = resources.files("knowledge.data").joinpath("question_words.toml").read_text("utf-8")
    d = tomllib.loads(raw)
    st, pos, op, vd, fu = d["smalltalk"], d["position"], d["operator"], d["verdict"], d["followup"]
    status, doc = d["status"], d["document"]
    return QuestionWords(
        smalltalk={k: frozenset(norm(w) for w in v) for k, v in st.items()},
        last=alternation(pos["last"]),
        first=alternation(pos["first"]),
        named=alternation(op["named"]),
        all=alternation(op["all"]),
        not_shared=alternation(op["not_shared"]),
        lacks=alternation(op["lacks"]),
        no_group=alternation(op["no_group"]),
        previous_item=alternation(fu["previous_item"]),
        next_item=alternation(fu["next_item"]),
        within=alternation(fu["within"]),
        only=alternation(op["only"]),
        count=alternation(op["count"]),
        each=alternation(op["each"]),
        structure={k: alternation(op[k]) for k in _STRUCTURE},
        and_words=alternation(op["and_words"]),
        verdict=alternation(vd["forms"]),
        sufficient=alternation(vd["sufficient"]),
        concern=alternation(vd["concern"]),
        refer=alternation(fu["refer"]),
        lead=alternation(fu["lead"]),
        more=frozenset(norm(w) for w in fu["more"]),
        more_re=alternation(fu["more"]),
        detail=alternation(fu["detail"]),
        periods=tuple((k, alternation(v)) for k, v in d["period"].items()),
        missing=alternation(status["missing"]),
        done=alternation(status["done"]),
        asked_self=alternation(status["asked_self"]),
        status_who=alternation(status["who"]),
        status_any=alternation(status["any"]),
        obligation_kinds=tuple((k, alternation(status[k])) for k in _OBLIGATION_KINDS),
        document=tuple(
            (k, alternation(doc[k]))
            for k in (
                "doc_number",
                "issuer",
                "issued",
                "recipients",
                "cc",
                "district",
                "year",
                "title",
            )
        ),
        not_place=frozenset(d["district"]["not_place"]),
    )
