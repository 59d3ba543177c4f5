"""Receipts of notices in chat: a unit's 收到 (and "回执 3 留言"), chasing the units that have
not answered, the admins' question "第3号通知哪些单位还没回执"; and for /broadcast (:mod:`.notices`)
the 需回执 words, the preview's toggle and the receipt lines of the delivery report.

The records live in :mod:`scheduler.delivery.receipts`; this module only reads and writes chat text.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import re
from collections.abc import Sequence
from datetime import date

from bot.chat.buttons import Acknowledge, ChaseReceipts, NoticeReport, ToggleReceipt
from bot.chat.incoming import ChatContext
from bot.chat.render.common import NOT_ADMIN
from bot.chat.render.replies import Button, Doc, Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from knowledge.text.normalize import cn_to_int, norm
from scheduler.delivery.channel import SentMessage
from scheduler.delivery.receipts import ReceiptStatus
from scheduler.records import unit_registry
from scheduler.timing.clock import local

log = logging.getLogger(__name__)
feature = Feature("receipts")


@feature.button(Acknowledge)
def acknowledge_button(state: ChatState, ctx: ChatContext, button: Acknowledge) -> list[Reply]:
    """收到 under a notice that needs a receipt."""
    return acknowledge(state, ctx, button.broadcast_id)


def acknowledge(state: ChatState, ctx: ChatContext, bc_id: int, reply: str = "") -> list[Reply]:
    from scheduler.delivery.receipts import acknowledge as record

    with state.session() as s:
        unit = state.acting_unit(s, ctx)
        if isinstance(unit, str):
            return [Reply.of(unit)]
        try:
            receipt, new = record(
                s,
                bc_id,
                unit.name,
                ctx.chat_id,
                user_id=ctx.user_id,
                user_name=ctx.user_name,
                reply=reply,
                now=state.clock(),
            )
        except unit_registry.RegistryError as exc:
            return [Reply.of(f"{exc}。")]
        at = local(receipt.acknowledged_at)
        who = receipt.user_name or "本单位"
    if new:
        text = f"已回执：“{unit.name}”已收到第{bc_id}号通知（{at:%m-%d %H:%M}）。"
        if not reply:
            text += f"如需留言，可发送“回执 {bc_id} 留言内容”。"
        return [Reply.of(text)]
    if reply:
        return [Reply.of(f"已将留言附在“{unit.name}”对第{bc_id}号通知的回执上。")]
    return [
        Reply.of(f"“{unit.name}”已于 {at:%m-%d %H:%M} 回执第{bc_id}号通知（{who}），无需重复。")
    ]


@feature.button(ChaseReceipts, admin=True)
def chase(state: ChatState, ctx: ChatContext, button: ChaseReceipts) -> list[Reply]:
    """📣 催办: remind the units that have not answered (once a day)."""
    from scheduler.delivery.receipts import chase as queue_chase
    from scheduler.delivery.receipts import receipt_status
    from scheduler.store.models import Broadcast

    bc_id = button.broadcast_id
    with state.session() as s:
        if s.get(Broadcast, bc_id) is None:
            return [Reply.of(f"没有第{bc_id}号通知。")]
        try:
            n = queue_chase(s, bc_id, ctx.user_id, now=state.clock())
            status = receipt_status(s, bc_id)
        except unit_registry.RegistryError as exc:
            return [Reply.of(f"{exc}。")]
    if not status.missing:
        return [Reply.of(f"第{bc_id}号通知：全部 {status.total} 个单位都已回执。")]
    if n == 0:
        return [Reply.of(f"第{bc_id}号通知今天已经催办过，未回执单位会收到那条催办消息。")]
    return [
        Reply.of(f"已向 {len(status.missing)} 个未回执单位发送催办（{n} 个聊天）。"),
        status_reply(status),
    ]


@feature.text()
def receipt_text(state: ChatState, ctx: ChatContext, text: str) -> list[Reply] | None:
    """A unit's "回执 3 留言", or an admin's "第3号通知哪些单位还没回执"; None otherwise."""
    from scheduler.delivery.receipts import receipt_status

    message = receipt_message(text)
    if message is not None and state.unit_name(ctx) is not None:
        return acknowledge(state, ctx, message[0], message[1] or "")
    number = receipt_query(text)
    if number is None:
        return None
    if not state.is_admin(ctx):
        return [Reply.of(NOT_ADMIN)]
    with state.session() as s:
        try:
            return [status_reply(receipt_status(s, number))]
        except unit_registry.RegistryError as exc:
            return [Reply.of(f"{exc}。")]


# -- the 需回执 words of /broadcast and the texts of receipts ---------------------------------------

RECEIPT_WORDS = ("需回执", "要回执", "需要回执", "回执", "--receipt")
RECEIPT_USAGE = (
    "需要回执时，在 /broadcast 后写“需回执”（可加截止日期），例如：\n"
    "/broadcast 需回执 截止7月3日 第14条 请于本周五前报送行政执法统计年报。\n"
    "也可以在预览里点“需回执”。各单位点“收到”即回执，可再发送“回执 编号 留言”补充说明。"
)

_DATE_PATTERNS = (
    re.compile(r"(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?号?"),
    re.compile(r"(?P<m>\d{1,2})[月/.-](?P<d>\d{1,2})[日号]?"),
)
_DEADLINE = re.compile(r"^(?:截止|截至|--deadline|期限)[:：=]?(.*)$")


def parse_date(text: str, today: date) -> date | None:
    """2026-07-03, 2026年7月3日, 7月3日, 7/3 (this year, or next year when already past)."""
    t = text.strip().removesuffix("前").removesuffix("之前").strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(t)
        if not m:
            continue
        year = int(m.group("y")) if "y" in m.groupdict() and m.group("y") else today.year
        try:
            day = date(year, int(m.group("m")), int(m.group("d")))
        except ValueError:
            return None
        if "y" not in m.groupdict() and day < today:
            day = date(year + 1, day.month, day.day)
        return day
    return None


@dataclasses.dataclass(frozen=True)
class ReceiptOptions:
    required: bool = False
    deadline: date | None = None
    error: str | None = None


def parse_receipt_options(args: str, today: date) -> tuple[ReceiptOptions, str]:
    """Leading 需回执 / 回执 / --receipt words and a deadline (截止7月3日, 7月3日前,
    --deadline 2026-07-03) → options and the rest of /broadcast's arguments."""
    words = args.strip().split()
    required = False
    deadline: date | None = None
    while words:
        w = words[0]
        if w in RECEIPT_WORDS:
            required = True
            words.pop(0)
            continue
        m = _DEADLINE.match(w)
        if m or (required and w.endswith("前") and parse_date(w, today)):
            value = m.group(1) if m else w
            words.pop(0)
            if not value and words:
                value = words.pop(0)
            deadline = parse_date(value, today)
            if deadline is None:
                return ReceiptOptions(
                    required, None, f"看不懂回执截止日期“{value}”，请写成如 7月3日 或 2026-07-03。"
                ), ""
            if deadline < today:
                return ReceiptOptions(
                    required, None, f"回执截止日期 {deadline.isoformat()} 已经过去了。"
                ), ""
            required = True
            continue
        break
    return ReceiptOptions(required, deadline), " ".join(words)


def receipt_line(required: bool, deadline: date | None) -> str:
    if not required:
        return "回执：不需要（点“需回执”可要求各单位回执）"
    return "回执：需要" + (f"，截止 {deadline.isoformat()}" if deadline else "（无截止日期）")


def with_receipt_toggle(preview: Reply, bc_id: int, required: bool, deadline: date | None) -> Reply:
    """The broadcast preview with the receipt line and a 需回执 toggle button."""
    line = receipt_line(required, deadline)
    toggle = Button("☑ 需回执" if required else "☐ 需回执", ToggleReceipt(bc_id))
    return dataclasses.replace(
        preview,
        html=preview.html + "\n" + html.escape(line, quote=False),
        plain=preview.plain + "\n" + line,
        buttons=(*preview.buttons, (toggle,)),
    )


def with_receipts(report: Reply, status: ReceiptStatus) -> Reply:
    """The delivery report with acknowledged / not yet by unit, and a chase button."""
    lines = status.lines()
    buttons = list(report.buttons)
    if status.missing:
        buttons.append((Button("📣 催办未回执单位", ChaseReceipts(status.broadcast_id)),))
    return dataclasses.replace(
        report,
        html=report.html + "\n" + "\n".join(html.escape(x, quote=False) for x in lines),
        plain=report.plain + "\n" + "\n".join(lines),
        buttons=tuple(buttons),
    )


def with_read_status(
    report: Reply, state: ChatState, sent: Sequence[tuple[str, SentMessage]]
) -> Reply:
    """The delivery report with 已读 / 未读 of the private chats whose channel can tell
    (``state.read_status``, set by such a channel's front end); unchanged otherwise, and when
    the channel does not answer (the report must not fail for it)."""
    from scheduler.delivery.read_report import read_lines

    if not sent or state.read_status is None:
        return report
    try:
        lines = read_lines(sent, state.read_status([m for _, m in sent]))
    except Exception:  # noqa: BLE001 - a time-out or a closed loop: report without it
        log.warning("read status of a notice's messages not available", exc_info=True)
        return report
    if not lines:
        return report
    return dataclasses.replace(
        report,
        html=report.html + "\n" + "\n".join(html.escape(x, quote=False) for x in lines),
        plain=report.plain + "\n" + "\n".join(lines),
    )


def status_reply(status: ReceiptStatus) -> Reply:
    doc = Doc().line((f"第{status.broadcast_id}号通知回执情况", "b"))
    for line in status.lines():
        doc.line(line)
    buttons = [[Button("📊 送达报告", NoticeReport(status.broadcast_id))]]
    if status.missing:
        buttons.insert(0, [Button("📣 催办未回执单位", ChaseReceipts(status.broadcast_id))])
    return Reply.of(doc, buttons)


_NUMBER = r"([0-9]+|[一二三四五六七八九十百零〇两]+)"
_QUERY = re.compile(rf"(?:第\s*{_NUMBER}\s*号?|#\s*([0-9]+)\s*号?|{_NUMBER}\s*号)\s*通知")
_ACK_TEXT = re.compile(rf"^回执\s*(?:第)?\s*#?{_NUMBER}\s*号?(?:通知)?\s*[:：,，]?\s*(.*)$", re.S)


def receipt_query(text: str) -> int | None:
    """ "第3号通知哪些单位还没回执", "3号通知回执情况", "通知#3谁没回执" → 3."""
    t = norm(text)
    if "回执" not in t and "收到" not in t:
        return None
    m = _QUERY.search(t) or re.search(r"通知\s*#?\s*([0-9]+)", t)
    if not m:
        return None
    raw = next(g for g in m.groups() if g)
    return raw and (int(raw) if raw.isdigit() else cn_to_int(raw))


def receipt_message(text: str) -> tuple[int, str] | None:
    """A unit's short reply: "回执 3 已收到，将按时报送" → (3, "已收到，将按时报送")."""
    m = _ACK_TEXT.match(text.strip())
    if not m:
        return None
    raw = m.group(1)
    n = int(raw) if raw.isdigit() else cn_to_int(raw)
    if not n:
        return None
    return n, m.group(2).strip()[:500]
