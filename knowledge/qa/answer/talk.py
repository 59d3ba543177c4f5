"""Answers that are not about the items: small talk, the document's own facts (文号, issuer,
date, recipients), a year or district the loaded plans do not cover, and the rest of a long
answer (还有呢)."""

from __future__ import annotations

from dataclasses import replace

from knowledge.qa.answer.answerer import Answerer
from knowledge.qa.query.conversation import Turn
from knowledge.qa.query.form import Query
from knowledge.qa.result.answer import Answer, Intent
from knowledge.qa.text import render as R

SMALLTALK = {
    "greeting": "你好！我是法治政府建设工作要点助手。",
    "thanks": "不客气！还有问题随时问我。",
    "identity": "我是法治政府建设工作要点助手。",
    "bye": "再见！有问题随时找我。",
}
CAPABILITIES = (
    "我可以：回答工作要点的内容和责任单位（如“第十四条讲什么”“行政复议改革谁负责”）、"
    "本单位的任务（如“我单位有哪些任务”“第十一条算不算我们的事”）、"
    "学法、专题会议、年度报告等的次数和截止日期（如“每季度要学法几次”），"
    "并按时提醒各单位。"
)


def smalltalk(a: Answerer, query: Query, turn: Turn | None) -> Answer:
    head = SMALLTALK.get(query.smalltalk, SMALLTALK["greeting"])
    text = head if query.smalltalk in ("thanks", "bye") else f"{head}{CAPABILITIES}"
    if query.smalltalk in ("thanks", "bye"):
        text += "例如可以问：“我单位有哪些任务”“年度报告什么时候报”。"
    a.needs_unit = False
    return a.build_answer(Intent.SMALLTALK, [], text)


def document(a: Answerer, query: Query, turn: Turn | None) -> Answer:
    meta = a.p.plan.meta
    title = meta.title or a.p.plan.plan_id
    facts = {
        "doc_number": (meta.doc_number, f"文号是{meta.doc_number}。"),
        "issuer": (meta.issuer, f"由{meta.issuer}印发。"),
        "issued": (meta.issued_date, f"印发（成文）日期：{R.cn_date(meta.issued_date)}。"),
        "title": (title, f"文件名称：《{title}》。"),
        "recipients": (
            "、".join(meta.recipients),
            f"主送：{'、'.join(meta.recipients)}。",
        ),
        "cc": ("、".join(meta.cc), f"抄送：{'、'.join(meta.cc)}。"),
        "district": (meta.district, f"是{meta.district}的工作要点。"),
        "year": (str(meta.plan_year or ""), f"是{meta.plan_year}年度的工作要点。"),
    }
    if query.document == "year" and query.year:
        # 这是2021年的文件吗: the plans' years answer it
        years = sorted(p.plan.meta.plan_year for p in a.e.plans.values() if p.plan.meta.plan_year)
        yes = query.year in years
        have = "、".join(f"{y}年度" for y in years)
        text = f"{'是' if yes else '不是'}。已载入的工作要点是{have}的《{title}》。"
        return replace(a.build_answer(Intent.DOCUMENT, [], text), verdict="yes" if yes else "no")
    value, sentence = facts[query.document]
    if not value:
        head = "文件中没有写明这一项。"
    else:
        head = f"《{title}》{sentence}" if query.document != "title" else sentence
    details = [
        f"{label}：{v}"
        for label, v in (
            ("文号", meta.doc_number),
            ("印发机关", meta.issuer),
            ("成文日期", R.cn_date(meta.issued_date)),
            ("年度", f"{meta.plan_year}年" if meta.plan_year else ""),
        )
        if v
    ]
    return a.build_answer(Intent.DOCUMENT, [], "\n".join([head, "；".join(details)]))


def covered_label(a: Answerer) -> str:
    out = []
    for p in a.e.plans.values():
        m = p.plan.meta
        out.append(f"{m.district or ''}{m.plan_year or ''}年度" if m.plan_year else p.plan.plan_id)
    return "、".join(out)


def not_covered(a: Answerer, query: Query, turn: Turn | None) -> Answer:
    what = f"{query.year}年" if query.year else query.district
    text = (
        f"已载入的工作要点只有：{covered_label(a)}，没有{what}的工作要点，无法回答，"
        f"也不会用其他年份或地区的内容代替。"
    )
    a.needs_unit = False
    return a.build_answer(Intent.OUT_OF_SCOPE, [], text)


def more(a: Answerer, query: Query, turn: Turn | None) -> Answer:
    if turn is not None and turn.pages:
        ans = a.build_answer(Intent(turn.intent or "overview"), list(turn.items), turn.pages[0])
        return replace(ans, more=turn.pages[1:])
    if turn is not None and turn.rest:
        nums = list(turn.rest[:5])
        text = "\n\n".join(a.full_text(n) for n in nums if n in a.p.position)
        if len(turn.rest) > 5:
            text += f"\n（还有{len(turn.rest) - 5}条，发送“还有呢”继续。）"
        return a.build_answer(Intent(turn.intent or "topic"), nums, "其他相关条目：\n" + text)
    a.needs_unit = False
    return a.build_answer(
        Intent.OUT_OF_SCOPE, [], "没有更多内容了。可以换个问题，例如“第十四条讲什么”。"
    )
