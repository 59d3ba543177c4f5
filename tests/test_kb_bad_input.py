"""Bad documents give clear errors naming the line and the problem; never a traceback."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from knowledge.reading.decode import DocumentError
from knowledge.reading.loader import check_file, load_file

SEED = resources.files("knowledge.sources").joinpath("xiangzhou-2021.txt").read_text("utf-8")


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def seed_line(fragment: str) -> int:
    return next(i for i, ln in enumerate(SEED.split("\n"), 1) if fragment in ln)


def test_numbering_gap(tmp_path: Path) -> None:
    text = SEED.replace("十三、扎实开展涉企执法", "十五、扎实开展涉企执法").replace(
        "十四、持续深化", "十六、持续深化"
    )
    text = text.replace("十五、加快实施", "十七、加快实施")
    result = check_file(write(tmp_path, "gap.txt", text))
    line = seed_line("十三、扎实开展涉企执法")
    assert (line, "条目编号不连续：十二之后是十五，缺少十三、十四。") in result.errors


def test_item_without_units(tmp_path: Path) -> None:
    text = re.sub(r"〔责任单位[:：]区金融办〕", "", SEED)
    assert text != SEED
    result = check_file(write(tmp_path, "nounits.txt", text))
    assert result.errors == [
        (seed_line("十九、稳妥防范"), "条目“十九”没有列出责任单位（缺少“责任单位：…”）。")
    ]
    with pytest.raises(DocumentError) as err:
        load_file(tmp_path / "nounits.txt")
    assert "十九" in str(err.value) and "责任单位" in str(err.value)


def test_no_items(tmp_path: Path) -> None:
    result = check_file(write(tmp_path, "prose.txt", "这是一封普通的信。\n没有任何编号条目。\n"))
    assert result.plan is None
    assert "没有找到编号条目" in result.errors[0][1]


@pytest.mark.parametrize("content", ["", "\n\n   \n", b"\xef\xbb\xbf  \n"])
def test_empty_file(tmp_path: Path, content: str | bytes) -> None:
    result = check_file(write(tmp_path, "empty.txt", content))
    assert result.plan is None
    assert result.errors == [(0, "文件为空，没有可解析的内容。")]


def test_binary_file(tmp_path: Path) -> None:
    result = check_file(write(tmp_path, "x.bin", b"\x7fELF\x00\x01\x02binary" * 50))
    assert result.plan is None
    assert "二进制" in result.errors[0][1]
    # a file that only starts like a PDF is a broken PDF, said in one sentence
    broken = check_file(write(tmp_path, "x.pdf", b"%PDF-1.7\n\x00\x01\x02binary" * 50))
    assert broken.plan is None
    assert "PDF" in broken.errors[0][1]


def test_gb18030_is_detected_and_decoded(tmp_path: Path) -> None:
    result = check_file(write(tmp_path, "gb.txt", SEED.encode("gb18030")))
    assert result.encoding == "gb18030"
    assert result.errors == []
    assert len(result.plan.items) == 20
    assert result.plan.item(14).title == "持续深化行政执法体制改革"


def test_utf16_and_bom(tmp_path: Path) -> None:
    assert len(check_file(write(tmp_path, "u16.txt", SEED.encode("utf-16"))).plan.items) == 20
    assert len(check_file(write(tmp_path, "bom.txt", SEED.encode("utf-8-sig"))).plan.items) == 20


def test_missing_file(tmp_path: Path) -> None:
    result = check_file(tmp_path / "nope.txt")
    assert result.plan is None and "找不到文件" in result.errors[0][1]


def test_crlf_and_fullwidth_mix(tmp_path: Path) -> None:
    text = SEED.replace("\n", "\r\n").replace("〔责任单位:", "〔责任单位：")
    result = check_file(write(tmp_path, "crlf.txt", text))
    assert result.errors == []
    assert result.plan.item(14).unit_names[-1] == "各镇(街)"


def test_page_numbers_between_pages_are_artifacts(tmp_path: Path) -> None:
    text = (
        SEED.replace("我区法\n\n治政府", "我区法\n\n— 3 —\n\n治政府")
        .replace("制\n\n度机制", "制\n\n- 4 -\n\n度机制")
        .replace("保护\n\n措施", "保护\n第 5 页 共 8 页\n措施")
    )
    assert text.count("页") > SEED.count("页")
    result = check_file(write(tmp_path, "paged.txt", text))
    assert result.errors == []
    assert "我区法治政府建设工作实际" in result.plan.item(3).text
    assert "完善备案审查工作制度机制" in result.plan.item(6).text
    assert "落实数据安全保护措施" in result.plan.item(8).text


def test_no_units_anywhere_reports_each_item_not_each_section(tmp_path: Path) -> None:
    text = (
        "2023年某县法治政府建设工作要点\n\n一、加强组织领导\n\n（一）落实第一责任人职责。\n"
        "（二）完善学法制度。\n（三）健全督察机制。\n\n二、推进严格执法\n\n（四）推行三项制度。\n"
    )
    result = check_file(write(tmp_path, "nounits.txt", text))
    assert [i.label for i in result.plan.items] == ["（一）", "（二）", "（三）", "（四）"]
    assert [line for line, _ in result.errors] == [5, 6, 7, 11]
    assert all("没有列出责任单位" in msg for _, msg in result.errors)
