"""The annual report in chat: recognising the report file a unit sends, /annual_report and
/published <链接>, and the status lines of /report.

Recognition words are data (``knowledge/data/annual_report.toml``)."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

from bot.chat.replies import Doc, Reply
from scheduler.records.annual_report import AnnualReportStatus

ANNUAL_REPORT_USAGE = (
    "报送法治政府建设年度报告：直接把报告文件发给我（文件名或说明中写明“年度报告”），"
    "或先发送 /annual_report 再发送文件。\n"
    "向社会公开后，发送 /published 公开链接，例如：/published https://www.example.gov.cn/xxgk/2026/ndbg.html"
)


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
