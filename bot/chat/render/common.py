"""Sentences several features say, and small text helpers they share."""

from __future__ import annotations

from scheduler.store.models import ChatStatus

NOT_ADMIN = "抱歉，该功能仅限管理员（区委依法治区办、区司法局）使用。"
EMPTY_QUESTION = "请直接输入问题，例如：“第十四条 我单位要做什么”“每季度要学法几次”。"
FLOOD = "提问太频繁了，请稍等一分钟再问。"
BUTTON_EXPIRED = "这个按钮已失效，请重新发送命令。"
NEED_UNIT = (
    "本聊天还没有登记单位。请发送 /unit 单位名称（如 /unit 区司法局）申请登记，管理员审核后生效。"
)
NOT_LIAISON = (
    "只有“{unit}”登记的联络员可以在本群确认任务、提交材料或更改登记。"
    "如需成为联络员，请在私聊中发送 /unit {unit} 申请，由管理员审核。"
)
STATUS_LABELS = {
    ChatStatus.PENDING: "待审核",
    ChatStatus.ACTIVE: "已登记",
    ChatStatus.BLOCKED: "已屏蔽机器人",
    ChatStatus.REMOVED: "已移除",
    ChatStatus.UNREACHABLE: "聊天不存在或无法访问",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)  # type: ignore[call-overload]


def short(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters with an ellipsis (button labels)."""
    return text if len(text) <= n else text[: n - 1] + "…"
