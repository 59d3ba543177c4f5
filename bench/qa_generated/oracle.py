"""What the answer to each operator must be, computed from the plan's facts alone.

An :class:`Expectation` is tolerant where the document leaves room: ``items`` must hold
every required item and may hold the ``items_also`` ones (a unit covered only through a
partial group, a unit reached through a group when the question says "named"), nothing else.
Each function takes the plan's facts and the operator's entities and returns the expectation,
or ``None`` when the combination has no clear answer (the generator then does not ask it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.qa_generated.plans import GROUP, NAMED, NONE, PARTIAL, PlanFacts
from knowledge.plan.model import CADENCE_LABELS, ETC_NAME, Cadence, Obligation, Role
from knowledge.text.normalize import int_to_cn

CADENCE_WORDS: dict[Cadence, tuple[str, ...]] = {
    Cadence.MONTHLY: ("每月", "每个月", "月度"),
    Cadence.BIMONTHLY: ("每两个月", "两个月"),
    Cadence.QUARTERLY: ("每季度", "每个季度", "季度"),
    Cadence.HALF_YEARLY: ("每半年", "半年"),
    Cadence.ANNUAL: ("每年", "一年", "年度", "全年"),
    Cadence.ONCE: ("年度内", "每年", "一年", "全年", "年内"),
    Cadence.ONGOING: ("常态化", "无固定周期"),
}
"""The words an answer may state a cadence with (the first is the label the model uses)."""


@dataclass(frozen=True)
class Expectation:
    """The oracle's answer. ``None`` / empty fields are not checked."""

    first: int | None = None  # the item the answer must cite first
    items: frozenset[int] | None = None  # the answer's items must hold all of these …
    items_also: frozenset[int] = frozenset()  # … and may hold these, nothing else
    units: frozenset[str] | None = None  # the units the answer names, likewise
    units_also: frozenset[str] = frozenset()
    role: str | None = None  # the units asked for have this role (lead / supporting)
    verdict: str | None = None  # yes / no
    unit: str | None = None  # the unit asked about (checked when the answer names one)
    text_all: tuple[tuple[str, ...], ...] = field(default=())  # each: one of them in the text
    year: int | None = None  # the plan's year (checked when the answer states one)


def count_words(n: int, unit: str) -> tuple[str, ...]:
    """How a count may be written: 5个, 五个, 5 个."""
    return (f"{n}{unit}", f"{int_to_cn(n)}{unit}", f"{n} {unit}")


def item_text(f: PlanFacts, n: int) -> Expectation:
    return Expectation(first=n, year=f.year)


def _etc(f: PlanFacts, n: int) -> frozenset[str]:
    """A trailing 等 may be shown as a line of the unit list (it is not a unit)."""
    return frozenset({ETC_NAME}) if f.has_etc(f.item(n)) else frozenset()


def item_units(f: PlanFacts, n: int) -> Expectation:
    it = f.item(n)
    return Expectation(
        first=n, units=frozenset(f.named_refs(it)), units_also=_etc(f, n), year=f.year
    )


def item_role(f: PlanFacts, n: int, role: Role) -> Expectation | None:
    names = f.roles_of(f.item(n), role)
    if not names:
        return None
    return Expectation(first=n, units=frozenset(names), role=role.value, year=f.year)


def unit_count(f: PlanFacts, n: int) -> Expectation | None:
    it = f.item(n)
    # the entries; the concrete units; the entries without partial groups (区直有关…)
    closed = [r for r in f.named_refs(it) if not f.is_partial_group(r)]
    counts = {len(f.named_refs(it)), len(f.named_units(it)), len(closed)} - {0}
    if not counts:
        return None
    words = tuple(w for c in sorted(counts) for w in count_words(c, "个"))
    return Expectation(first=n, text_all=(words,), year=f.year)


def unit_items(f: PlanFacts, unit: str) -> Expectation | None:
    need = f.items_where(unit, NAMED, GROUP)
    if not need:
        return None
    also = f.items_where(unit, PARTIAL)
    return Expectation(items=need, items_also=also, unit=unit, year=f.year)


def unit_item_count(f: PlanFacts, unit: str) -> Expectation | None:
    """How many items a unit has: named and through whole groups (or named only, or with the
    partial ones too: all three readings are accepted)."""
    named = f.items_where(unit, NAMED)
    full = f.items_where(unit, NAMED, GROUP)
    if not full:
        return None
    counts = sorted({len(named), len(full), len(full | f.items_where(unit, PARTIAL))} - {0})
    words = tuple(w for c in counts for w in count_words(c, "条"))
    return Expectation(text_all=(words,), unit=unit, year=f.year)


def either(f: PlanFacts, a: str, b: str) -> Expectation | None:
    need = f.items_where(a, NAMED) | f.items_where(b, NAMED)
    also = f.items_where(a, GROUP, PARTIAL) | f.items_where(b, GROUP, PARTIAL)
    return Expectation(items=need, items_also=also - need, year=f.year) if need else None


def group_items(f: PlanFacts, group: str) -> Expectation | None:
    """Items naming a group; items naming another group that shares a category with it, or a
    member unit, may be listed too."""
    g = f.directory.groups.get(group)
    need = frozenset(it.number for it in f.plan.items if group in f.named_refs(it))
    if g is None or not need:
        return None
    also = set()
    for it in f.plan.items:
        for ref in it.units:
            other = f.directory.groups.get(ref.name)
            unit = f.directory.units.get(ref.name)
            if (other is not None and other.categories & g.categories) or (
                unit is not None and unit.category in g.categories
            ):
                also.add(it.number)
    return Expectation(items=need, items_also=frozenset(also) - need, year=f.year)


def only_groups(f: PlanFacts) -> Expectation | None:
    """Items whose unit list names no unit, only groups (区直各单位, 各镇(街、区) …)."""
    need = frozenset(it.number for it in f.plan.items if f.named_refs(it) and not f.named_units(it))
    return Expectation(items=need, year=f.year) if need else None


def cadence_items(f: PlanFacts, cadence: Cadence) -> Expectation | None:
    """Items with an obligation of this cadence (每季度 / 每年 …)."""
    need = frozenset(o.item for o in f.plan.obligations if o.cadence == cadence)
    if not need:
        return None
    label = CADENCE_LABELS[cadence]
    also = {it.number for it in f.plan.items if label in it.text}
    if cadence == Cadence.ANNUAL:  # once within the plan's year is every year too
        also |= {o.item for o in f.plan.obligations if o.cadence == Cadence.ONCE}
    return Expectation(items=need, items_also=frozenset(also) - need, year=f.year)


def unit_role_items(f: PlanFacts, unit: str, role: Role) -> Expectation | None:
    need = frozenset(
        it.number for it in f.plan.items if any(r.name == unit and r.role == role for r in it.units)
    )
    if not need:
        return None
    return Expectation(items=need, year=f.year)


def _extreme(f: PlanFacts, most: bool) -> Expectation:
    """The items naming the most (fewest) entries. An item whose list is not exhaustive (…等,
    区直有关…) names at least that many, so where it ties it may be listed or left out; the
    items with the most (fewest) concrete units may be listed too."""
    pick = max if most else min
    by_refs = {it.number: len(f.named_refs(it)) for it in f.plan.items}
    by_units = {it.number: len(f.named_units(it)) for it in f.plan.items}
    best = pick(by_refs.values())
    tied = frozenset(n for n, c in by_refs.items() if c == best)
    open_ended = frozenset(n for n in tied if f.item(n).partial)
    need = (tied - open_ended) or tied
    best_u = pick(by_units.values())
    also = (tied | frozenset(n for n, c in by_units.items() if c == best_u)) - need
    return Expectation(items=need, items_also=also, year=f.year)


def most_units(f: PlanFacts) -> Expectation:
    return _extreme(f, True)


def fewest_units(f: PlanFacts) -> Expectation:
    return _extreme(f, False)


def only_one(f: PlanFacts) -> Expectation | None:
    need, also = set(), set()
    for it in f.plan.items:
        refs = f.named_refs(it)
        if len(refs) != 1:
            continue
        if len(f.named_units(it)) == 1 and not f.has_etc(it) and not it.partial:
            need.add(it.number)
        else:
            also.add(it.number)
    if not need:
        return None
    return Expectation(items=frozenset(need), items_also=frozenset(also), year=f.year)


def etc_items(f: PlanFacts) -> Expectation | None:
    need = frozenset(it.number for it in f.plan.items if f.has_etc(it))
    if not need:
        return None
    also = frozenset(it.number for it in f.plan.items if it.partial) - need
    return Expectation(items=need, items_also=also, year=f.year)


def both(f: PlanFacts, a: str, b: str) -> Expectation | None:
    need = f.items_where(a, NAMED) & f.items_where(b, NAMED)
    if not need:
        return None
    reach = (NAMED, GROUP, PARTIAL)
    also = (f.items_where(a, *reach) & f.items_where(b, *reach)) - need
    return Expectation(items=need, items_also=also, year=f.year)


def a_not_b(f: PlanFacts, a: str, b: str) -> Expectation | None:
    named_a = f.items_where(a, NAMED)
    need = named_a & f.items_where(b, NONE)
    if not need:
        return None
    # B reached only through a group is "not named"; A reached through a group with B not at
    # all is "A responsible, B not": both readings are tolerated
    also = named_a & f.items_where(b, GROUP, PARTIAL)
    also |= f.items_where(a, GROUP) & f.items_where(b, NONE)
    return Expectation(items=need, items_also=also, year=f.year)


def complement(f: PlanFacts, unit: str) -> Expectation | None:
    need = f.items_where(unit, NONE)
    if not need:
        return None
    also = f.items_where(unit, PARTIAL)
    return Expectation(items=need, items_also=also, unit=unit, year=f.year)


def named_verdict(f: PlanFacts, n: int, unit: str) -> Expectation | None:
    rel = f.relation(unit, f.item(n))
    if rel == PARTIAL:
        return None
    return Expectation(first=n, verdict="no" if rel == NONE else "yes", year=f.year)


def cadence(f: PlanFacts, ob: Obligation) -> Expectation:
    words = CADENCE_WORDS[ob.cadence]
    assert CADENCE_LABELS[ob.cadence] in words or ob.cadence == Cadence.ONCE
    return Expectation(
        first=ob.item,
        text_all=(words, count_words(ob.min_count, "次")),
        year=f.year,
    )


def phrase_which(f: PlanFacts, n: int) -> Expectation:
    return Expectation(first=n, year=f.year)


def phrase_who(f: PlanFacts, n: int) -> Expectation:
    units = frozenset(f.named_refs(f.item(n)))
    return Expectation(first=n, units=units, units_also=_etc(f, n), year=f.year)


def plan_year(f: PlanFacts) -> Expectation | None:
    if f.year is None:
        return None
    return Expectation(text_all=((f"{f.year}",),), year=f.year)


# -- the families the issue lists beyond the first grammar: verdicts on a stated practice, roles
#    asked yes/no, the document's size, a role switched in a follow-up, small talk mid-way --

COUNTED = (Cadence.MONTHLY, Cadence.QUARTERLY, Cadence.HALF_YEARLY, Cadence.ANNUAL)


def sufficient(f: PlanFacts, ob: Obligation, n: int) -> Expectation | None:
    """ "We do it n times per <the obligation's own period>, is that enough?": yes when n
    reaches the count the document requires in that period."""
    if ob.cadence not in COUNTED or n < 1:
        return None
    return Expectation(first=ob.item, verdict="yes" if n >= ob.need else "no", year=f.year)


def role_verdict(f: PlanFacts, n: int, unit: str, role: Role) -> Expectation | None:
    """ "Does <unit> lead (support) item n?", for a unit the item lists in a plan that writes
    roles: yes when that is its role there."""
    it = f.item(n)
    if unit not in f.named_units(it) or not any(r.role != Role.RESPONSIBLE for r in it.units):
        return None
    has = any(r.name == unit and r.role == role for r in it.units)
    return Expectation(first=n, verdict="yes" if has else "no", year=f.year)


def item_total(f: PlanFacts) -> Expectation:
    """How many items the document has."""
    return Expectation(text_all=(count_words(len(f.plan.items), "条"),), year=f.year)


def off_topic(f: PlanFacts) -> Expectation:
    """Small talk or a question the document has nothing on, after a unit's question: no
    item of the earlier answer is cited again."""
    return Expectation(items=frozenset(), year=f.year)


def group_member(f: PlanFacts, group: str, unit: str) -> Expectation | None:
    """ "Does <group> include <unit>?": by the unit's category and the group's categories; a
    partial group (区直有关…) has no clear answer."""
    g, u = f.directory.groups.get(group), f.directory.units.get(unit)
    if g is None or u is None or g.partial:
        return None
    return Expectation(verdict="yes" if u.category in g.categories else "no", year=f.year)


def mentions(f: PlanFacts, n: int, phrase: str) -> Expectation:
    """ "Does item n mention <phrase>?": yes when the phrase stands in its text."""
    it = f.item(n)
    said = phrase in it.title + it.text
    return Expectation(first=n, verdict="yes" if said else "no", year=f.year)


def each_item(f: PlanFacts, n: int, m: int) -> Expectation:
    """Two items asked at once ("who is responsible for each"): both, and only they."""
    return Expectation(items=frozenset({n, m}), year=f.year)


def _open(f: PlanFacts, n: int) -> bool:
    """The item's unit list is not exhaustive: …等, a partial group, 未逐一列明."""
    it = f.item(n)
    return f.has_etc(it) or it.partial or any(f.is_partial_group(r) for r in f.named_refs(it))


def complete(f: PlanFacts, n: int) -> Expectation:
    """ "Are all of item n's units listed?": no when the list is open-ended."""
    return Expectation(first=n, verdict="no" if _open(f, n) else "yes", year=f.year)


def partial_items(f: PlanFacts) -> Expectation | None:
    """Items whose unit list is not exhaustive."""
    need = frozenset(n for n in f.numbers if _open(f, n))
    return Expectation(items=need, year=f.year) if need else None


def named_count(f: PlanFacts, unit: str) -> Expectation | None:
    """How many items name the unit itself (not through a group)."""
    named = f.items_where(unit, NAMED)
    if not named:
        return None
    return Expectation(text_all=(count_words(len(named), "条"),), unit=unit, year=f.year)


def each_count(f: PlanFacts, a: str, b: str) -> Expectation | None:
    """ "How many items do A and B each have?": both counts in the text (any reading)."""
    words = []
    for u in (a, b):
        named, full = f.items_where(u, NAMED), f.items_where(u, NAMED, GROUP)
        counts = sorted({len(named), len(full), len(full | f.items_where(u, PARTIAL))} - {0})
        if not counts:
            return None
        words.append(tuple(w for c in counts for w in count_words(c, "条")))
    return Expectation(text_all=tuple(words), year=f.year)


def deadline(f: PlanFacts, ob: Obligation) -> Expectation | None:
    """ "When is <action> due?": the obligation's item, and the date in the text."""
    if ob.deadline is None:
        return None
    m, d = ob.deadline.month, ob.deadline.day
    return Expectation(first=ob.item, text_all=((f"{m}月{d}日", f"{m}月{d}号"),), year=f.year)


def both_items_verdict(f: PlanFacts, n: int, m: int, unit: str) -> Expectation | None:
    """ "Must <unit> do both of these (two items asked before)?": yes when it is responsible
    for each (by name or through a whole group), no when for neither or only one."""
    rels = {f.relation(unit, f.item(n)), f.relation(unit, f.item(m))}
    if PARTIAL in rels:
        return None
    return Expectation(verdict="yes" if rels <= {NAMED, GROUP} else "no", year=f.year)


def deadline_timely(
    f: PlanFacts, ob: Obligation, month: int, day: int, late: bool
) -> Expectation | None:
    """ "<date>做<action>来得及吗" (late=False) / "…过期了吗" (late=True): the asked date
    against the obligation's deadline (on the day itself is in time)."""
    if ob.deadline is None:
        return None
    on_time = (month, day) <= (ob.deadline.month, ob.deadline.day)
    yes = (not on_time) if late else on_time
    return Expectation(first=ob.item, verdict="yes" if yes else "no", year=f.year)


def cadence_verdict(f: PlanFacts, ob: Obligation, cadence: Cadence) -> Expectation | None:
    """ "<action>是不是/要不要<cadence>做": yes when the document's cadence is the one asked."""
    if ob.cadence in (Cadence.ONCE, Cadence.ONGOING):  # 年度内一次: 每年 is neither yes nor no
        return None
    return Expectation(first=ob.item, verdict="yes" if cadence == ob.cadence else "no", year=f.year)


def count_verdict(f: PlanFacts, n: int, k: int) -> Expectation | None:
    """ "<item>是不是有<k>个责任单位": yes when every reading of the count (entries, concrete
    units, entries without partial groups) is k, no when none is; else no clear answer."""
    it = f.item(n)
    closed = [r for r in f.named_refs(it) if not f.is_partial_group(r)]
    counts = {len(f.named_refs(it)), len(f.named_units(it)), len(closed)}
    if f.has_etc(it) or (k in counts and len(counts) > 1):
        return None
    return Expectation(first=n, verdict="yes" if k in counts else "no", year=f.year)


def group_named_verdict(f: PlanFacts, n: int, group: str) -> Expectation:
    """ "<item>有没有写<group>": whether the group phrase stands in the item's unit list."""
    return Expectation(
        first=n, verdict="yes" if group in f.named_refs(f.item(n)) else "no", year=f.year
    )


def group_count(f: PlanFacts, group: str) -> Expectation | None:
    """ "写了<group>的有几条": the items whose unit list has the group phrase."""
    need = frozenset(it.number for it in f.plan.items if group in f.named_refs(it))
    return Expectation(text_all=(count_words(len(need), "条"),), year=f.year) if need else None


def most_named_verdict(f: PlanFacts, n: int) -> Expectation | None:
    """ "<item>是不是责任单位最多的一条": yes when it lists the most entries (no 等 anywhere
    near the top: a partial list makes the count open)."""
    sizes = {it.number: len(f.named_refs(it)) for it in f.plan.items}
    top = max(sizes.values())
    if any(f.has_etc(it) and sizes[it.number] >= top - 1 for it in f.plan.items):
        return None
    if sizes[n] == top and list(sizes.values()).count(top) > 1:
        return None
    return Expectation(first=n, verdict="yes" if sizes[n] == top else "no", year=f.year)


def deadline_only(f: PlanFacts, ob: Obligation) -> Expectation | None:
    """ "<topic>什么时候交": the date, and only the obligation's own item (another item whose
    task merely shares a word, 年度, is not the answer)."""
    base = deadline(f, ob)
    if base is None:
        return None
    return Expectation(
        first=ob.item, items=frozenset({ob.item}), text_all=base.text_all, year=f.year
    )


def every_verdict(f: PlanFacts, unit: str) -> Expectation | None:
    """ "<unit>是不是每条都有": yes when every item names it or a whole group of it, no when
    some item has it not at all; a partial group leaves it open."""
    rels = {f.relation(unit, it) for it in f.plan.items}
    if NONE in rels:
        return Expectation(verdict="no", year=f.year)
    return None if PARTIAL in rels else Expectation(verdict="yes", year=f.year)
