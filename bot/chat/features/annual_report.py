"""The annual report in chat: /annual_report (every unit's status for admins; a unit's own,
after which its next document is taken as the report), recognising the report file a unit
sends, and /published <链接>.

Recognition words are data (``knowledge/data/annual_report.toml``)."""

from __future__ import annotations

import re
import time
import tomllib
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from bot.chat.incoming import ChatContext, IncomingFile
from bot.chat.render.common import NEED_UNIT
from bot.chat.render.replies import Attachment, Doc, Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from knowledge.plan.years import NoPlanForYear
from scheduler.jobs.snooze import withdraw_reminders
from scheduler.records import unit_registry
from scheduler.records.annual_report import AnnualReportStatus
from scheduler.records.audit_log import audit

if TYPE_CHECKING:
    from scheduler.store.models import Completion

feature = Feature("annual_report")
AWAIT_SECONDS = 600  # after /annual_report, the unit's next document within this is the report

ANNUAL_REPORT_USAGE = (
    "报送法治政府建设年度报告：直接把报告文件发给我（文件名或说明中写明“年度报告”），"
    "或先发送 /annual_report 再发送文件。\n"
    "向社会公开后，发送 /published 公开链接，例如：/published https://www.example.gov.cn/xxgk/2026/ndbg.html"
)


@feature.command(
    "annual_report",
    help=("/annual_report", "报送法治政府建设年度报告（或直接发送报告文件）"),
    menu="报送法治政府建设年度报告",
)
def annual_report(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    """Admins: every unit's status (/annual_report [年份]); a unit: its own, and the next
    document it sends within 10 minutes is taken as the report."""
    from scheduler.records.annual_report import annual_report_status

    year = state.clock().year
    if args.strip().removesuffix("年").isdigit():
        year = int(args.strip().removesuffix("年"))
    with state.session() as s:
        unit = state.chat_unit(s, ctx)
        if unit is None and not state.is_admin(ctx):
            return [Reply.of(NEED_UNIT)]
        try:
            status = annual_report_status(
                s, state.plan, state.sched.directory(s), year, now=state.clock()
            )
        except unit_registry.RegistryError as exc:
            return [Reply.of(f"{exc}。")]
    if unit is None:
        return [status_reply(status)]
    state.awaiting_report[ctx.chat_id] = time.monotonic() + AWAIT_SECONDS
    return [status_reply(status, unit.name)]


@feature.file()
def report_file(state: ChatState, ctx: ChatContext, file: IncomingFile) -> list[Reply] | None:
    """A document that is the annual report (by its name or caption, or sent after
    /annual_report) is recorded as the year's submitted report; None for any other file."""
    if not file.document:
        return None
    awaited = state.awaiting_report.pop(ctx.chat_id, 0.0) > time.monotonic()
    if not (awaited or looks_like_annual_report(file.name, file.caption)):
        return None
    from scheduler.records.annual_report import SUBMIT_KIND

    outcome = _record(state, ctx, SUBMIT_KIND, file.ref, file.caption or file.name)
    if isinstance(outcome, list):
        return outcome
    unit_name, completion, new = outcome
    verb = "已收到" if new else "已更新"
    return [
        Reply.of(
            f"{verb}“{unit_name}”的{completion.period}年法治政府建设年度报告（{file.name or '文件'}）。"
            "向社会公开后，请发送 /published 公开链接。"
        )
    ]


@feature.command(
    "published",
    help=("/published 链接", "年度报告向社会公开后登记公开链接"),
    menu="报告公开后登记公开链接",
)
def published(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    from scheduler.records.annual_report import PUBLISH_KIND, valid_url

    url = valid_url(args) if args.strip() else None
    if url is None:
        hint = f"“{args.strip()[:80]}”不是有效的网址。" if args.strip() else ""
        return [Reply.of(hint + ANNUAL_REPORT_USAGE)]
    outcome = _record(state, ctx, PUBLISH_KIND, url, "公开链接")
    if isinstance(outcome, list):
        return outcome
    return [Reply.of(f"已记录“{outcome[0]}”年度报告的公开链接：{url}")]


def _record(
    state: ChatState, ctx: ChatContext, kind: str, value: str, note: str
) -> tuple[str, Completion, bool] | list[Reply]:
    """Record the chat's unit's annual report file or link (``kind``) and withdraw its
    reminders: (unit name, completion, new), or the replies that say why not."""
    from scheduler.records.annual_report import record

    with state.session() as s:
        unit = state.acting_unit(s, ctx)
        if isinstance(unit, str):
            return [Reply.of(unit)]
        try:
            completion, new = record(
                s,
                state.plan,
                unit.name,
                kind,
                value,
                by=ctx.user_name or ctx.user_id,
                by_id=ctx.user_id,
                note=note,
                now=state.clock(),
            )
        except unit_registry.RegistryError as exc:
            return [Reply.of(f"{exc}。")]
        withdraw_reminders(s, unit.name, completion.obligation_key, completion.period)
        return unit.name, completion, new


@feature.command(
    "annual_draft",
    help=("/annual_draft [年份] [单位]", "根据记录起草法治政府建设年度报告（Word 草稿）"),
    menu="起草年度报告（Word 草稿）",
)
def annual_draft(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    """A unit: its own draft; admins: the district's, or a named unit's. The year's records
    fill the sections; 待补充 marks what a person writes."""
    from scheduler.records.annual_draft import build_draft
    from scheduler.records.annual_draft_docx import draft_docx

    words = args.split()
    year = state.clock().year
    if words and words[0].removesuffix("年").isdigit():
        year = int(words.pop(0).removesuffix("年"))
        if not 2000 <= year <= 2100:
            return [Reply.of(f"年份 {year} 不对，请写四位年份，如 /annual_draft 2026")]
    admin = state.is_admin(ctx)
    try:
        plan = state.sched.plan_at(year)
    except NoPlanForYear as exc:
        return [Reply.of(str(exc))]
    with state.session() as s:
        directory = state.sched.directory(s)
        own = state.chat_unit(s, ctx)
        if words and admin:
            try:
                unit = unit_registry.resolve_unit(directory, " ".join(words))
            except unit_registry.RegistryError as exc:
                return [Reply.of(f"{exc}。用法：/annual_draft [年份] [单位]")]
        elif admin:
            unit = None
        elif own is None:
            return [Reply.of(NEED_UNIT)]
        else:
            unit = own.name
        draft = build_draft(s, plan, directory, year, unit, state.clock())
        audit(s, ctx.user_id, "annual_draft", draft.scope, year=year, records=len(draft.sources))
    scope = draft.scope
    return [
        Reply.of(
            f"{scope}{year}年度法治政府建设情况报告草稿：依据 {len(draft.sources)} 条完成记录，"
            f"标有“{draft.placeholder}”处请人工撰写。",
            attachment=Attachment(
                f"fazhi-annual-draft-{year}.docx", draft_docx(draft), f"{scope}{year}年度报告草稿"
            ),
        )
    ]


@lru_cache(maxsize=1)
def _rules() -> tuple[tuple[str, ...], re.Pattern[str]]:
    text = resources.files("knowledge.data").joinpath("annual_report.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return tuple(data["document_words"]), re.compile(data["document_pattern"])


def looks_like_annual_report(*texts: str | None) -> bool:
    """A file name or caption that names the 法治政府建设年度报告."""
    words, pattern = _rules()
    return any(t and (any(w in t for w in words) or pattern.search(t)) for t in texts)


def status_reply(status: AnnualReportStatus, unit: str | None = None) -> Reply:
    doc = Doc()
    if unit is not None:
        row = next((r for r in status.rows if r.unit == unit), None)
        doc.line((f"“{unit}”{status.year}年法治政府建设年度报告", "b"))
        if row is None:
            doc.line("本单位不在年度报告的责任单位中。")
        else:
            doc.line(f"状态：{status.state(row)}")
            if row.submitted:
                doc.line(f"报送：{row.submitted.isoformat()}")
            if row.published:
                doc.line(f"公开：{row.published.isoformat()} {row.url}")
        doc.blank().line(ANNUAL_REPORT_USAGE)
        return Reply.of(doc)
    lines = status.lines()
    doc.line((lines[0], "b"))
    for line in lines[1:]:
        doc.line(line)
    return Reply.of(doc)
