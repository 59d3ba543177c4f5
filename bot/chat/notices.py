"""Notices with receipts in chat: the 需回执 words of /broadcast, the preview's toggle, the
receipt lines of the delivery report, and the admins' question "第3号通知哪些单位还没回执".

The records live in :mod:`scheduler.delivery.receipts`; this module only reads and writes chat text.
"""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import date

from bot.chat.replies import Button, Doc, Reply
from knowledge.text.normalize import cn_to_int, norm
from scheduler.delivery.receipts import ReceiptStatus

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
    toggle = Button("☑ 需回执" if required else "☐ 需回执", f"bc:rc:{bc_id}")
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
        buttons.append((Button("📣 催办未回执单位", f"bc:ch:{status.broadcast_id}"),))
    return dataclasses.replace(
        report,
        html=report.html + "\n" + "\n".join(html.escape(x, quote=False) for x in lines),
        plain=report.plain + "\n" + "\n".join(lines),
        buttons=tuple(buttons),
    )


def status_reply(status: ReceiptStatus) -> Reply:
    doc = Doc().line((f"第{status.broadcast_id}号通知回执情况", "b"))
    for line in status.lines():
        doc.line(line)
    buttons = [[Button("📊 送达报告", f"bc:rep:{status.broadcast_id}")]]
    if status.missing:
        buttons.insert(0, [Button("📣 催办未回执单位", f"bc:ch:{status.broadcast_id}")])
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
