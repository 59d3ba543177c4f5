"""The question grammar: operators × the plan's own entities × noise.

Each operator has Chinese templates (and English ones for the ``english`` noise) with slots
``{item}``, ``{unit}``, ``{a}``, ``{b}``, ``{phrase}``, ``{action}``; :func:`bindings` lists
every entity combination of a plan the operator can be asked about, each with the oracle's
expectation; :func:`generate` draws questions reproducibly from a seed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import permutations

from bench.qa_generated import oracle
from bench.qa_generated.noise import NOISES, Segment, Segments, item_ref, join
from bench.qa_generated.oracle import Expectation
from bench.qa_generated.phrases import sample
from bench.qa_generated.plans import PlanFacts
from knowledge.plan.model import CADENCE_LABELS, ETC_NAME, Cadence, Role

LEAD, SUPPORT = Role.LEAD, Role.SUPPORTING

TEMPLATES: dict[str, tuple[str, ...]] = {
    "item_text": ("{item}讲什么", "{item}是什么内容", "{item}的内容是什么", "说说{item}"),
    "item_units": (
        "{item}谁负责",
        "{item}的责任单位有哪些",
        "{item}由哪些单位负责",
        "{item}是哪些单位的事",
        "{item}归谁管",
        "{item}落到哪些单位头上",
    ),
    "item_role:lead": ("{item}的牵头单位是谁", "{item}谁牵头", "{item}由哪个单位牵头"),
    "item_role:supporting": ("{item}的配合单位有哪些", "{item}哪些单位配合"),
    "unit_count": (
        "{item}有几个责任单位",
        "{item}列了几个单位",
        "{item}一共几个责任单位",
        "{item}涉及几家单位",
        "{item}点了几个单位的名",
        "{item}的责任单位有多少个",
    ),
    "unit_items": (
        "{unit}有哪些任务",
        "{unit}负责哪几条",
        "{unit}要做哪些工作",
        "{unit}涉及哪些条",
        "跟{unit}有关的是哪几条",
        "{unit}的任务有哪些",
    ),
    "unit_role_items:lead": ("{unit}牵头的有哪几条", "哪些条目由{unit}牵头"),
    "unit_role_items:supporting": ("{unit}配合的有哪几条", "哪些条目{unit}是配合单位"),
    "unit_item_count": (
        "{unit}负责几条",
        "{unit}一共有几条任务",
        "{unit}要管几条",
        "{unit}总共涉及几条",
        "{unit}的任务有多少条",
        "跟{unit}有关的一共几条",
    ),
    "either": (
        "{a}或{b}负责的有哪些条目",
        "哪些条目有{a}或者{b}",
        "{a}和{b}任一负责的条目有哪些",
        "只要有{a}或{b}的条目都列出来",
    ),
    "group_items": (
        "{group}负责哪几条",
        "{group}有哪些任务",
        "哪些条目写了{group}",
        "写了{group}的是哪几条",
        "{group}涉及哪些条目",
    ),
    "only_groups": (
        "哪些条目没有点名具体单位",
        "哪几条的责任单位只写了单位类别",
        "哪些条目的责任单位全是统称，没有具体单位",
    ),
    "cadence_items": (
        "哪些工作{cadence}要做",
        "{cadence}要做的有哪几条",
        "哪几条是{cadence}的任务",
    ),
    "follow_item": ("那{item}呢", "{item}呢", "那{item}的呢", "再看看{item}"),
    "follow_unit": ("那{unit}呢", "{unit}呢", "换成{unit}呢", "那{unit}的呢"),
    "most_units": (
        "哪一条责任单位最多",
        "哪条列的单位最多",
        "责任单位最多的是哪一条",
        "哪条涉及的单位最多",
        "点名单位最多的是第几条",
    ),
    "fewest_units": (
        "哪一条责任单位最少",
        "哪条列的单位最少",
        "责任单位最少的是哪一条",
        "哪条涉及的单位最少",
        "点名单位最少的是第几条",
    ),
    "only_one": (
        "哪些条目只有一个责任单位",
        "只有一个单位负责的是哪几条",
        "哪几条只列了一个责任单位",
        "哪几条就一家单位负责",
        "单独一个单位负责的条目有哪些",
    ),
    "etc_items": (
        "哪些条目的责任单位以“等”结尾",
        "哪几条的责任单位没有列全，写了“等”",
        "责任单位后面带“等”字的是哪几条",
    ),
    "both": (
        "{a}和{b}都负责哪些条目",
        "哪些条目同时有{a}和{b}",
        "{a}和{b}共同负责哪几条",
        "{a}跟{b}都在的条目有哪些",
        "{a}与{b}一起负责的是哪几条",
    ),
    "a_not_b": (
        "哪些条目有{a}没有{b}",
        "{a}负责但{b}不负责的是哪几条",
        "列了{a}却没列{b}的条目有哪些",
        "有{a}但没有{b}的是哪几条",
        "{a}有份、{b}没份的条目",
    ),
    "complement": (
        "{unit}不用做哪些",
        "哪些条目跟{unit}无关",
        "哪几条不需要{unit}负责",
        "{unit}可以不管哪几条",
        "除了{unit}负责的，剩下哪几条",
        "{unit}不涉及的是哪些条目",
    ),
    "named_verdict": (
        "{item}有{unit}吗",
        "{unit}要负责{item}吗",
        "{item}是{unit}的任务吗",
        "{item}跟{unit}有关吗",
        "{item}里有没有{unit}",
        "{unit}在{item}里吗",
    ),
    "cadence": (
        "{action}多久一次",
        "{action}的频次是多少",
        "多长时间{action}一次",
        "{action}一年几次",
        "{action}多久搞一次",
        "{action}有频次要求吗",
    ),
    "phrase_which": ("{phrase}是哪一条", "“{phrase}”在哪一条"),
    "phrase_who": ("{phrase}谁负责", "{phrase}由哪些单位负责"),
    "plan_year": ("这是哪一年的工作要点", "工作要点是哪年的", "这份要点是哪个年度的"),
    "sufficient": (
        "如果{action}{cadence}{n}次，够吗",
        "{action}{cadence}{n}次够不够",
        "{cadence}{action}{n}次可以吗",
        "{cadence}{action}{n}次行不行",
    ),
    "role_verdict:lead": (
        "{unit}是{item}的牵头单位吗",
        "{item}是{unit}牵头吗",
        "{unit}牵头{item}吗",
    ),
    "role_verdict:supporting": ("{unit}是{item}的配合单位吗", "{item}{unit}是配合单位吗"),
    "item_total": ("工作要点一共几条", "一共有多少条", "要点总共有几条", "总共列了多少条"),
    "follow_role:lead": ("牵头的呢", "那牵头单位是谁", "牵头单位呢"),
    "follow_role:supporting": ("配合的呢", "那配合单位有哪些", "配合单位呢"),
    "group_member": ("{group}包括{unit}吗", "{unit}算不算{group}", "{unit}属于{group}吗"),
    "mentions": ("{item}提到{phrase}了吗", "{item}有没有写{phrase}", "{item}里有“{phrase}”吗"),
    "each_item": (
        "{item}和{item2}分别由谁负责",
        "{item}和{item2}各是谁负责",
        "{item}、{item2}的责任单位各是哪些",
    ),
    "complete": (
        "{item}的责任单位列全了吗",
        "{item}的单位是不是都列出来了",
        "{item}就这几个单位吗",
    ),
    "partial_items": (
        "哪些条目的责任单位没有列全",
        "哪几条的单位没写全",
        "责任单位未逐一列明的是哪几条",
    ),
    "named_count": ("{unit}被点名的有几条", "直接点了{unit}名的有几条", "{unit}列名的条目有多少条"),
    "each_count": ("{a}和{b}各负责几条", "{a}、{b}分别有几条任务"),
    "deadline": ("{action}什么时候截止", "{action}最晚什么时候", "{action}的截止日期是哪天"),
    "deadline_ask": (
        "{topic}最晚什么时候报",
        "{topic}的截止日期是哪天",
        "{topic}几月几号前要完成",
        "{topic}最迟几号",
        "{topic}什么时候交",
    ),
    "deadline_timely:in": (
        "{date}{topic}还来得及吗",
        "{topic}{date}弄来得及吗",
        "要是{date}才{topic}，赶得上吗",
    ),
    "deadline_timely:late": (
        "{date}才{topic}，过期了吗",
        "{topic}拖到{date}算超期吗",
        "{date}{topic}是不是逾期了",
    ),
    "cadence_verdict": (
        "{action}是不是{cadence}一次",
        "{action}要不要{cadence}搞",
        "{action}需不需要{cadence}做",
        "{action}必须{cadence}做吗",
    ),
    "complement_what": ("{unit}不需要做什么", "{unit}不用管什么", "{unit}可以不做啥"),
    "groups_only_named": (
        "哪些条目只写了{group}这类统称，没有具体单位",
        "只写了{group}之类、没点名具体单位的是哪几条",
    ),
    "every_verdict": ("{unit}是不是每条都有", "每一条都有{unit}吗", "{unit}是不是所有条目都要负责"),
    "count_verdict": (
        "{item}是不是有{k}个责任单位",
        "{item}的责任单位是{k}个吗",
        "{item}是不是就{k}家单位负责",
        "{item}有没有{k}个责任单位",
    ),
    "group_verdict": (
        "{item}有没有写{group}",
        "{item}的责任单位里有{group}吗",
        "{item}是不是写了{group}",
        "{item}算不算{group}的任务",
    ),
    "group_count": ("写了{group}的有几条", "{group}一共出现在几条里", "有几条点了{group}"),
    "most_verdict": (
        "{item}是不是责任单位最多的一条",
        "{item}列的单位是不是最多",
        "责任单位最多的是不是{item}",
    ),
    "follow_two": ("这两条{unit}都要负责吗", "这两条都有{unit}吗", "{unit}两条都要做吗"),
    "follow_verdict_unit": ("那{unit}呢", "换成{unit}呢", "{unit}呢"),
    "follow_verdict_item": ("那{item}呢", "{item}呢", "那{item}的呢"),
    "follow_count": ("一共几条", "总共多少条", "那一共有几条"),
    "follow_who": ("谁负责", "这个谁负责", "由哪些单位负责"),
    "off_topic": (
        "今天天气怎么样",
        "食堂几点开饭",
        "会议室在几楼",
        "周末要加班吗",
        "打印机坏了找谁修",
    ),
}

ENGLISH: dict[str, tuple[str, ...]] = {
    "item_text": ("What is {item} about?",),
    "item_units": ("Who is responsible for {item}?",),
    "item_role:lead": ("Who leads {item}?",),
    "item_role:supporting": ("Which units support {item}?",),
    "unit_count": ("How many units are responsible for {item}?",),
    "unit_items": ("Which items is {unit} responsible for?",),
    "unit_role_items:lead": ("Which items does {unit} lead?",),
    "unit_role_items:supporting": ("Which items does {unit} support?",),
    "unit_item_count": ("How many items is {unit} responsible for?",),
    "either": ("Which items name {a} or {b}?",),
    "group_items": ("Which items is {group} responsible for?",),
    "only_groups": ("Which items name no specific unit, only groups?",),
    "cadence_items": ("Which tasks must be done {cadence_en}?",),
    "follow_item": ("What about {item}?",),
    "follow_unit": ("And {unit}?",),
    "most_units": ("Which item lists the most units?",),
    "fewest_units": ("Which item lists the fewest units?",),
    "only_one": ("Which items have only one responsible unit?",),
    "etc_items": ("Which items have a unit list ending in 等?",),
    "both": ("Which items are both {a} and {b} responsible for?",),
    "a_not_b": ("Which items name {a} but not {b}?",),
    "complement": ("Which items does {unit} not need to do?",),
    "named_verdict": ("Is {unit} responsible for {item}?",),
    "cadence": ("How often must {action} be done?",),
    "phrase_which": ("Which item is about {phrase}?",),
    "phrase_who": ("Who is responsible for {phrase}?",),
    "plan_year": ("Which year is this work plan for?",),
    "sufficient": ("Is {action} {n} times {cadence_en} enough?",),
    "role_verdict:lead": ("Does {unit} lead {item}?",),
    "role_verdict:supporting": ("Does {unit} support {item}?",),
    "item_total": ("How many items are there in total?",),
    "follow_role:lead": ("What about the lead units?",),
    "follow_role:supporting": ("What about the supporting units?",),
    "group_member": ("Does {group} include {unit}?",),
    "mentions": ("Does {item} mention {phrase}?",),
    "each_item": ("Who is responsible for {item} and {item2} respectively?",),
    "complete": ("Are all units of {item} listed?",),
    "partial_items": ("Which items do not list all their units?",),
    "named_count": ("How many items name {unit}?",),
    "each_count": ("How many items do {a} and {b} each have?",),
    "deadline": ("When is the deadline for {action}?",),
    "deadline_ask": ("When is {topic} due at the latest?",),
    "deadline_timely:in": ("Is {topic} on {date_en} still in time?",),
    "deadline_timely:late": ("Is {topic} on {date_en} overdue?",),
    "cadence_verdict": ("Must {action} be done {cadence_en}?",),
    "complement_what": ("What does {unit} not need to do?",),
    "groups_only_named": ("Which items name only groups such as {group}, no specific unit?",),
    "every_verdict": ("Is {unit} responsible for every item?",),
    "count_verdict": ("Does {item} have {k} responsible units?",),
    "group_verdict": ("Does {item} name {group}?",),
    "group_count": ("How many items name {group}?",),
    "most_verdict": ("Is {item} the item with the most units?",),
    "follow_two": ("Is {unit} responsible for both of them?",),
    "follow_verdict_unit": ("What about {unit}?",),
    "follow_verdict_item": ("What about {item}?",),
    "follow_count": ("How many items in total?",),
    "follow_who": ("Who is responsible?",),
    "off_topic": ("What's the weather like today?", "When does the canteen open?"),
}

OPERATORS = tuple(dict.fromkeys(k.split(":")[0] for k in TEMPLATES))
_SLOT = re.compile(
    r"\{(item|unit|a|b|phrase|action|group|cadence|cadence_en|n|item2|topic|date|date_en|k)\}"
)
CADENCE_EN = {
    Cadence.MONTHLY: "every month",
    Cadence.QUARTERLY: "every quarter",
    Cadence.HALF_YEARLY: "every half year",
    Cadence.ANNUAL: "every year",
}
PHRASES_PER_PLAN = 120
MAX_PAIRS = 60


@dataclass(frozen=True)
class Binding:
    """The entities one question is about, and the oracle's expectation."""

    operator: str
    template_key: str  # operator, or operator:role
    slots: tuple[tuple[str, object], ...]
    expect: Expectation
    context: tuple[str, ...] = ()  # earlier turns of the conversation (follow-ups)


@dataclass(frozen=True)
class Case:
    plan_id: str
    operator: str
    noise: str
    question: str
    expect: Expectation
    asker: str | None = None  # the unit registered for the asking chat ("我单位")
    context: tuple[str, ...] = ()  # earlier turns, asked first in the same conversation


def _b(
    op: str, exp: Expectation | None, key: str = "", context: tuple[str, ...] = (), **slots: object
) -> list[Binding]:
    if exp is None:
        return []
    return [Binding(op, key or op, tuple(sorted(slots.items())), exp, context)]


def _unique_obligations(f: PlanFacts) -> list:
    obs = f.plan.obligations
    return [
        o
        for o in obs
        if not any(p is not o and (p.action in o.action or o.action in p.action) for p in obs)
    ]


DEADLINE_TOPICS = {  # how officials name a dated obligation (by its kind), besides its label
    "annual_report": ("报送年度报告", "报年度报告", "法治政府建设年度报告"),
    "report_publish": ("公开年度报告", "年度报告向社会公开"),
}


def _topics(ob) -> tuple[str, ...]:  # noqa: ANN001 - an Obligation
    return (ob.action, *DEADLINE_TOPICS.get(ob.kind, ()))


def bindings(f: PlanFacts, op: str, seed: int = 19) -> list[Binding]:
    """Every combination of the plan's entities ``op`` can be asked about (pairs capped)."""
    out: list[Binding] = []
    nums, units = f.numbers, f.units
    pairs = list(permutations(units, 2))
    random.Random(f"{f.plan_id}:{op}:{seed}").shuffle(pairs)
    if op == "item_text":
        for n in nums:
            out += _b(op, oracle.item_text(f, n), item=n)
    elif op == "item_units":
        for n in nums:
            out += _b(op, oracle.item_units(f, n), item=n)
    elif op == "item_role":
        for n in nums:
            for role in (LEAD, SUPPORT):
                out += _b(op, oracle.item_role(f, n, role), f"{op}:{role.value}", item=n)
    elif op == "unit_count":
        for n in nums:
            out += _b(op, oracle.unit_count(f, n), item=n)
    elif op == "unit_items":
        for u in units:
            out += _b(op, oracle.unit_items(f, u), unit=u)
    elif op == "unit_role_items":
        for u in units:
            for role in (LEAD, SUPPORT):
                out += _b(op, oracle.unit_role_items(f, u, role), f"{op}:{role.value}", unit=u)
    elif op == "follow_item":  # 第十四条谁负责 → 那第十五条呢
        for n, m in permutations(nums, 2):
            first = f"{item_ref(n, 'cn')}谁负责"
            out += _b(op, oracle.item_units(f, m), context=(first,), item=m)
        random.Random(f"{f.plan_id}:{op}:{seed}").shuffle(out)
        out = out[:MAX_PAIRS]
    elif op == "follow_unit":  # 区司法局有哪些任务 → 那区财政局呢
        for a, b in pairs[: MAX_PAIRS * 2]:
            out += _b(op, oracle.unit_items(f, b), context=(f"{a}有哪些任务",), unit=b)
    elif op == "unit_item_count":
        for u in units:
            out += _b(op, oracle.unit_item_count(f, u), unit=u)
    elif op == "group_items":
        groups = dict.fromkeys(r.name for it in f.plan.items for r in it.units if r.is_group)
        groups.pop(ETC_NAME, None)
        for g in groups:
            out += _b(op, oracle.group_items(f, g), group=g)
    elif op == "cadence_items":
        for c, label in CADENCE_LABELS.items():
            if c in CADENCE_EN:
                exp = oracle.cadence_items(f, c)
                out += _b(op, exp, cadence=label, cadence_en=CADENCE_EN[c])
    elif op in ("most_units", "fewest_units", "only_one", "only_groups", "etc_items", "plan_year"):
        out += _b(op, getattr(oracle, op)(f))
    elif op in ("both", "a_not_b", "either"):
        fn = getattr(oracle, op)
        for a, b in pairs:
            out += _b(op, fn(f, a, b), a=a, b=b)
            if len(out) >= MAX_PAIRS:
                break
    elif op == "complement":
        for u in units:
            out += _b(op, oracle.complement(f, u), unit=u)
    elif op == "named_verdict":
        for n in nums:
            for u in units:
                out += _b(op, oracle.named_verdict(f, n, u), item=n, unit=u)
        random.Random(f"{f.plan_id}:{op}:{seed}").shuffle(out)
        out = out[: MAX_PAIRS * 2]
    elif op == "cadence":
        for ob in _unique_obligations(f):
            out += _b(op, oracle.cadence(f, ob), action=ob.action)
    elif op == "sufficient":  # the count required, one less, one more
        for ob in _unique_obligations(f):
            if ob.cadence in CADENCE_EN:
                for n in sorted({ob.need - 1, ob.need, ob.need + 1} - {0}):
                    label, en = CADENCE_LABELS[ob.cadence], CADENCE_EN[ob.cadence]
                    exp = oracle.sufficient(f, ob, n)
                    out += _b(op, exp, action=ob.action, cadence=label, cadence_en=en, n=n)
    elif op == "role_verdict":
        for n in nums:
            for u in f.named_units(f.item(n)):
                for role in (LEAD, SUPPORT):
                    exp = oracle.role_verdict(f, n, u, role)
                    out += _b(op, exp, f"{op}:{role.value}", item=n, unit=u)
    elif op == "item_total":
        out += _b(op, oracle.item_total(f))
    elif op == "follow_role":  # 第六条谁负责 → 牵头的呢
        for n in nums:
            for role in (LEAD, SUPPORT):
                exp = oracle.item_role(f, n, role)
                ctx = (f"{item_ref(n, 'cn')}谁负责",)
                out += _b(op, exp, f"{op}:{role.value}", context=ctx)
    elif op == "group_member":
        groups = dict.fromkeys(r.name for it in f.plan.items for r in it.units if r.is_group)
        for g in groups:
            for u in units:
                out += _b(op, oracle.group_member(f, g, u), group=g, unit=u)
        random.Random(f"{f.plan_id}:{op}:{seed}").shuffle(out)
        out = out[:MAX_PAIRS]
    elif op == "mentions":  # the phrase's own item (yes) and the next one (no)
        for phrase, n in sample(f.plan, PHRASES_PER_PLAN // 2, seed):
            for m in (n, nums[(nums.index(n) + 1) % len(nums)]):
                out += _b(op, oracle.mentions(f, m, phrase), item=m, phrase=phrase)
    elif op == "each_item":
        for n, m in list(permutations(nums, 2))[: MAX_PAIRS * 4 : 3]:
            out += _b(op, oracle.each_item(f, n, m), item=n, item2=m)
    elif op == "complete":
        for n in nums:
            out += _b(op, oracle.complete(f, n), item=n)
    elif op == "partial_items":
        out += _b(op, oracle.partial_items(f))
    elif op == "named_count":
        for u in units:
            out += _b(op, oracle.named_count(f, u), unit=u)
    elif op == "each_count":
        for a, b in pairs[:MAX_PAIRS]:
            out += _b(op, oracle.each_count(f, a, b), a=a, b=b)
    elif op == "deadline":
        for ob in _unique_obligations(f):
            out += _b(op, oracle.deadline(f, ob), action=ob.action)
    elif op in ("deadline_ask", "deadline_timely"):
        for ob in _unique_obligations(f):
            if ob.deadline is None:
                continue
            dl = ob.deadline
            for topic in _topics(ob):
                if op == "deadline_ask":
                    out += _b(op, oracle.deadline_only(f, ob), topic=topic)
                    continue
                before = (dl.month, dl.day - 10) if dl.day > 10 else (dl.month - 1, 20)
                for mm, dd in (before, (dl.month, min(dl.day + 9, 28))):
                    for late in (False, True):
                        exp = oracle.deadline_timely(f, ob, mm, dd, late)
                        key = f"{op}:{'late' if late else 'in'}"
                        out += _b(
                            op, exp, key, topic=topic, date=f"{mm}月{dd}日", date_en=f"{mm}/{dd}"
                        )
    elif op == "complement_what":
        for u in units:
            out += _b(op, oracle.complement(f, u), unit=u)
    elif op == "groups_only_named":
        exp = oracle.only_groups(f)
        groups = {r.name for it in f.plan.items if not f.named_units(it) for r in it.units}
        for g in sorted(groups - {ETC_NAME}):
            out += _b(op, exp, group=g)
    elif op == "every_verdict":
        for u in units:
            out += _b(op, oracle.every_verdict(f, u), unit=u)
    elif op == "count_verdict":
        for n in nums:
            size = len(f.named_refs(f.item(n)))
            for k in {max(1, size - 1), size, size + 1}:
                out += _b(op, oracle.count_verdict(f, n, k), item=n, k=k)
    elif op in ("group_verdict", "group_count"):
        groups = dict.fromkeys(r.name for it in f.plan.items for r in it.units if r.is_group)
        groups.pop(ETC_NAME, None)
        for g in groups:
            if op == "group_count":
                out += _b(op, oracle.group_count(f, g), group=g)
                continue
            for n in nums:
                out += _b(op, oracle.group_named_verdict(f, n, g), item=n, group=g)
        random.Random(f"{f.plan_id}:{op}:{seed}").shuffle(out)
        out = out[:MAX_PAIRS]
    elif op == "most_verdict":
        for n in nums:
            out += _b(op, oracle.most_named_verdict(f, n), item=n)
    elif op == "cadence_verdict":
        for ob in _unique_obligations(f):
            for c, label in CADENCE_LABELS.items():
                if c in CADENCE_EN:
                    exp = oracle.cadence_verdict(f, ob, c)
                    out += _b(op, exp, action=ob.action, cadence=label, cadence_en=CADENCE_EN[c])
    elif op == "follow_two":  # 第三条谁负责 → 第五条谁负责 → 这两条都有区司法局吗
        for n, m in list(permutations(nums, 2))[::7]:
            ctx = (f"{item_ref(n, 'cn')}谁负责", f"{item_ref(m, 'cn')}谁负责")
            for u in units[:: max(1, len(units) // 4)]:
                exp = oracle.both_items_verdict(f, n, m, u)
                out += _b(op, exp, context=ctx, unit=u)
        random.Random(f"{f.plan_id}:{op}:{seed}").shuffle(out)
        out = out[:MAX_PAIRS]
    elif op == "follow_verdict_unit":  # 区财政局要负责第三条吗 → 那区司法局呢
        for n in nums:
            for a, b in pairs[:6]:
                ctx = (f"{a}要负责{item_ref(n, 'cn')}吗",)
                out += _b(op, oracle.named_verdict(f, n, b), context=ctx, unit=b)
    elif op == "follow_verdict_item":  # 区财政局要负责第三条吗 → 那第五条呢
        for n, m in list(permutations(nums, 2))[::5]:
            u = units[(n * 7 + m) % len(units)]
            ctx = (f"{u}要负责{item_ref(n, 'cn')}吗",)
            out += _b(op, oracle.named_verdict(f, m, u), context=ctx, item=m)
    elif op == "follow_count":  # 区司法局有哪些任务 → 一共几条
        for u in units:
            exp = oracle.unit_item_count(f, u)
            out += _b(op, exp, context=(f"{u}有哪些任务",))
    elif op == "follow_who":  # 学法多久一次 → 谁负责
        for ob in _unique_obligations(f):
            exp = oracle.item_units(f, ob.item)
            out += _b(op, exp, context=(f"{ob.action}多久一次",))
    elif op == "off_topic":  # 区司法局有哪些任务 → 今天天气怎么样
        for u in units[:MAX_PAIRS]:
            out += _b(op, oracle.off_topic(f), context=(f"{u}有哪些任务",))
    elif op in ("phrase_which", "phrase_who"):
        fn = getattr(oracle, op)
        for phrase, n in sample(f.plan, PHRASES_PER_PLAN, seed):
            out += _b(op, fn(f, n), phrase=phrase, item=n)
    return out


def render(template: str, slots: dict[str, object], english: bool = False) -> Segments:
    segs: list[Segment] = []
    pos = 0
    for m in _SLOT.finditer(template):
        if m.start() > pos:
            segs.append(Segment(template[pos : m.start()]))
        name = m.group(1)
        value = slots[name]
        if name in ("item", "item2"):
            segs.append(Segment(item_ref(int(value), "en" if english else "cn"), "item", value))
        elif name in ("unit", "a", "b", "group"):
            segs.append(Segment(str(value), "unit", value))
        else:
            segs.append(Segment(str(value), name, value))
        pos = m.end()
    if pos < len(template):
        segs.append(Segment(template[pos:]))
    return tuple(segs)


def ask(f: PlanFacts, b: Binding, noise: str, rng: random.Random) -> tuple[str, str | None] | None:
    """The question for ``b`` with ``noise`` and the asking chat's unit (when the question says
    我单位), or None when the noise does not apply."""
    slots = dict(b.slots)
    english = noise == "english"
    table = ENGLISH if english else TEMPLATES
    segs = render(rng.choice(table[b.template_key]), slots, english)
    fn = NOISES[noise]
    if fn is not None:
        ctx = {"aliases": f.aliases, "year": f.year, "english": english, "units": f.units}
        ctx["operator"] = b.operator
        noisy = fn(segs, rng, ctx)
        if noisy is None:
            return None
        segs = noisy
    text = join(segs)
    asker = next((str(s.value) for s in segs if s.kind == "self"), None)
    if not english:
        text = text.rstrip("？?") + ("？" if text[-1] not in "呢啊呀吗" else "")
    return text, asker


def generate(plans: list[PlanFacts], size: int, seed: int = 19) -> Iterator[Case]:
    """About ``size`` questions spread evenly over plans × operators × noise kinds; the same
    seed gives the same questions. Combinations a plan cannot ask are skipped."""
    cells = len(plans) * len(OPERATORS) * len(NOISES)
    quota = max(1, -(-size // cells))
    for f in plans:
        for op in OPERATORS:
            pool = bindings(f, op, seed)
            if not pool:
                continue
            for noise in NOISES:
                rng = random.Random(f"{seed}:{f.plan_id}:{op}:{noise}")
                order = pool[:]
                rng.shuffle(order)
                seen: set[str] = set()
                for attempt in range(quota * 6):
                    if len(seen) >= quota:
                        break
                    b = order[attempt % len(order)]
                    asked = ask(f, b, noise, rng)
                    if asked is None or asked[0] in seen:
                        continue
                    seen.add(asked[0])
                    yield Case(f.plan_id, op, noise, asked[0], b.expect, asked[1], b.context)
