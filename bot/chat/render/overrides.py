"""What an admin's override did, in words: the chat's /override and ``fazhi obligations``."""

from __future__ import annotations

from scheduler.records.overrides import OverrideChange


def change_text(change: OverrideChange) -> str:
    """What a set/clear did, for the admin (chat and CLI)."""
    ob = change.obligation
    head = f"{change.unit} · 第{ob.item}条“{ob.action}”"
    if change.override is None:
        text = f"已清除调整：{head}，恢复按规则判断。"
    else:
        text = f"已设定：{head} {change.override.label}。理由：{change.override.reason}"
        if change.previous is not None:
            text += f"（此前：{change.previous.label}）"
    if change.withdrawn:
        text += f"\n已撤回 {change.withdrawn} 条尚未发送的提醒。"
    if change.restored:
        text += f"\n已恢复 {change.restored} 条此前撤回的提醒。"
    return text
