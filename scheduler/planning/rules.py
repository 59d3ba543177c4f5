"""Reminder rules, loaded from data (``scheduler/data/reminders.toml``, which cites its sources).

A rule says, for the obligations it matches, at which steps of each period a unit is reminded
and what the message says. :mod:`scheduler.planning.planner` turns rules into dated reminders.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from knowledge.plan.model import Cadence, Obligation

DATA_FILE = "reminders.toml"
ANCHORS = ("period_start", "period_end", "date", "deadline")
# what a step is for: its wording says so (a period begins, its end nears, it has passed)
STAGES = ("start", "due_soon", "overdue")
# the wordings a reminder takes when it does not go out on its own day (data, with defaults)
WORDING_DEFAULTS = {
    "catch_up": "补发提醒：原定{planned}提醒，现距截止还有{days_left}天，尚未确认完成",
    "catch_up_last_day": "补发提醒：原定{planned}提醒，今天是截止日，尚未确认完成",
    "overdue": "截止日期已过{days_over}天，尚未确认完成，请尽快补做并确认",
}


class RuleError(ValueError):
    """The rules file is wrong; the message says where."""


@dataclass(frozen=True)
class Step:
    name: str  # stable id, part of the idempotency key: start, end-10, d-5, early…
    label: str  # Chinese, shown in the message and the preview
    anchor: str
    offset: int = 0  # working days
    month: int | None = None
    day: int | None = None
    stage: str = "start"  # one of STAGES


@dataclass(frozen=True)
class Rule:
    name: str
    steps: tuple[Step, ...]
    template: str
    kinds: tuple[str, ...] = ()
    cadences: tuple[Cadence, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    hour: int = 9
    minute: int = 0
    source: str = DATA_FILE
    wording: tuple[tuple[str, str], ...] = tuple(WORDING_DEFAULTS.items())

    def words(self, name: str) -> str:
        """The wording ``name`` (catch_up, catch_up_last_day, overdue) as a format string."""
        return dict(self.wording).get(name, WORDING_DEFAULTS[name])

    def rule_for(self, obligation: Obligation) -> Rule | None:
        for rule in self.rules:
            if obligation.kind in rule.kinds:
                return rule
        for rule in self.rules:
            if obligation.cadence in rule.cadences:
                return rule
        return None


def load_rules(text: str | None = None) -> RuleSet:
    """Parse the rules file (the bundled one when ``text`` is None)."""
    if text is None:
        text = resources.files("scheduler.data").joinpath(DATA_FILE).read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"提醒规则文件无法解析：{exc}") from None
    rules = []
    for i, raw in enumerate(data.get("rule", [])):
        where = f"rule[{i}] {raw.get('name', '')}"
        steps = []
        for j, s in enumerate(raw.get("step", [])):
            anchor = s.get("anchor")
            if anchor not in ANCHORS:
                raise RuleError(f"{where} step[{j}]: anchor 应为 {ANCHORS} 之一，实际为 {anchor!r}")
            if anchor == "date" and not (s.get("month") and s.get("day")):
                raise RuleError(f"{where} step[{j}]: anchor = date 需要 month 和 day")
            stage = s.get("stage", _default_stage(anchor, int(s.get("offset", 0))))
            if stage not in STAGES:
                raise RuleError(f"{where} step[{j}]: stage 应为 {STAGES} 之一，实际为 {stage!r}")
            steps.append(
                Step(
                    name=s["name"],
                    label=s.get("label", s["name"]),
                    anchor=anchor,
                    offset=int(s.get("offset", 0)),
                    month=s.get("month"),
                    day=s.get("day"),
                    stage=stage,
                )
            )
        if len({s.name for s in steps}) != len(steps):
            raise RuleError(f"{where}: step 名称重复")
        try:
            cadences = tuple(Cadence(c) for c in raw.get("cadences", ()))
        except ValueError as exc:
            raise RuleError(f"{where}: {exc}") from None
        rules.append(
            Rule(
                name=raw.get("name", f"rule{i}"),
                steps=tuple(steps),
                template=raw["template"],
                kinds=tuple(raw.get("kinds", ())),
                cadences=cadences,
            )
        )
    wording = {**WORDING_DEFAULTS, **{str(k): str(v) for k, v in data.get("wording", {}).items()}}
    unknown = set(wording) - set(WORDING_DEFAULTS)
    if unknown:
        raise RuleError(f"[wording] 只能有 {tuple(WORDING_DEFAULTS)}，多了 {sorted(unknown)}")
    return RuleSet(
        tuple(rules),
        hour=int(data.get("hour", 9)),
        minute=int(data.get("minute", 0)),
        source=data.get("source", DATA_FILE),
        wording=tuple(wording.items()),
    )


def _default_stage(anchor: str, offset: int) -> str:
    if anchor in ("deadline", "period_end"):
        return "overdue" if offset > 0 else "due_soon"
    return "start"
