"""A draft of the 法治政府建设年度报告 for a unit or the district, from the year's records, as
the sections of the national rule lay out (``scheduler/data/annual_report_sections.toml``,
which cites 《法治政府建设与责任落实督察工作规定》第二十五条).

It states only what the records hold: completions (study sessions, meetings, trainings, court
hearings and the plan's other tasks, with their dates and evidence files), what is not done,
chases and replies, exemptions and extensions. Every such sentence ends with the records it
comes from (〔记录#12〕 a completion, 〔催办#3〕 a chase, 〔要点第2条〕 the plan's item), listed
again at the end; whatever a person must write is marked 待补充. Nothing is invented and
nobody is ranked. The submission status of the reports is :mod:`scheduler.records.annual_report`;
the .docx is written by :mod:`scheduler.records.annual_draft_docx`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlmodel import Session

from knowledge.plan.model import WorkPlan
from knowledge.plan.units import UnitDirectory
from scheduler.records.annual_report import PUBLISH_KIND, SUBMIT_KIND
from scheduler.records.ledger import Ledger, LedgerRow, build_ledger
from scheduler.records.waivers import waivers_for
from scheduler.timing.clock import local
from scheduler.timing.clock import now as clock_now

DISTRICT = "全区"


@lru_cache(maxsize=1)
def sections_data() -> dict[str, Any]:
    text = resources.files("scheduler.data").joinpath("annual_report_sections.toml")
    return tomllib.loads(text.read_text("utf-8"))


@dataclass(frozen=True)
class Source:
    """A record a sentence cites: its reference (记录#12), what and when."""

    ref: str
    unit: str
    what: str
    when: str
    by: str = ""
    evidence: str = ""


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Draft:
    title: str
    year: int
    scope: str  # a unit's name or 全区
    made_at: datetime
    source_rule: str
    sections: list[Section] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)

    @property
    def placeholder(self) -> str:
        return sections_data()["placeholder"]


def _cite(refs: list[str]) -> str:
    return "〔" + "、".join(refs) + "〕"


def _day(d: Any) -> str:  # noqa: ANN401 - a date
    return f"{d.year}年{d.month}月{d.day}日"


def _done_paragraphs(rows: list[LedgerRow], district: bool) -> list[str]:
    """One paragraph per obligation with completions: who, when, evidence, cited."""
    by_ob: dict[str, list[LedgerRow]] = {}
    for r in rows:
        if r.record_ids:
            by_ob.setdefault(r.obligation_key, []).append(r)
    out = []
    for group in sorted(by_ob.values(), key=lambda g: (g[0].item, g[0].obligation_key)):
        first = group[0]
        parts = []
        for unit in dict.fromkeys(r.unit for r in group):
            days = [d for r in group if r.unit == unit for d in r.done_on]
            dates = "、".join(_day(d) for d in sorted(days))
            parts.append(f"{unit}于{dates}登记完成" if district else f"于{dates}登记完成")
        ids = [f"记录#{i}" for r in group for i in r.record_ids]
        text = f"{first.action}（要点第{first.item}条）：{'；'.join(parts)}，共{len(ids)}次。"
        files = [f for r in group for f in r.evidence]
        if files:
            text += f"证明材料：{'、'.join(dict.fromkeys(files))}。"
        notes = [n.replace("\n", " ") for r in group for n in r.notes]
        if notes:
            text += f"登记说明：{'；'.join(dict.fromkeys(notes))}。"
        out.append(text + _cite(ids))
    return out


def _open_paragraphs(rows: list[LedgerRow], made: str) -> list[str]:
    out = []
    for r in rows:
        if not r.state.startswith("已逾期"):
            continue
        text = (
            f"截至{made}，{r.unit}的“{r.action}”（{r.period.label}，截止{_day(r.due)}）"
            f"未登记完成（{r.state}）。{_cite([f'要点第{r.item}条'])}"
        )
        out.append(text)
        if r.chases:
            reply = "；".join(r.replies) if r.replies else "单位未回复"
            out.append(
                f"该项已催办{len(r.chases)}次（{'；'.join(r.chases)}），{reply}。"
                + _cite([f"催办#{i}" for i in r.chase_ids])
            )
    return out


def build_draft(
    session: Session,
    plan: WorkPlan,
    directory: UnitDirectory,
    year: int,
    unit: str | None = None,
    now: datetime | None = None,
) -> Draft:
    """The draft of ``year``'s report of ``unit`` (the district when None)."""
    now = local(now or clock_now())
    data = sections_data()
    book: Ledger = build_ledger(session, plan, directory, year, now=now, unit=unit)
    skip = {SUBMIT_KIND, PUBLISH_KIND}  # the report itself is not a measure of the year
    kinds = {ob.key: ob.kind for ob in plan.obligations}
    rows = [r for r in book.rows if kinds.get(r.obligation_key) not in skip]
    scope = unit or DISTRICT
    draft = Draft(
        f"{scope}{year}年度法治政府建设情况报告（草稿）", year, scope, now, data["source"]
    )
    made = _day(now.date())
    holder = data["placeholder"]
    for spec in data["section"]:
        sec = Section(spec["title"].format(year=year, next_year=year + 1))
        fill = spec["fill"]
        if fill == "done":
            sec.paragraphs = _done_paragraphs(rows, unit is None)
        elif fill == "open":
            sec.paragraphs = _open_paragraphs(rows, made)
        elif fill == "leaders":
            wanted = set(spec.get("kinds", ()))
            mine = [r for r in rows if kinds.get(r.obligation_key) in wanted]
            sec.paragraphs = [
                "记录中与履行第一责任人职责相关的活动如下（是否由党政主要负责人参加、主持，"
                f"记录中没有，{holder}）："
            ] + _done_paragraphs(mine, unit is None)
            if len(sec.paragraphs) == 1:
                sec.paragraphs = []
        elif fill == "waivers":  # and the submission and publication of last year's report
            reports = [r for r in book.rows if kinds.get(r.obligation_key) in skip]
            sec.paragraphs += _done_paragraphs(reports, unit is None)
            for w in waivers_for(session, year, unit).values():
                sec.paragraphs.append(
                    f"{w.unit}的{w.obligation_key}（{w.period}）{w.label}。〔豁免/延期记录〕"
                )
        sec.paragraphs.append(f"{holder}：{spec['prompt']}")
        draft.sections.append(sec)
    for r in book.rows:
        for rid, day, who in zip(r.record_ids, r.done_on, r.confirmed_by, strict=False):
            draft.sources.append(
                Source(
                    f"记录#{rid}",
                    r.unit,
                    f"{r.action}（{r.period.label}）",
                    day.isoformat(),
                    who,
                    "、".join(r.evidence),
                )
            )
    draft.sources.sort(key=lambda s: int(s.ref.removeprefix("记录#")))
    return draft
