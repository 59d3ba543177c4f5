"""Varied questions for the benchmarks: templates × units × items × topics, with typos.

Real users do not repeat one question: caches keyed by question text, by substring or by unit
spelling grow with the variety, so the updates and memory benchmarks draw from this generator
(seeded: every run, and every app in a run, gets the same sequence).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from knowledge.text.normalize import int_to_cn

TEMPLATES = (
    "第{n}条 我单位要做什么",
    "第{cn}条是什么内容",
    "{unit}有哪些任务",
    "{unit}在第{n}条要做什么",
    "{unit}每季度要学法几次",
    "{topic}谁负责",
    "{topic}要做哪些工作",
    "{unit}负责{topic}吗",
    "我们{unit}今年要完成什么",
    "{topic}",
    "{unit}",
    "每年要{action}几次",
    "{unit}的{action}什么时候截止",
    "请问{unit}{topic}方面有什么要求？",
)
UNITS = (
    "区司法局",
    "司法局",
    "区财政局",
    "财政局",
    "区法院",
    "区检察院",
    "区委编办",
    "区市场监管局",
    "市监局",
    "区行政审批局",
    "审批局",
    "区人社局",
    "区公安分局",
    "区审计局",
    "区教育局",
    "张家集镇",
    "古驿镇",
    "东津新区",
    "区纪委监委",
    "区政府办",
)
TOPICS = (
    "行政复议改革",
    "行政执法",
    "学法",
    "法治督察",
    "营商环境",
    "放管服",
    "法治政府建设年度报告",
    "重大行政决策",
    "普法",
    "信用体系",
    "公共法律服务",
    "领导干部述法",
    "旁听庭审",
    "依法行政",
)
ACTIONS = ("学法", "培训", "召开专题会议", "报告", "旁听庭审")
TYPO_CHARS = "居句据菊和合法发治志政正府付"


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(len(text))
    return text[:i] + rng.choice(TYPO_CHARS) + text[i + 1 :]


def questions(count: int, seed: int = 11) -> Iterator[str]:
    """``count`` questions, mostly distinct (a serial number keeps long runs varied)."""
    rng = random.Random(seed)
    for i in range(count):
        n = rng.randint(1, 24)
        text = rng.choice(TEMPLATES).format(
            n=n,
            cn=int_to_cn(n),
            unit=rng.choice(UNITS),
            topic=rng.choice(TOPICS),
            action=rng.choice(ACTIONS),
        )
        roll = rng.random()
        if roll < 0.2:
            text = _typo(rng, text)
        elif roll < 0.35:
            text = f"{text}（{i}）"  # a reference number, as people paste them
        elif roll < 0.45:
            text = f"你好，{text}，谢谢"
        yield text
