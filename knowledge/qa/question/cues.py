"""Intent cues: the grammar of officials' questions (data about the language, not the domain).

Each cue family is a list of literal phrases compiled longest first (so 由哪些单位 wins over
由哪). The decision itself (which family wins, given the item references and unit mentions
found) is :func:`knowledge.qa.query.analysis.decide`, kept small and explicit so that its
order can be read and tested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _alternatives(words: str, extra: str = "") -> re.Pattern[str]:
    parts = sorted({re.escape(w) for w in words.split()}, key=len, reverse=True)
    return re.compile("|".join(parts + ([extra] if extra else [])))


WHO_RE = _alternatives(
    "谁 哪些单位 哪个单位 哪几个单位 哪些部门 哪个部门 哪几个部门 哪家 什么单位 什么部门"
    " 责任单位 牵头单位 负责单位 主管单位 责任部门 负责部门 牵头部门 由哪 归哪 哪个口 谁管"
    " 由哪些单位 由哪个单位 由哪些部门 由哪个部门 由谁 谁来 谁牵头 谁负责 落实单位"
    " 配合单位 配合部门 协办单位 协助单位 参与单位 协作单位"  # every role noun of a unit list
)
CADENCE_RE = _alternatives(
    "几次 多少次 多久 多长时间 频次 频率 几期 多少期 什么时候 啥时候 何时 哪天 几月 几号"
    " 截止日期 截止时间 最后期限 日期 截止 期限 时限 最晚 多少天 每季度 每个季度 一个季度 每一季度 一季度 季度 每年 一年 每月 每个月"
    " 每半年 半年 年度内 周期 间隔 隔多久 定期 几回 多少回 一次 1次 一回 几个月 几时 啥时 什么时间"
)
DUTY_RE = _alternatives(
    "要做什么 做什么 需要做 应该做 该做 要干 干什么 干啥 做啥 做哪些 任务 职责 责任 负责什么"
    " 负责哪些 负责啥 负责的 负责 承担 分工 涉及 哪些条 哪几条 哪条 什么事 啥事 事项 有份"
    " 管什么 管哪些 工作 要求 落实什么 有哪些"
)
STRONG_DUTY_RE = _alternatives(
    "要做什么 做什么 需要做 应该做 该做 要干 干什么 干啥 做啥 做哪些 任务 职责 负责什么"
    " 负责哪些 负责啥 承担 分工 管什么 管哪些 哪几条 哪些条"
)
ITEM_CUE_RE = _alternatives(
    "讲什么 讲的 讲了 说什么 说的 说了 内容 是什么 原文 全文 讲啥 说啥 写的 写了 看看 看一下"
)
OVERVIEW_RE = _alternatives(
    "一共几条 共几条 多少条 几条 有哪些条 所有条目 全部条目 所有条 全部条 目录 列出 总共有"
    " 概况 概览 主要内容 都有什么 都讲了什么 有哪些内容 讲了哪些 条目"
)
PARTICLES_RE = _alternatives(
    "请问一下 麻烦问一下 麻烦问下 想问一下 想问下 问一下 问下 打扰一下"
    " 请问 你好 您好 麻烦 帮我 给我 告诉我 查一下 查询 一下 关于 有关 方面的 方面 这方面 相关的"
    " 相关 的是 吗 呢 啊 吧 呀 嘛 哦 了 的 么 搞 弄 是否 有没有 是不是 怎么 怎样 如何 哪些"
    " 什么 哪个 具体 需要 应该 应当 可以 文件里 文件中 文件 工作要点 要点里 要点 里面 当中"
    " 中的 对于 规定了 规定 是 个部门 个单位 些部门 些单位 几个部门 几个单位",
    extra=r"[?？!！。,，、:：;；“”\"'()（）\s#.]",
)


@dataclass(frozen=True)
class Cues:
    who: bool
    cadence: bool
    duty: bool
    item: bool
    overview: bool


def cues(text: str) -> Cues:
    return Cues(
        who=bool(WHO_RE.search(text)),
        cadence=bool(CADENCE_RE.search(text)),
        duty=bool(DUTY_RE.search(text)),
        item=bool(ITEM_CUE_RE.search(text)),
        overview=bool(OVERVIEW_RE.search(text)),
    )


def strip_cues(text: str, *patterns: re.Pattern[str]) -> str:
    for p in patterns:
        text = p.sub("", text)
    return PARTICLES_RE.sub("", text)
