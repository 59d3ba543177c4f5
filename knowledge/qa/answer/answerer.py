"""The answer families a question's analysis is enough for: an item, a unit's duties (all of
them, or in one item), who is responsible, how often, a topic, the overview, and the refusal
when the document does not cover the question. :mod:`.execute` runs the other families over
the same answerer."""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.qa.answer.evidence import evidence
from knowledge.qa.query.analysis import Analysis
from knowledge.qa.result.answer import Answer, Intent, ItemDuty, ItemInfo, ObligationDue, Quote
from knowledge.qa.text import render as R
from knowledge.qa.text.render import category_label

_CADENCE_WORDS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"季度|一季"), frozenset({"quarterly"})),
    (re.compile(r"每月|每个月|一个月"), frozenset({"monthly"})),
    (re.compile(r"半年"), frozenset({"half_yearly"})),
    (re.compile(r"每年|一年|年度内|全年"), frozenset({"annual", "once"})),
)


class Answerer(Analysis):
    """One question's answer: the analysis of the question, then one answer family."""

    def run(self) -> Answer:
        """The answer of the question as it stands (no conversation, no records)."""
        self.analyse()
        return self.respond(self.intent())

    def respond(self, intent: Intent) -> Answer:
        """Answer with ``intent`` over ``in_range`` / ``target`` (possibly filled in)."""
        if len({x.name for x in self.unit_mentions}) > 1 and intent in (
            Intent.UNIT_ITEM,
            Intent.UNIT_DUTIES,
        ):
            m = self.unit_mentions[0]
            others = "、".join(dict.fromkeys(x.spelling for x in self.unit_mentions[1:]))
            self.notes.append(f"问题中提到多个单位，先回答“{m.spelling}”；{others}请分别提问。")
        if self.out_of_range:
            self.notes.append(
                f"本工作要点共{self.n_items}条，没有{'、'.join(R.item_label(n) for n in self.out_of_range)}。"
            )
        handler = {
            Intent.ITEM: self.item,
            Intent.UNIT_ITEM: self.unit_item,
            Intent.UNIT_DUTIES: self.unit_duties,
            Intent.WHO: self.who,
            Intent.CADENCE: self.cadence,
            Intent.OVERVIEW: self.overview,
            Intent.TOPIC: self.topic,
        }[intent]
        return handler()

    # -- builders ------------------------------------------------------------------------------
    def build_answer(self, intent: Intent, items: Sequence[int], text: str, **kw) -> Answer:  # noqa: ANN003
        notes = tuple(dict.fromkeys(self.notes))
        full = "\n".join([text, *notes]) if notes else text
        if self.needs_unit and R.REGISTER_HINT not in full:
            full += "\n" + R.REGISTER_HINT
        info = tuple(self._info(n) for n in items[: R.MAX_LISTED])
        unit_name = self.target.name if self.target else None
        return Answer(
            question=self.q.raw,
            intent=intent,
            items=tuple(items),
            unit=unit_name,
            text=full.strip(),
            plan_id=self.p.plan.plan_id,
            unit_source=self.unit_source if self.target else "",
            unit_kind=self.target.kind if self.target else "",
            item_info=info,
            notes=notes,
            needs_unit=self.needs_unit,
            **kw,
        )

    def _info(self, number: int) -> ItemInfo:
        pos = self.p.position[number]
        it = self.p.items[pos]
        return ItemInfo(it.number, it.title, self.p.units_lines[pos])

    def obligations_due(self, numbers: Sequence[int]) -> tuple[ObligationDue, ...]:
        """The items' obligations; for a unit, only those that bind it."""
        target = getattr(self, "target", None)
        unit = target.name if target is not None and target.name in self.p.directory.units else None
        return self.p.obligations_due(numbers, unit, self.today)

    def full_text(self, number: int) -> str:
        pos = self.p.position[number]
        return R.item_full(self.p.items[pos], self.p.units_lines[pos])

    def _topic_label(self) -> str:
        """The question as asked (cue words stripped from it read badly: 数字政府建设有)."""
        raw = self.q.raw.strip()
        raw = raw.rstrip("？?。.!！ ") or raw
        return raw if len(raw) <= 30 else raw[:29] + "…"

    # -- intents -------------------------------------------------------------------------------
    def item(self) -> Answer:
        nums = self.in_range
        if not nums:
            return self.build_answer(Intent.ITEM, [], "请告诉我条目编号，例如“第十四条讲什么”。")
        parts = [self.full_text(n) for n in nums[:5]]
        if len(nums) > 5:
            parts.append(f"（另有{R.numbers(nums[5:])}，请分别查询。）")
        if self.chat_unit:
            target = self.e.target_for("unit", self.chat_unit)
            parts.append(
                "\n".join(
                    R.duty_phrase(self.p.duty(target, self.p.position[n]), self.chat_unit)
                    for n in nums[:5]
                )
            )
        return self.build_answer(
            Intent.ITEM, nums, "\n\n".join(parts), quotes=self.p.quotes(nums[:5])
        )

    def unit_item(self) -> Answer:
        nums = self.in_range or self.topic_items()[:1]
        if not nums:
            if self.q.refs:  # only out-of-range references
                return self.build_answer(Intent.UNIT_ITEM, [], "")
            return self.unit_duties()
        if self.needs_unit or self.target is None:
            text = "\n\n".join(self.full_text(n) for n in nums[:5])
            if self.unknown:
                text = self._unknown_text() + "\n\n" + text
            return self.build_answer(Intent.UNIT_ITEM, nums, text, quotes=self.p.quotes(nums[:5]))
        duties = []
        parts = []
        obligations: list[ObligationDue] = []
        for n in nums[:5]:
            pos = self.p.position[n]
            d = self.p.duty(self.target, pos)
            duties.append(d)
            it = self.p.items[pos]
            block = [R.item_heading(it), R.duty_phrase(d, self.target.name)]
            block.append(
                ("本条任务：\n" if d.kind != "none" else "本条内容（供参考）：\n")
                + R.tasks_list(it)
            )
            if d.kind != "none":
                obs = self.obligations_due([n])
                obligations.extend(obs)
                if obs:
                    block.append(R.obligations_block(obs))
            block.append(R.units_line(self.p.units_lines[pos]))
            parts.append("\n".join(block))
        return self.build_answer(
            Intent.UNIT_ITEM,
            nums,
            "\n\n".join(parts),
            duties=tuple(duties),
            obligations=tuple(obligations),
            quotes=self.p.quotes(nums[:5]),
        )

    def _unknown_text(self) -> str:
        cands = getattr(self, "candidates", ())
        hint = f"是否指：{'、'.join(cands)}？" if cands else "请检查单位名称。"
        return f"单位名录中没有“{self.unknown}”。{hint}"

    def unit_duties(self) -> Answer:
        if self.needs_unit:
            return self.build_answer(Intent.UNIT_DUTIES, [], "")
        if self.target is None:
            cands = getattr(self, "candidates", ())
            return self.build_answer(
                Intent.UNIT_DUTIES, [], self._unknown_text(), candidates=tuple(cands)
            )
        t = self.target
        duties = self.p.duties(t)
        sure = [d for d in duties if d.kind in ("named", "group")]
        maybe = [d for d in duties if d.kind == "partial"]
        nums = [d.item for d in sure]
        who = t.name
        if t.kind == "category":
            label = category_label(next(iter(t.categories)))
            who = f"各{label}" if t.name == label else f"{t.name}（按{label}）"
        if sure:
            lines = [R.duties_head(who, sure, category=t.kind == "category"), R.duty_list(sure)]
        else:
            lines = [f"工作要点没有把{who}列为任何条目的责任单位。"]
        if self.self_category:  # 我们镇 in a chat without a unit: which one?
            label = category_label(next(iter(t.categories)))
            lines.insert(
                1,
                f"下面是各{label}共同的工作。要看某一个{label}的，请直接问“××{label}要做什么”，"
                f"或发送 /unit {label}的名称 登记本群后再问“我们{label}要做什么”。",
            )
        elif self.self_kind_mismatch:  # 我们镇 in 区司法局's chat: the chat's unit answers
            lines.insert(
                0,
                f"本群登记的单位是{t.name}（不是{self.self_kind_mismatch}），以下是{t.name}的工作；"
                "如登记有误，请用 /unit 更正。",
            )
        if maybe:
            lines.append(
                "可能涉及（责任单位写“区直有关…”或“…等部门”，文件未逐一列明）："
                + "、".join(R.item_label(d.item) for d in maybe[: R.MAX_LISTED])
            )
        obligations = self.obligations_due(nums[: R.MAX_LISTED])
        if obligations:
            lines.append(R.obligations_block(obligations))
        lines.append("发送“第N条 我单位要做什么”可查看某一条的具体任务。")
        quotes = tuple(Quote(d.item, d.title + "。") for d in sure[: R.MAX_LISTED])
        return self.build_answer(
            Intent.UNIT_DUTIES,
            nums,
            "\n".join(lines),
            duties=duties,
            possible_items=tuple(d.item for d in maybe),
            obligations=obligations,
            quotes=quotes,
        )

    def who(self) -> Answer:
        nums = self.in_range or self.topic_items()[:3]
        if not nums:
            if self.q.refs:
                return self.build_answer(Intent.WHO, [], "")
            return self.out_of_scope()
        parts = []
        quotes = []
        for i, n in enumerate(nums):
            pos = self.p.position[n]
            it = self.p.items[pos]
            lines = self.p.units_lines[pos]
            if i == 0 or self.in_range:
                block = [R.item_heading(it), R.units_line(lines)]
                for u in lines:
                    if u.is_group and u.description:
                        block.append(f"（{u.raw or u.name}：{u.description}）")
                sentence = self.p.best_sentence(pos, self.q.terms) if self.q.terms else it.title
                block.append(f"原文：“{sentence}。”")
                quotes.append(Quote(n, sentence + "。"))
                parts.append("\n".join(block))
            else:
                parts.append(f"相关：{R.item_heading(it)}，{R.units_line(lines)}")
        return self.build_answer(Intent.WHO, nums, "\n\n".join(parts), quotes=tuple(quotes))

    def cadence(self) -> Answer:
        scope = self.in_range or None
        obligations = self.p.obligations
        if scope:
            pool = [i for i, o in enumerate(obligations) if o.item in scope]
        else:
            pool = list(range(len(obligations)))
        chosen: list[int] = []
        terms = self.e.search_terms(self.p, self.q.topic) if self.q.topic else []
        if terms and pool:
            scores = self.p.obl_index.scores(terms)
            ranked = sorted((i for i in pool if scores[i] > 0), key=lambda i: -scores[i])
            if ranked:
                best = scores[ranked[0]]
                cov = self.p.obl_index.coverage(terms, ranked[0])
                # a synonym stands for the words it replaces (学习法律 → 学法): score the
                # expansion on its own too, so the paraphrase does not dilute the coverage
                expansion = self.e.lexicon.expand(self.p.index.repair(self.q.topic))
                if expansion:
                    exp_terms = self.p.index.terms(expansion)
                    cov = max(cov, self.p.obl_index.coverage(exp_terms, ranked[0]))
                if cov >= 0.3 or scope:
                    chosen = [i for i in ranked if scores[i] >= 0.6 * best]
        if not chosen and (not self.q.topic.strip("，") or not (self.has_topic or self.literal)):
            wanted: set[str] = set()
            for pattern, cads in _CADENCE_WORDS:
                if pattern.search(self.q.text):
                    wanted |= cads
            chosen = [i for i in pool if obligations[i].cadence.value in wanted] or (
                pool if scope else []
            )
        chosen.sort()  # document order: 3月1日 report before 4月1日 publication
        if not chosen:
            return self._no_cadence()
        obs = [obligations[i] for i in chosen]
        nums = list(dict.fromkeys(o.item for o in obs))
        keys = {o.key for o in obs}
        due = [d for d in self.obligations_due(nums) if d.key in keys]
        due.sort(key=lambda d: [o.key for o in obs].index(d.key))
        lines = []
        for d in due:
            count = f"至少{d.min_count}次" if d.min_count else ""
            head = f"{R.item_label(d.item)}：{d.action}，{d.cadence_label}{count}。"
            if d.subject:
                head += f"（对象：{d.subject}）"
            lines.append(head)
            lines.append(R.quote_source(d))
            if d.next_due:
                lines.append(f"下一截止日：{d.next_due.isoformat()}（{d.due_rule}）")
            elif d.due_rule:
                lines.append(f"时间：{d.due_rule}")
        duties: tuple[ItemDuty, ...] = ()
        if self.target is not None:
            duties = tuple(self.p.duty(self.target, self.p.position[n]) for n in nums)
            lines.extend(R.duty_phrase(d, self.target.name) for d in duties)
        return self.build_answer(
            Intent.CADENCE,
            nums,
            "\n".join(lines),
            obligations=tuple(due),
            duties=duties,
            quotes=tuple(Quote(d.item, d.text) for d in due),
        )

    def _no_cadence(self) -> Answer:
        """A how-often question the document sets no frequency or deadline for."""
        if self.target is not None or self.needs_unit:
            if self.in_range or self.topic_items():
                self.notes.append("文件对此没有规定次数或期限。")
                return self.unit_item()
            return self.unit_duties()
        if self.in_range:
            self.notes.append("文件对此没有规定次数或期限。")
            return self.item()
        nums = self.topic_items()
        if not nums:
            return self.out_of_scope()
        label = self._topic_label()
        lines = [f"工作要点没有对“{label}”规定次数或期限，不作推断。相关条目："]
        quotes = []
        for n in nums[:3]:
            pos = self.p.position[n]
            s = self.p.best_sentence(pos, self.q.terms)
            quotes.append(Quote(n, s + "。"))
            lines.append(f"{R.item_heading(self.p.items[pos])}\n  原文：“{s}。”")
        return self.build_answer(Intent.CADENCE, nums[:3], "\n".join(lines), quotes=tuple(quotes))

    def topic(self) -> Answer:
        nums = self.topic_items()
        if not nums:
            return self.out_of_scope()
        label = self._topic_label()
        lines = [f"与“{label}”相关的条目："]
        quotes = []
        for rank, n in enumerate(nums, 1):
            pos = self.p.position[n]
            it = self.p.items[pos]
            s = self.p.best_sentence(pos, self.q.terms)
            quotes.append(Quote(n, s + "。"))
            lines.append(
                f"{rank}. {R.item_heading(it)}\n   原文：“{s}。”\n   {R.units_line(self.p.units_lines[pos])}"
            )
        return self.build_answer(Intent.TOPIC, nums, "\n".join(lines), quotes=tuple(quotes))

    def out_of_scope(self) -> Answer:
        label = self._topic_label()
        found = evidence(self.p, self.q.topic, self.q.terms, label)
        if found is not None:
            nums, text, quotes = found
            return self.build_answer(Intent.TOPIC, nums, text, quotes=quotes)
        suggestions = [self.p.items[h.doc].number for h in self.hits[:3]]
        lines = [f"工作要点中没有关于“{label}”的内容，无法回答，也不作推断。"]
        if suggestions:
            lines.append("最接近的条目：")
            lines.extend(R.item_heading(self.p.item_at(n)) for n in suggestions)
        else:
            lines.append(
                "可以这样问：“第十四条讲什么”“司法局有哪些任务”“行政复议改革谁负责”“每季度要学法几次”。"
            )
        return self.build_answer(
            Intent.OUT_OF_SCOPE, [], "\n".join(lines), suggestions=tuple(suggestions)
        )

    def overview(self) -> Answer:
        meta = self.p.plan.meta
        title = meta.title or self.p.plan.plan_id
        lines = [f"《{title}》共{self.n_items}条："]
        lines.extend(R.item_heading(it) for it in self.p.items[: R.MAX_LISTED])
        if self.n_items > R.MAX_LISTED:
            lines.append(f"……（共{self.n_items}条）")
        return self.build_answer(Intent.OVERVIEW, [], "\n".join(lines))
