"""Every kind of file an operator may hand to ``kb import``/``kb check`` is either read or refused
in one sentence that says what the file is and which formats can be read: an Excel sheet of
work points is read like a Word table; an image, an archive, a slide deck, a broken PDF are
named as such, with no library text (pypdf's "EOF marker not found") on the terminal."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from knowledge.reading.loader import check_file

FAZHI = Path(sys.executable).with_name("fazhi")
READABLE = ".txt、.docx、.pdf、.html、.xlsx"

ROWS = [
    ("序号", "工作任务", "责任单位"),
    (1, "深入学习宣传贯彻习近平法治思想。每季度至少开展一次集中学法。", "区司法局、区委宣传部"),
    (2, "严格落实重大行政决策程序制度。", "区政府办公室"),
    (3, "持续深化行政执法体制改革，推进综合行政执法。", "区城管执法局、区市场监管局"),
]


def _xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["襄州区2026年法治政府建设工作要点"])
    for row in ROWS:
        sheet.append(list(row))
    book.save(path)
    return path


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    path.write_bytes(buf.getvalue())
    return path


def test_an_excel_sheet_of_work_points_is_read(tmp_path: Path) -> None:
    result = check_file(_xlsx(tmp_path / "要点.xlsx"))
    assert result.errors == [], result.errors
    items = {i.number: i for i in result.plan.items}
    assert sorted(items) == [1, 2, 3]
    names = [u.name for u in items[3].units]
    assert names == ["区城管执法局", "区市场监管局"]


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("pic.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "图片（PNG）"),
        ("scan.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 200, "图片（JPEG）"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\n", "PDF"),
        ("bin.dat", b"\x7fELF\x00\x01\x02" * 50, "二进制"),
    ],
)
def test_files_without_text_are_named_with_the_readable_formats(
    tmp_path: Path, name: str, data: bytes, says: str
) -> None:
    (tmp_path / name).write_bytes(data)
    result = check_file(tmp_path / name)
    assert result.plan is None
    message = result.errors[0][1]
    assert says in message
    if "PDF" not in says:
        assert READABLE in message


def test_archives_and_slides_are_named(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "材料.zip", {"a.txt": "一、学法\n".encode()})
    assert "压缩包" in check_file(archive).errors[0][1]
    slides = _zip(tmp_path / "汇报.pptx", {"ppt/presentation.xml": b"<p/>"})
    assert "PowerPoint" in check_file(slides).errors[0][1]
    # an .xlsx named .docx is still read as the sheet it is
    sheet = _xlsx(tmp_path / "x.xlsx")
    renamed = tmp_path / "named-wrong.docx"
    renamed.write_bytes(sheet.read_bytes())
    assert check_file(renamed).errors == []


def test_a_broken_pdf_prints_one_sentence_and_no_library_text(tmp_path: Path) -> None:
    pdf = tmp_path / "broken.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\n")
    proc = subprocess.run(
        [str(FAZHI), "kb", "check", str(pdf)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "无法读取这个 PDF 文件" in out
    assert "EOF" not in out and "marker" not in out and "Error" not in out
