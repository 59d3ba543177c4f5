"""Traditional → simplified (knowledge.text.simplified, OpenCC ``t2s``): real documents written
in traditional characters (Taiwan and Hong Kong standards) come back as the simplified
original, simplified text is left alone, phrases win over characters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import opencc
import pytest

from knowledge.reading.decode import DocumentError, decode_document
from knowledge.text.simplified import to_simplified, traditional_chars

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted(
    [*(ROOT / "knowledge" / "sources").glob("*.txt"), *(ROOT / "tests" / "data").glob("*/*.txt")]
)
# the simplified → traditional direction has ambiguities that come back otherwise (着 / 著)
ROUND_TRIP_DIFFERS = {("s2tw", "fz03_donglin_2024_dash.txt"), ("s2hk", "xiangzhou-2021.txt")}


def document_texts() -> list[tuple[str, str]]:
    texts = []
    for path in DOCUMENTS:
        try:
            texts.append((path.name, decode_document(path.read_bytes()).text))
        except DocumentError:
            continue  # the family's deliberately broken files
    return texts


@pytest.mark.parametrize("script", ["s2t", "s2tw", "s2hk"])
def test_documents_in_traditional_script_come_back_simplified(script: str) -> None:
    texts = document_texts()
    assert len(texts) >= 10
    to_traditional = opencc.OpenCC(script)
    changed = 0
    for name, text in texts:
        simplified = to_simplified(text)
        traditional = to_traditional.convert(simplified)
        changed += traditional != simplified
        if (script, name) not in ROUND_TRIP_DIFFERS:
            assert to_simplified(traditional) == simplified, name
    assert changed >= 10  # the documents really were written in another script


def test_simplified_documents_are_left_alone() -> None:
    traditional_documents = {"fz14_zhuxi_2023_trad.txt"}
    for name, text in document_texts():
        if name not in traditional_documents:
            assert to_simplified(text) == text, name


def test_phrases_win_over_characters() -> None:
    assert to_simplified("我幹什麼不干你事。") == "我干什么不干你事。"
    assert to_simplified("乾隆年間，天氣乾燥") == "乾隆年间，天气干燥"
    assert to_simplified("意志消沈，答覆") == "意志消沉，答复"  # 沈 / 覆 alone stay
    assert to_simplified("每季度要學法幾次") == "每季度要学法几次"
    assert to_simplified("") == "" and to_simplified("abc 123") == "abc 123"


def test_traditional_chars_are_the_ones_that_change() -> None:
    trad = traditional_chars()
    assert {"發", "國", "會", "區", "乾"} <= trad
    assert not {"发", "国", "会", "区", "沈", "a"} & trad
    assert all(to_simplified(ch) != ch for ch in trad)


def test_ascii_text_needs_no_opencc_import(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom knowledge.text.normalize import norm\n"
        "assert norm('Item 14') == 'item14'\n"
        "print('opencc' in sys.modules)\n"
        "assert norm('發展 國家') == '发展国家'\n"
        "print('opencc' in sys.modules)"
    )
    env = {**os.environ, "FAZHI_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "True"]
