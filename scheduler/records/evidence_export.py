"""Each unit's evidence file (证明材料档案): one zip archive per request.

The archive has a folder per unit with its completions of the year as an index sheet
(``完成记录.xlsx``: what, item, period, when, who, note, evidence file) and the evidence files
themselves under ``材料/``. Evidence sent in chat is stored as a Telegram file id
(``telegram:photo:<id>`` / ``telegram:document:<id>:<name>``); it is downloaded once through a
``fetch(file_id) -> bytes`` the caller provides (the Bot API, see ``bot/channels/telegram/evidence_fetch.py``)
and kept in ``$FAZHI_DATA_DIR/evidence/``, so a second export reads the copy. A file that cannot
be downloaded is named in the index with the reason; the export goes on. A file given on the
command line (``fazhi done … --evidence 纪要.txt``) is kept there at once, as
``file:<sha256>:<name>`` (:mod:`scheduler.records.evidence_files`).

This module does no network work itself (the scheduler does not talk to Telegram).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from knowledge.plan.model import WorkPlan
from scheduler.records.unit_registry import UnknownUnitError, get_unit
from scheduler.store.db import data_dir
from scheduler.store.models import Completion, UnitRow
from scheduler.timing.clock import local
from scheduler.timing.periods import period_label

Fetch = Callable[[str], bytes]
Progress = Callable[[int, int, str], None]  # done, total, what
INDEX_NAME = "完成记录.xlsx"
FILES_DIR = "材料"
HEADER = ["事项", "条目", "期间", "完成时间", "确认人", "备注", "证明材料"]
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class EvidenceFetchError(Exception):
    """A file could not be downloaded (the message says why, in Chinese)."""


def safe_name(text: str) -> str:
    return _UNSAFE.sub("_", text).strip(" .") or "_"


@dataclass(frozen=True)
class EvidenceRef:
    """Where a completion's evidence is: a Telegram file, a link, or a note."""

    kind: str  # photo | document (to download) | stored (kept already) | link | other
    file_id: str = ""
    name: str = ""
    raw: str = ""

    @classmethod
    def parse(cls, raw: str) -> EvidenceRef:
        if raw.startswith("telegram:photo:"):
            return cls("photo", raw.removeprefix("telegram:photo:"), raw=raw)
        if raw.startswith("telegram:document:"):
            file_id, _, name = raw.removeprefix("telegram:document:").partition(":")
            return cls("document", file_id, name, raw)
        if raw.startswith("file:"):
            digest, _, name = raw.removeprefix("file:").partition(":")
            return cls("stored", digest, name, raw)
        if raw.startswith(("http://", "https://")):
            return cls("link", raw=raw)
        return cls("other", raw=raw)

    @classmethod
    def stored(cls, digest: str, name: str) -> EvidenceRef:
        """A file kept in the evidence folder under its content's SHA-256."""
        return cls("stored", digest, name, f"file:{digest}:{name}")

    @property
    def downloadable(self) -> bool:
        return self.kind in ("photo", "document") and bool(self.file_id)

    @property
    def is_file(self) -> bool:
        """A file the archive carries (downloaded or stored), not a link or a note."""
        return self.kind in ("photo", "document", "stored") and bool(self.file_id)

    @property
    def suffix(self) -> str:
        if self.kind == "photo":
            return ".jpg"
        suffix = Path(self.name).suffix
        return suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix) else ""


@dataclass
class Evidence:
    ref: EvidenceRef
    archive_name: str = ""  # path inside the unit folder, when the file is in the archive
    problem: str = ""

    def cell(self) -> str:
        """How the index sheet names it."""
        if self.archive_name:
            return self.archive_name
        if self.ref.kind in ("link", "other"):
            return self.ref.raw
        return f"（{self.problem or '文件不存在'}）"


@dataclass
class Entry:
    completion: Completion
    action: str
    item: int | None
    evidence: list[Evidence] = field(default_factory=list)  # one line of the record each


@dataclass
class UnitFile:
    unit: str
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    units: int
    completions: int
    files: int
    problems: list[str]

    def summary(self) -> str:
        text = (
            f"已导出 {self.units} 个单位的 {self.completions} 条完成记录、{self.files} 个证明材料。"
        )
        if self.problems:
            text += f"\n{len(self.problems)} 个材料未能取得：" + "；".join(self.problems[:5])
        return text


def cache_dir() -> Path:
    return data_dir() / "evidence"


def cached_path(ref: EvidenceRef) -> Path:
    return cache_dir() / (safe_name(ref.file_id) + ref.suffix)


def collect(session: Session, plan: WorkPlan, year: int, unit: str | None = None) -> list[UnitFile]:
    """The year's completions by unit (a named unit gets its folder even when empty)."""
    query = select(Completion, UnitRow).join(UnitRow, Completion.unit_id == UnitRow.id)
    if unit is not None:
        row = get_unit(session, unit)
        if row is None:
            raise UnknownUnitError(unit)
        query = query.where(Completion.unit_id == row.id)
    by_unit: dict[str, UnitFile] = {}
    if unit is not None:
        by_unit[unit] = UnitFile(unit)
    rows = session.exec(query).all()
    for c, u in sorted(rows, key=lambda r: (r[1].name, r[0].period, r[0].obligation_key)):
        if not c.period.startswith(str(year)):
            continue
        ob = plan.obligation(c.obligation_key)
        session.expunge(c)
        by_unit.setdefault(u.name, UnitFile(u.name)).entries.append(
            Entry(
                completion=c,
                action=ob.action if ob else c.obligation_key,
                item=ob.item if ob else None,
                evidence=[
                    Evidence(EvidenceRef.parse(line.strip()))
                    for line in (c.evidence or "").splitlines()
                    if line.strip()
                ],
            )
        )
    return [by_unit[k] for k in sorted(by_unit)]


def ensure_files(
    units: list[UnitFile], fetch: Fetch | None, progress: Progress | None = None
) -> None:
    """Download the evidence files not yet kept in the data folder; note each failure."""
    todo = [(e, ev) for uf in units for e in uf.entries for ev in e.evidence if ev.ref.downloadable]
    total = len(todo)
    for k, (entry, item) in enumerate(todo, 1):
        ref = item.ref
        target = cached_path(ref)
        if not target.exists():
            if fetch is None:
                item.problem = "未下载（本次导出不连接 Telegram）"
            else:
                try:
                    content = fetch(ref.file_id)
                except EvidenceFetchError as exc:
                    item.problem = str(exc)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    tmp = target.with_suffix(target.suffix + ".part")
                    tmp.write_bytes(content)
                    tmp.replace(target)  # a crash never leaves half a file under the real name
        if progress is not None:
            progress(k, total, entry.completion.obligation_key)


def index_sheet(uf: UnitFile, year: int) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from scheduler.records.xlsx_layout import lay_out

    wb = Workbook()
    ws = wb.active
    ws.title = "完成记录"
    ws.append([f"{uf.unit} {year}年法治政府建设任务完成记录"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(HEADER)
    for e in uf.entries:
        c = e.completion
        evidence = "\n".join(item.cell() for item in e.evidence)
        ws.append(
            [
                e.action,
                f"第{e.item}条" if e.item else "",
                period_label(c.period),
                local(c.confirmed_at).strftime("%Y-%m-%d %H:%M"),
                c.confirmed_by,
                c.note,
                evidence,
            ]
        )
    lay_out(ws, header_row=2)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_archive(units: list[UnitFile], year: int, out: Path) -> ExportResult:
    """The zip: ``<unit>/完成记录.xlsx`` and ``<unit>/材料/<n>_<what>_<period><ext>``."""
    files = 0
    problems: list[str] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for uf in units:
            folder = safe_name(uf.unit)
            for n, e in enumerate(uf.entries, 1):
                files_of_entry = [item for item in e.evidence if item.ref.is_file]
                for k, item in enumerate(files_of_entry, 1):
                    src = cached_path(item.ref)
                    if not src.exists():
                        item.problem = item.problem or "文件不存在"
                        problems.append(
                            f"{uf.unit} {e.action}（{period_label(e.completion.period)}）：{item.problem}"
                        )
                        continue
                    tail = f"_{k}" if len(files_of_entry) > 1 else ""
                    stem = safe_name(f"{n:02d}_{e.action[:20]}_{e.completion.period}{tail}")
                    item.archive_name = f"{FILES_DIR}/{stem}{item.ref.suffix}"
                    zf.write(src, f"{folder}/{item.archive_name}")
                    files += 1
            zf.writestr(f"{folder}/{INDEX_NAME}", index_sheet(uf, year))
    tmp.replace(out)
    return ExportResult(out, len(units), sum(len(uf.entries) for uf in units), files, problems)


def default_archive_path(year: int, unit: str | None, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    tail = f"-{safe_name(unit)}" if unit else ""
    return data_dir() / "exports" / f"fazhi-evidence-{year}{tail}-{stamp}.zip"


def export_evidence(
    session: Session,
    plan: WorkPlan,
    year: int,
    out: Path,
    *,
    unit: str | None = None,
    fetch: Fetch | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Collect, download what is missing, write the archive."""
    units = collect(session, plan, year, unit)
    ensure_files(units, fetch, progress)
    return write_archive(units, year, out)
