"""One way to write a command's output file: the path checked before any work (a folder, a
missing folder, a name whose suffix says another format are refused in one sentence), the bytes
written atomically (a temporary file in the same folder, then renamed), so a failure or an
interrupted run never leaves half a file under the name asked for."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from bot.cli.common import fail

SUFFIXES = {
    "csv": (".csv",),
    "xlsx": (".xlsx",),
    "png": (".png",),
    "zip": (".zip",),
    "ics": (".ics",),
    "docx": (".docx",),
}
KINDS = {
    "csv": "CSV 表格",
    "xlsx": "Excel 工作簿",
    "png": "PNG 图片",
    "zip": "zip 压缩包",
    "ics": "日历文件",
    "docx": "Word 文档",
}


def checked_output(path: Path, fmt: str) -> Path:
    """``path`` if a ``fmt`` file can be written there; otherwise exit with one sentence. The
    folder must exist: a mistyped folder is not created silently."""
    if path.is_dir():
        fail(f"“{path}”是一个文件夹：请给出文件名，如 {path / ('report' + SUFFIXES[fmt][0])}")
    parent = path.absolute().parent
    if not parent.is_dir():
        fail(f"文件夹“{parent}”不存在：请先建好文件夹，或换一个输出路径")
    wanted = SUFFIXES.get(fmt, ())
    if wanted and path.suffix.lower() not in wanted:
        fail(
            f"“{path.name}”的扩展名与格式不符：--format {fmt} 写出的是{KINDS[fmt]}，"
            f"文件名应以 {wanted[0]} 结尾"
        )
    return path


def _mode_for(path: Path) -> int:
    """The permissions ``open(path, "w")`` would give: an existing file keeps its own, a new
    one gets 0666 less the umask (0644 under the usual 022). ``mkstemp`` makes its file 0600,
    which the rename would otherwise carry over to the file asked for."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mask = os.umask(0o022)  # the only way to read the umask is to set it
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.absolute().parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
