"""Evidence given on the command line (``fazhi done … --evidence 纪要.txt``).

An argument that names an existing file stores the file: it is copied into the data home's
evidence folder, where files sent in chat are kept once downloaded, under the SHA-256 of its
content, and the completion records ``file:<sha256>:<name>``; the evidence export packs it like
a file sent in chat. An argument that looks like a path but names no file is refused (a
mistyped path must not become a note that the export then counts as nothing); a link or any
other text stays what it was, a link or a note.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sqlmodel import Session

from scheduler.records.audit_log import audit
from scheduler.records.evidence_export import EvidenceRef, cached_path, safe_name
from scheduler.store.models import Completion

MAX_FILE = 50_000_000  # bytes: a scan or a photo, not a video archive
_SUFFIX = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}$")  # 纪要.txt, 照片.jpeg, 报告.docx


class EvidenceFileError(ValueError):
    """The argument names a file that cannot be stored (the message says why, in Chinese)."""


def looks_like_path(text: str) -> bool:
    """True for 纪要.txt, ./材料/a.pdf, ~/x: one word, not a link, with a file suffix or an
    explicit folder; False for notes such as “2026/3/1 召开会议” or “第3次会议”."""
    t = text.strip()
    if not t or any(c.isspace() for c in t) or re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", t):
        return False
    return t.startswith(("/", "./", "../", "~")) or bool(_SUFFIX.search(t))


def store_file(path: Path) -> str:
    """Copy ``path`` into the evidence folder (once per content); its evidence reference."""
    size = path.stat().st_size
    if size > MAX_FILE:
        raise EvidenceFileError(
            f"证明材料“{path.name}”有 {size // 1_000_000} MB，超过 {MAX_FILE // 1_000_000} MB 的上限："
            "请压缩后再登记，或改填链接"
        )
    data = path.read_bytes()
    ref = EvidenceRef.stored(hashlib.sha256(data).hexdigest(), safe_name(path.name))
    target = cached_path(ref)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)  # a crash never leaves half a file under the real name
    return ref.raw


def evidence_value(text: str | None) -> tuple[str | None, str]:
    """What ``--evidence TEXT`` records, and the file's name when it is a stored file."""
    if text is None or not text.strip():
        return None, ""
    t = text.strip()
    path = Path(t).expanduser()
    try:
        is_file, exists = path.is_file(), path.exists()
    except (OSError, ValueError):  # a name too long for the file system is no file
        is_file = exists = False
    if is_file:
        return store_file(path), path.name
    if exists:
        raise EvidenceFileError(f"“{t}”不是一个文件（是文件夹或设备）：请给出证明材料文件的路径")
    if looks_like_path(t):
        raise EvidenceFileError(
            f"找不到文件“{t}”：请检查路径（相对路径从当前文件夹算起）；如果这是一段说明，请改用 --note"
        )
    return t, ""


def attach(session: Session, completion: Completion, ref: str, unit: str, actor: str) -> int:
    """Add ``ref`` to a completion's evidence (never replacing earlier files, as in chat); how
    many the completion has now."""
    known = (completion.evidence or "").splitlines()
    if ref not in known:
        completion.evidence = "\n".join([*known, ref])
    session.add(completion)
    audit(session, actor, "evidence", unit, completion=completion.id)
    return len((completion.evidence or "").splitlines())
