"""The simplified-script table (knowledge.text.simplified) converts exactly as zhconv's ``zh-cn`` on
real documents, in both traditional scripts, and on phrases mixed into ordinary text; its
cached copy follows the dictionary file it was made from."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import zhconv

from knowledge.reading.decode import DocumentError, decode_document
from knowledge.text.simplified import (
    load_table,
    to_simplified,
    traditional_chars,
    zhconv_dictionary,
)

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted(
    [*(ROOT / "knowledge" / "sources").glob("*.txt"), *(ROOT / "tests" / "data").glob("*/*.txt")]
)


def document_texts() -> list[str]:
    texts = []
    for path in DOCUMENTS:
        try:
            texts.append(decode_document(path.read_bytes()).text)
        except DocumentError:
            continue  # the family's deliberately broken files
    return texts


def test_documents_convert_as_zhconv_in_both_scripts() -> None:
    texts = document_texts()
    assert len(texts) >= 10
    for text in texts:
        for variant in (text, zhconv.convert(text, "zh-tw"), zhconv.convert(text, "zh-hk")):
            assert to_simplified(variant) == zhconv.convert(variant, "zh-cn")


def test_phrases_win_over_characters_as_in_zhconv() -> None:
    """Random phrases and characters of the dictionary, glued with common characters: the
    longest phrase at each position wins, overlapping phrases included."""
    words = list(zhconv.zhconv.getdict("zh-cn"))
    filler = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
    rng = random.Random(11)
    for _ in range(2000):
        parts = [rng.choice(words) if rng.random() < 0.6 else rng.choice(filler) for _ in range(12)]
        text = "".join(parts)
        assert to_simplified(text) == zhconv.convert(text, "zh-cn"), text
    assert to_simplified("我幹什麼不干你事。") == "我干什么不干你事。"
    assert to_simplified("乾隆年間，天氣乾燥") == zhconv.convert("乾隆年間，天氣乾燥", "zh-cn")


def test_traditional_chars_are_the_ones_that_change() -> None:
    trad = traditional_chars()
    assert {"發", "國", "會", "區"} <= trad
    assert not {"发", "国", "会", "区", "a"} & trad


def test_the_cached_table_follows_its_dictionary(tmp_path: Path) -> None:
    """A table is cached once; changing the dictionary file makes the next start rebuild it."""
    dictionary = tmp_path / "zhcdict.json"
    cache = tmp_path / "cache" / "table.json"
    tables = {"zh2Hans": {"發": "发", "乾燥": "干燥"}, "zh2CN": {"資訊": "信息"}}
    dictionary.write_text(json.dumps(tables, ensure_ascii=False), "utf-8")
    assert load_table(dictionary, cache).convert("發資訊乾燥") == "发信息干燥"
    assert cache.is_file()
    assert load_table(dictionary, cache).convert("發資訊乾燥") == "发信息干燥"  # from the cache
    tables["zh2Hans"]["發"] = "髮"
    dictionary.write_text(json.dumps(tables, ensure_ascii=False), "utf-8")
    os.utime(dictionary, ns=(1, 1))  # a different file, whatever the clock's resolution
    assert load_table(dictionary, cache).convert("發") == "髮"


def test_an_unreadable_cache_is_rebuilt_and_an_unwritable_home_still_converts(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache" / "table.json"
    cache.parent.mkdir()
    cache.write_text("{not json", "utf-8")
    assert load_table(zhconv_dictionary(), cache).convert("國家") == "国家"
    assert json.loads(cache.read_text("utf-8"))["chars"]["國"] == "国"
    blocked = tmp_path / "a-file"  # a data home that cannot hold a cache folder
    blocked.write_text("", "utf-8")
    assert load_table(zhconv_dictionary(), blocked / "cache" / "t.json").convert("國家") == "国家"


def test_converting_needs_no_zhconv_import(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom knowledge.text.normalize import norm\n"
        "assert norm('發展 國家') == '发展国家'\n"
        "print('zhconv' in sys.modules)"
    )
    env = {**os.environ, "FAZHI_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for _ in range(2):  # the first run builds the cached table, the second reads it
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "False"
    assert (tmp_path / "cache").is_dir()
