"""Whom an obligation binds: the item's responsible units that the subject of its sentence
covers, corrected by admins' overrides.

An item's 责任单位 (named, or through a whole group such as 区直各单位) are responsible for the
item; the sentence carrying the cadence may name a narrower subject (区政府常务会议、政府部门
办公会议 → the government itself and its departments; 各地政府 → the governments of the
district, towns, sub-districts and parks). The subject is read with the grammar of
:mod:`knowledge.plan.subjects`; the obligation binds the responsible units of the categories it
covers. Where the sentence names no narrower subject, the item's units remain. Where the
subject is none of the item's units (县政府主要负责人 in an item of 县司法局 and 各乡镇), the
item's lead units (牵头单位), or else all its units, organise it on the subject's behalf.

Admins' overrides (one unit, one obligation: applies / does not apply, with a reason) come last.
They are plain data here (:class:`Override`); the scheduler stores and audits them.

API: :func:`bind` (every unit's decision with its reason), :func:`bound_units` (the names),
:func:`subject_of` (the subject words of an obligation).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from knowledge.plan.model import CATEGORY_LABELS, Obligation, Role, UnitCategory, WorkPlan
from knowledge.plan.subjects import SubjectReading, read_subject
from knowledge.plan.units import UnitDirectory

# the words before the first of these start a sentence's action, not its subject
_ACTION_START = re.compile(
    r"要|应|须|必须|应当|都|均|每|至少|不少于|参加|参与|召开|举办|开展|组织|举行|听取|学法|旁听|"
    r"报告|报送|提交|培训|加强|推进|落实|建立|健全|完善|严格|认真|全面|深入|积极|坚持|做好|定期"
)


@dataclass(frozen=True)
class Override:
    """An admin's decision that ``obligation`` does (not) apply to ``unit``."""

    unit: str
    obligation: str  # obligation key, e.g. i2-study
    applies: bool
    reason: str = ""
    by: str = ""
    at: str = ""  # ISO time of the decision (Asia/Shanghai)
    plan: str = ""  # the plan whose obligation key this is; "" = any

    @property
    def label(self) -> str:
        return "适用" if self.applies else "不适用"


@dataclass(frozen=True)
class Binding:
    """One unit's decision for one obligation."""

    unit: str
    category: UnitCategory
    bound: bool
    via: str | None  # how the unit is responsible for the item (its name, a group); None if not
    reason: str  # Chinese: why it is bound or not
    override: Override | None = None


@dataclass(frozen=True)
class GroupBinding:
    """A group of the item's unit list (区直各单位, 各镇(街、区)) and which of its categories the
    obligation binds: shown even before the directory holds any of its units (towns)."""

    group: str
    bound: tuple[UnitCategory, ...]  # the group's categories the subject covers
    not_bound: tuple[UnitCategory, ...]

    @property
    def label(self) -> str:
        return "、".join(CATEGORY_LABELS[c] for c in self.bound)


@dataclass(frozen=True)
class ObligationBinding:
    obligation: Obligation
    subject: str  # the subject words read (the clause's, else the sentence's)
    reading: SubjectReading
    bindings: tuple[Binding, ...]
    note: str = ""  # e.g. the subject is none of the item's units
    groups: tuple[GroupBinding, ...] = ()

    @property
    def bound(self) -> list[str]:
        return [b.unit for b in self.bindings if b.bound]

    @property
    def not_bound(self) -> list[Binding]:
        return [b for b in self.bindings if not b.bound]

    @property
    def overrides(self) -> list[Override]:
        return [b.override for b in self.bindings if b.override is not None]

    @property
    def reason(self) -> str:
        """Why these units: the subject words quoted and what they cover."""
        r = self.reading
        if not r.narrows:
            return f"{r.reason}，本条责任单位均适用"
        what = "、".join([*r.category_labels, *sorted(r.units)])
        text = f"{r.reason}（涵盖：{what}）"
        return f"{text}；{self.note}" if self.note else text


def subject_of(obligation: Obligation) -> str:
    """The obligation's subject: the words its clause names, else the subject of the sentence
    it belongs to (the words before the sentence's first action), else ""."""
    if obligation.subject.strip():
        return obligation.subject.strip()
    first = re.split(r"[，,；;：:。]", obligation.text, maxsplit=1)[0]
    m = _ACTION_START.search(first)
    head = first[: m.start()] if m else ""
    if head and read_subject(head).narrows:
        return head
    return ""


def _applies(ovs: Iterable[Override], unit: str, key: str) -> Override | None:
    found = None
    for ov in ovs:
        if ov.unit == unit and ov.obligation == key:
            found = ov  # the latest wins
    return found


def bind(
    plan: WorkPlan,
    obligation: Obligation,
    directory: UnitDirectory,
    overrides: Iterable[Override] | None = None,
) -> ObligationBinding:
    """Every responsible unit of the obligation's item (and every unit an override names) with
    whether the obligation binds it and why. ``overrides`` default to the directory's."""
    ovs = tuple(
        ov
        for ov in (directory.overrides if overrides is None else overrides)
        if ov.plan in ("", plan.plan_id)
    )
    subject = subject_of(obligation)
    reading = read_subject(subject, directory)
    item = plan.item(obligation.item)
    responsible = directory.responsible_units(item) if item is not None else []
    groups: list[GroupBinding] = []
    reachable = False  # does the subject name a kind the item's unit list can hold?
    for ref in item.units if item is not None else ():
        group = directory.groups.get(ref.name) if ref.is_group else None
        if group is not None and not (group.partial or ref.partial):
            cats = [c for c in UnitCategory if c in group.categories]
            yes = tuple(c for c in cats if reading.covers("", c))
            groups.append(GroupBinding(ref.name, yes, tuple(c for c in cats if c not in yes)))
            reachable = reachable or bool(yes)
        elif not ref.is_group and ref.name in directory.units:
            reachable = reachable or reading.covers(ref.name, directory.units[ref.name].category)
    note = ""
    fallback_units: set[str] = set()
    if reading.narrows and responsible and not reachable:
        # the subject is none of the item's units: the units the item singles out organise it
        # on the subject's behalf: its lead units, else the units it names one by one, else all
        leads = [(u, r) for u, r in responsible if r.role is Role.LEAD]
        named = [(u, r) for u, r in responsible if r.kind == "named"]
        chosen, who = (
            (leads, "牵头单位")
            if leads
            else (named, "本条点名的责任单位")
            if named
            else (responsible, "本条责任单位")
        )
        fallback_units = {u.name for u, _ in chosen}
        note = f"主体不在本条责任单位中，由{who}负责组织落实"
        if chosen is responsible:
            groups = [GroupBinding(g.group, (*g.bound, *g.not_bound), ()) for g in groups]
    out: list[Binding] = []
    seen: set[str] = set()
    for unit, resp in responsible:
        seen.add(unit.name)
        via = resp.via if resp.kind == "group" else unit.name
        if not reading.narrows:
            bound, why = True, "本条责任单位，原文未指明更具体的主体"
        elif unit.name in fallback_units:
            bound, why = True, note
        elif reading.covers(unit.name, unit.category):
            bound, why = True, f"{CATEGORY_LABELS[unit.category]}，属于「{subject}」"
        else:
            bound = False
            why = f"{CATEGORY_LABELS[unit.category]}，不属于「{subject}」"
        ov = _applies(ovs, unit.name, obligation.key)
        if ov is not None:
            bound = ov.applies
            why = f"管理员设定{ov.label}：{ov.reason}" if ov.reason else f"管理员设定{ov.label}"
        out.append(Binding(unit.name, unit.category, bound, via, why, ov))
    for ov in ovs:
        if ov.obligation != obligation.key or ov.unit in seen or not ov.applies:
            continue
        if _applies(ovs, ov.unit, obligation.key) is not ov:
            continue
        unit = directory.units.get(ov.unit)
        if unit is None:
            continue
        seen.add(unit.name)
        why = f"管理员设定适用：{ov.reason}" if ov.reason else "管理员设定适用"
        out.append(Binding(unit.name, unit.category, True, None, why, ov))
    return ObligationBinding(obligation, subject, reading, tuple(out), note, tuple(groups))


def bound_units(
    plan: WorkPlan,
    obligation: Obligation,
    directory: UnitDirectory,
    overrides: Iterable[Override] | None = None,
) -> list[str]:
    """The names of the units ``obligation`` binds (directory order).

    With the directory's own overrides the answer is remembered per directory (a directory is
    immutable in use): a planner tick asks it for every obligation twice (re-planning, then
    the due reminders), and binding walks every unit of the directory."""
    if overrides is not None:
        return bind(plan, obligation, directory, overrides).bound
    key = (id(plan), obligation.key)
    with _memo_lock:
        memo = _bound_memo.setdefault(directory, {})
        hit = memo.get(key)
    if hit is None:
        hit = (plan, tuple(bind(plan, obligation, directory).bound))
        with _memo_lock:
            if len(memo) >= _MEMO_PER_DIRECTORY:
                memo.clear()
            memo[key] = hit
    return list(hit[1])


# directory → (id(plan), obligation key) → (plan, bound unit names); the plan is held so that
# its id cannot be reused while the entry lives. Threads: the bot runs DB work off the loop.
_bound_memo: WeakKeyDictionary[
    UnitDirectory, dict[tuple[int, str], tuple[WorkPlan, tuple[str, ...]]]
] = WeakKeyDictionary()
_memo_lock = threading.Lock()
_MEMO_PER_DIRECTORY = 512
