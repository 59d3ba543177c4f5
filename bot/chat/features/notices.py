"""Notices: /broadcast to all units, a kind of unit, an item's units or one unit; the preview
with 确认发送 / 取消 (and the 需回执 toggle), sending, the delivery report and resending what
failed. Receipts (收到, chasing, "第3号通知哪些单位还没回执") are :mod:`.receipts`."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from typing import Any

from bot.chat.buttons import (
    CancelNotice,
    NoticeReport,
    ResendNotice,
    SendNotice,
    ToggleReceipt,
)
from bot.chat.features.receipts import (
    RECEIPT_USAGE,
    parse_receipt_options,
    with_read_status,
    with_receipt_toggle,
    with_receipts,
)
from bot.chat.incoming import ChatContext
from bot.chat.render.replies import TELEGRAM_LIMIT, Button, Doc, Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from knowledge.plan.model import CATEGORY_LABELS, UnitCategory, WorkPlan
from knowledge.plan.units import UnitDirectory
from knowledge.text.normalize import cn_to_int, norm
from scheduler.records import audit_log, unit_registry

feature = Feature("notices")

BROADCAST_USAGE = (
    "用法：/broadcast [对象] 通知内容\n"
    "对象可省略（默认全部单位），或写：全部、镇/街道/园区/区直部门（类别）、第N条（该条责任单位）、单位名称。\n"
    "例如：/broadcast 第14条 请于本周五前报送行政执法统计年报。\n"
    "需要回执：/broadcast 需回执 截止7月3日 [对象] 内容（各单位点“收到”即回执）。"
)


@feature.command(
    "broadcast",
    admin=True,
    help=(
        "/broadcast [需回执 截止日期] [对象] 内容",
        "向全部、某类、某条责任单位或某单位发通知，可要求回执",
    ),
    menu="发送通知",
    max_args=8192,  # the notice itself: its own check says how much over 4,096 it is
)
def broadcast(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    from scheduler.delivery.broadcast import audience_chats, create_broadcast
    from scheduler.delivery.receipts import set_receipt

    if not args:
        return [Reply.of(BROADCAST_USAGE)]
    receipt, args = parse_receipt_options(args, state.clock().date())
    if receipt.error:
        return [Reply.of(receipt.error)]
    if not args:
        return [Reply.of(BROADCAST_USAGE)]
    with state.session() as s:
        directory = state.sched.directory(s)
        try:
            audience, label, body = parse_audience(args, state.plan, directory)
        except AudienceError as exc:
            return [Reply.of(str(exc))]
        if not body.strip():
            return [Reply.of(BROADCAST_USAGE)]
        refused = too_long(body)
        if refused is not None:
            return [refused]
        n = len(audience_chats(s, audience))
        if n == 0:
            return [no_recipients(label)]
        bc = create_broadcast(s, ctx.user_id, broadcast_html(body), audience)
        if receipt.required and bc.enqueued_at is None:
            set_receipt(s, bc.id, True, receipt.deadline)  # type: ignore[arg-type]
        preview = broadcast_preview(bc.id, label, body, n)  # type: ignore[arg-type]
        return [
            with_receipt_toggle(preview, bc.id, bc.receipt_required, bc.receipt_deadline)  # type: ignore[arg-type]
        ]


@feature.button(SendNotice, admin=True)
def send(state: ChatState, ctx: ChatContext, button: SendNotice) -> list[Reply]:
    from scheduler.delivery.broadcast import enqueue_broadcast

    bc_id = button.broadcast_id
    with state.session() as s:
        new = enqueue_broadcast(s, bc_id, ctx.user_id)
    if new == 0:
        return [Reply.of(f"通知 #{bc_id} 已经在发送，不会重复发送。", edit=True)]
    return [broadcast_started(bc_id, new)]


@feature.button(CancelNotice, admin=True)
def cancel(state: ChatState, ctx: ChatContext, button: CancelNotice) -> list[Reply]:
    with state.session() as s:
        audit_log.audit(s, ctx.user_id, "cancel_broadcast", str(button.broadcast_id))
    return [Reply.of(f"已取消通知 #{button.broadcast_id}。", edit=True)]


@feature.button(NoticeReport, admin=True)
def report(state: ChatState, _ctx: ChatContext, button: NoticeReport) -> list[Reply]:
    from scheduler.delivery.broadcast import broadcast_report
    from scheduler.delivery.read_report import sent_messages
    from scheduler.delivery.receipts import receipt_status
    from scheduler.store.models import Broadcast

    bc_id = button.broadcast_id
    with state.session() as s:
        reply = broadcast_report_reply(broadcast_report(s, bc_id))
        bc = s.get(Broadcast, bc_id)
        if bc is not None and bc.receipt_required:
            reply = with_receipts(reply, receipt_status(s, bc_id))
        sent = sent_messages(s, bc_id) if state.read_status is not None else []
    return [with_read_status(reply, state, sent)]


@feature.button(ResendNotice, admin=True)
def resend(state: ChatState, ctx: ChatContext, button: ResendNotice) -> list[Reply]:
    from scheduler.delivery.broadcast import resend_failed

    with state.session() as s:
        n = resend_failed(s, button.broadcast_id, ctx.user_id)
    return [Reply.of(f"已重新排队 {n} 条失败或结果未知的消息。")]


@feature.button(ToggleReceipt, admin=True)
def toggle_receipt(state: ChatState, _ctx: ChatContext, button: ToggleReceipt) -> list[Reply]:
    """需回执 on a preview: switch it, and show the preview again."""
    from scheduler.delivery.broadcast import audience_chats
    from scheduler.delivery.receipts import set_receipt
    from scheduler.store.models import Broadcast

    bc_id = button.broadcast_id
    with state.session() as s:
        bc = s.get(Broadcast, bc_id)
        if bc is None:
            return [Reply.of(f"没有第{bc_id}号通知。")]
        try:
            bc = set_receipt(s, bc_id, not bc.receipt_required)
        except unit_registry.RegistryError as exc:
            return [Reply.of(f"{exc}。")]
        audience = json.loads(bc.audience)
        n = len(audience_chats(s, audience))
        body = html.unescape(bc.body).removeprefix("【通知】")
        preview = broadcast_preview(bc_id, audience_label(audience), body, n)
        reply = with_receipt_toggle(preview, bc_id, bc.receipt_required, bc.receipt_deadline)
        return [dataclasses.replace(reply, edit=True)] + (
            [Reply.of(RECEIPT_USAGE)] if bc.receipt_required else []
        )


# -- audiences and texts --------------------------------------------------------------------------
_CATEGORY_WORDS = {
    "镇": [UnitCategory.TOWN],
    "街道": [UnitCategory.SUBDISTRICT],
    "园区": [UnitCategory.PARK],
    "镇街": [UnitCategory.TOWN, UnitCategory.SUBDISTRICT, UnitCategory.PARK],
    "各镇": [UnitCategory.TOWN, UnitCategory.SUBDISTRICT, UnitCategory.PARK],
    "区直": [
        UnitCategory.DEPARTMENT,
        UnitCategory.PARTY_ORGAN,
        UnitCategory.DISCIPLINE,
        UnitCategory.JUDICIAL,
        UnitCategory.PEOPLES_ORG,
    ],
    "区直部门": [UnitCategory.DEPARTMENT],
    "区直单位": [
        UnitCategory.DEPARTMENT,
        UnitCategory.PARTY_ORGAN,
        UnitCategory.DISCIPLINE,
        UnitCategory.JUDICIAL,
        UnitCategory.PEOPLES_ORG,
    ],
}


class AudienceError(ValueError):
    """A broadcast target that names nothing known; the message asks back (Chinese)."""


# the last character(s) of a name that is meant as a target (a unit, a kind of unit, an item)
_TARGET_ENDING = re.compile(
    r"(局|委|办|院|所|镇|街道|街|部|会|中心|站|队|园区|单位|部门|处|科|庭|室|组|条|项|乡|村|社区)$"
)
_ITEM_TARGET = re.compile(r"第?([0-9０-９一二三四五六七八九十百零〇两]+)[条项]")
MAX_TARGET_CHARS = 20


def _asks_back(head: str, directory: UnitDirectory) -> AudienceError | None:
    """None when ``head`` reads as the start of the notice; else the question to ask back."""
    if not head or len(head) > MAX_TARGET_CHARS:
        return None
    res = directory.resolve(head)
    names = [c.name for c in res.candidates if c.score >= 60][:5]
    outside = directory.outside_category(head) is not None
    if not (names or outside or _TARGET_ENDING.search(head)):
        return None
    if outside and not names:
        hint = f"“{head}”不在单位名录中（可先用 fazhi units add 添加并登记聊天）"
    elif names:
        hint = f"没有找到通知对象“{head}”，您是否要发给：{'、'.join(names)}"
    else:
        hint = f"没有找到通知对象“{head}”"
    return AudienceError(
        f"{hint}。请写准确的对象后重发；发给全部单位请写：/broadcast 全部 通知内容。"
    )


def parse_audience(
    args: str, plan: WorkPlan, directory: UnitDirectory
) -> tuple[dict[str, Any], str, str]:
    """'/broadcast [对象] 内容' → (audience, label, body).

    A first word that is meant as a target but names nothing known (an unknown unit, a
    misspelt one, an item the plan does not have) raises :class:`AudienceError` with the
    candidates instead of silently becoming "all units"; a notice without a target goes to all
    units and its label says so."""
    head, _, rest = args.strip().partition(" ")
    h = norm(head)
    if h in ("全部", "所有", "all", "全体"):
        return {"all": True}, "全部已登记单位", rest
    if h in _CATEGORY_WORDS:
        cats = _CATEGORY_WORDS[h]
        return (
            {"categories": [c.value for c in cats]},
            "、".join(CATEGORY_LABELS[c] for c in cats),
            rest,
        )
    m = _ITEM_TARGET.fullmatch(h)
    if m:
        n = cn_to_int(m.group(1))
        item = plan.item(n) if n else None
        if item is None:
            total = len(plan.items)
            raise AudienceError(
                f"没有{head}：本工作要点共 {total} 条（第1条–第{total}条）。请写正确的条目编号后重发；"
                "发给全部单位请写：/broadcast 全部 通知内容。"
            )
        units = sorted(
            u.name
            for u in directory.units.values()
            if directory.responsibility(u.name, item).responsible
        )
        return {"units": units}, f"第{n}条的责任单位（{len(units)} 个）", rest
    unit = directory.get(head)
    if unit is not None and head and unit.name in directory.units:
        return {"units": [unit.name]}, unit.name, rest
    if unit is not None and unit.name in directory.groups:
        group = directory.groups[unit.name]
        return (
            {"categories": sorted(c.value for c in group.categories)},
            unit.name,
            rest,
        )
    question = _asks_back(head.strip(), directory)
    if question is not None:
        raise question
    return {"all": True}, "全部已登记单位（未写对象，默认全部）", args.strip()


def notice_length(body: str) -> int:
    """The notice's length as Telegram counts it (UTF-16 code units of the visible text)."""
    return len(("【通知】" + body).encode("utf-16-le")) // 2


def too_long(body: str) -> Reply | None:
    """A notice longer than one Telegram message is refused before any preview."""
    n = notice_length(body)
    if n <= TELEGRAM_LIMIT:
        return None
    limit = TELEGRAM_LIMIT - notice_length("")
    return Reply.of(
        f"通知太长：共 {n - notice_length('')} 字，一条消息最多 {limit} 字"
        f"（另加“【通知】”）。请删减 {n - TELEGRAM_LIMIT} 字以上，或分成几条通知分别发送。"
    )


def no_recipients(label: str) -> Reply:
    return Reply.of(
        f"“{label}”目前没有已登记（审核通过）的聊天，通知无处可发，未创建。"
        "请先让该单位在聊天中发送 /unit 登记，或用 /units 查看登记情况。"
    )


def audience_label(audience: dict[str, Any]) -> str:
    """A stored audience in words (the preview shown again after a change)."""
    if audience.get("all"):
        return "全部已登记单位"
    parts = [CATEGORY_LABELS.get(UnitCategory(c), c) for c in audience.get("categories", ())]
    units = list(audience.get("units", ()))
    if len(units) > 3:
        parts.append(f"{'、'.join(units[:3])}等 {len(units)} 个单位")
    else:
        parts += units
    return "、".join(parts) or "全部已登记单位"


def broadcast_html(body: str) -> str:
    return "【通知】" + html.escape(body)


def broadcast_preview(bc_id: int, label: str, body: str, recipients: int) -> Reply:
    doc = Doc().line((f"通知预览 #{bc_id}", "b"))
    doc.line(f"对象：{label}（{recipients} 个聊天）")
    doc.line("内容：", ("【通知】" + body, "q"))
    doc.line("确认后发送；发送后可查看送达报告。")
    return Reply.of(
        doc,
        [[Button("✅ 确认发送", SendNotice(bc_id)), Button("✖ 取消", CancelNotice(bc_id))]],
    )


def broadcast_started(bc_id: int, n: int) -> Reply:
    return Reply.of(
        f"通知 #{bc_id} 已排队发送给 {n} 个聊天。",
        [[Button("📊 送达报告", NoticeReport(bc_id))]],
        edit=True,
    )


def broadcast_report_reply(report: Any) -> Reply:
    buttons = [[Button("🔄 刷新", NoticeReport(report.broadcast_id))]]
    if report.failed or report.unknown:
        buttons.append([Button("↻ 重发失败的", ResendNotice(report.broadcast_id))])
    return Reply.of(report.as_text(), buttons)
