"""Items by a relation between them and units (named, responsible through a group, lacking,
the only one, not shared), for one unit, several (and / or / each) or none, listed or counted;
and several topics asked at once (普法和信访各由谁负责)."""

from __future__ import annotations

from knowledge.plan.model import CATEGORY_LABELS, ETC_NAME
from knowledge.qa.answer.answerer import Answerer
from knowledge.qa.answer.families import fill, target_of
from knowledge.qa.answer.shape import SHAPES, shape
from knowledge.qa.index.plan_index import PlanIndex, Target
from knowledge.qa.query.conversation import Turn
from knowledge.qa.query.form import Query
from knowledge.qa.result.answer import Answer, Intent, ItemDuty, Quote
from knowledge.qa.text import render as R


def relation(a: Answerer, query: Query, turn: Turn | None) -> Answer:
    if query.relation in SHAPES:
        return shape(a, query)
    fill(a, query)
    p = a.p
    targets: list[Target] = []
    if query.units and query.relation != "no_group":
        targets = [
            a.target
            if not i and "units" not in query.from_context and a.target and a.target.name == u
            else target_of(a, u)
            for i, u in enumerate(query.units)
        ]
    elif query.self_unit or query.relation in ("named", "not_shared", "responsible"):
        if query.self_unit and not query.units:
            a.target = a.e.target_for("unit", a.chat_unit) if a.chat_unit else None
        if a.target is None and a.chat_unit and not query.self_unit:
            a.target = a.e.target_for("unit", a.chat_unit)
        if a.target is None:
            a.needs_unit = query.self_unit or a.needs_unit
            text = "" if a.needs_unit else "请说明是哪个单位，例如“哪几条点了区财政局的名”。"
            return a.build_answer(Intent.UNIT_DUTIES, [], text)
        targets = [a.target]
    rel = query.relation or "responsible"
    scope = set(query.within or query.items)
    if query.op == "each" and len(targets) > 1:
        return _each_unit(a, query, targets)
    nums: list[int] = []
    duties: list[ItemDuty] = []
    # each target's duties once (cached per target): the loop below is dictionary lookups
    kinds = [{d.item: d for d in p.duties(t)} for t in targets]
    sure = [{n for n, d in k.items() if d.kind in ("named", "group")} for k in kinds]
    for pos, it in enumerate(p.items):
        refs = it.units
        if scope and it.number not in scope:
            continue
        if rel == "no_group":
            ok = bool(refs) and not any(r.is_group or r.partial or r.name == ETC_NAME for r in refs)
        elif rel == "only":
            real = [r for r in refs if not r.is_group and not r.partial and r.name != ETC_NAME]
            ok = len(refs) == 1 and len(real) == 1
        elif rel in ("lacks", "unlisted"):
            t = targets[0]
            literal = t.kind == "group" and rel == "unlisted"
            ok = not _named(p, t, pos) if literal else it.number not in kinds[0]
        elif rel in ("named", "not_shared"):
            ok = _combine([_named(p, t, pos) for t in targets], query.op)
        else:
            ok = _combine([it.number in x for x in sure], query.op)
        if ok and query.role and targets:
            d = kinds[0].get(it.number)
            ok = d is not None and d.role == query.role  # 牵头的 / 配合的
        if ok:
            nums.append(it.number)
            if targets and rel not in ("lacks", "unlisted"):
                d = kinds[0].get(it.number)
                duties.append(d or ItemDuty(it.number, it.title, "none"))
    names = [t.name if t.kind != "category" else _cat_name(t) for t in targets]
    who = ("或" if query.op == "or" else "和").join(names)
    if query.op == "minus":
        who = f"{names[0]}（而非{'、'.join(names[1:])}）"
    phrase = {
        "no_group": "责任单位只列具体单位、没有写单位类别（如区直各单位、各镇(街、区)）的条目",
        "only": "只有一个责任单位的条目",
        "lacks": f"{who}不在责任单位之列的条目",
        "unlisted": f"责任单位中没有写“{who}”的条目",
        "named": f"{'都' if len(targets) > 1 and query.op == 'and' else ''}列名{who}的条目",
        "not_shared": f"{who}除“区直各单位”等共性条目外、被单独列名的条目",
        "responsible": f"{who}{'都' if len(targets) > 1 and query.op != 'or' else ''}负责的条目（含通过区直各单位等类别负责的）",
    }[rel]
    head = f"没有{phrase}。" if not nums else f"{phrase}共{len(nums)}条：{R.numbers(nums)}。"
    lines = [head]
    if query.ask == "count" or len(nums) > 12:
        lines.extend(f"{R.item_heading(a.p.item_at(n))}" for n in nums[: R.MAX_LISTED])
    else:
        for n in nums:
            lines.append(
                f"{R.item_heading(a.p.item_at(n))}\n  {R.units_line(p.units_lines[p.position[n]])}"
            )
    if scope:
        lines[0] = f"在{R.numbers(sorted(scope))}中，" + lines[0]
    if rel == "named" and len(targets) > 1 and query.op == "and":
        listed = set(nums)
        shared = sorted(set.intersection(*sure) - listed, key=p.position.__getitem__)
        if shared:
            lines.append(f"另外，通过区直各单位等单位类别，两者都负责：{R.numbers(shared)}。")
    intent = Intent.UNIT_DUTIES if targets and rel not in ("lacks", "unlisted") else Intent.ITEMS
    return a.build_answer(
        intent,
        nums,
        "\n".join(lines),
        duties=tuple(duties),
        quotes=tuple(Quote(n, a.p.item_at(n).title + "。") for n in nums[: R.MAX_LISTED]),
    )


def _each_unit(a: Answerer, query: Query, targets: list[Target]) -> Answer:
    """区法院和区检察院各负责几条: each unit's items, one line each."""
    lines, nums = [], []
    for t in targets:
        kinds = ("named",) if query.relation == "named" else ("named", "group")
        mine = [d for d in a.p.duties(t) if d.kind in kinds]
        named = [d.item for d in mine if d.kind == "named"]
        head = f"{t.name}负责{len(mine)}条（列名{len(named)}条）：{R.numbers([d.item for d in mine])}。"
        lines.append(head)
        nums.extend(d.item for d in mine if d.item not in nums)
    nums.sort(key=a.p.position.__getitem__)
    return a.build_answer(Intent.UNIT_DUTIES, nums, "\n".join(lines))


def _combine(flags: list[bool], op: str) -> bool:
    """and (all), or (any), minus (the first without the others)."""
    if op == "minus":
        return flags[0] and not any(flags[1:])
    return all(flags) if op != "or" else any(flags)


def _cat_name(t: Target) -> str:
    cat = next(iter(t.categories))
    return CATEGORY_LABELS.get(cat, t.name) if t.name == cat.value else t.name


def _named(p: PlanIndex, t: Target, pos: int) -> bool:
    """The item's list writes the unit or group; for a category (镇), a whole group of it."""
    refs = p.items[pos].units
    if t.kind == "category":
        groups = [p.directory.groups.get(r.name) for r in refs if r.is_group and not r.partial]
        return any(g is not None and t.categories <= set(g.categories) for g in groups)
    return any(ref.name == t.name for ref in refs)


# -- several topics at once -------------------------------------------------------------------
def each(a: Answerer, query: Query) -> Answer:
    parts: list[str] = []
    nums: list[int] = []
    quotes: list[Quote] = []
    obligations = []
    for topic in query.topics:
        mentions = [m for m in a.e.mentions.find(topic) if m.kind == "unit"]
        if mentions and len(mentions[0].spelling) >= len(topic) - 1:
            found = _unit_items(a, mentions[0].name)[:1]
        else:
            a.set_topic(topic)
            found = a.topic_items()[:1] or _unit_items(a, topic)[:1]
        if not found:
            parts.append(f"{topic}：工作要点中没有相关内容。")
            continue
        n = found[0]
        nums.append(n)
        pos = a.p.position[n]
        it = a.p.item_at(n)
        if query.ask == "cadence":
            obs = a.obligations_due([n])
            lines = [f"{topic}：{R.item_heading(it)}"]
            lines += [R.obligation_line(o) for o in obs] or ["  文件对此没有规定次数或期限。"]
            obligations.extend(obs)
            parts.append("\n".join(lines))
        else:
            parts.append(f"{topic}：{R.item_heading(it)}\n  {R.units_line(a.p.units_lines[pos])}")
        quotes.append(Quote(n, a.p.best_sentence(pos, a.q.terms) + "。"))
    intent = Intent.CADENCE if query.ask == "cadence" else Intent.WHO
    if not nums:
        return a.out_of_scope()
    return a.build_answer(
        intent, nums, "\n".join(parts), quotes=tuple(quotes), obligations=tuple(obligations)
    )


def _unit_items(a: Answerer, word: str) -> list[int]:
    """信访 → the items naming 区信访局 (a topic that is a unit's field of work)."""
    names = [u for u in a.e.directory.units if word in u]
    return [it.number for it in a.p.items if any(ref.name in names for ref in it.units)]
