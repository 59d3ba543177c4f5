"""The family fixtures (tests/data/family, written without looking at the parser), each pinned
through ``fazhi kb check FILE --json`` as a user runs it: items, units as written with their
roles, partial lists, lead persons, deadlines, year and issuer; the edge files' errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import opencc
import pytest

FAMILY = Path(__file__).parent / "data" / "family"
FAZHI = str(Path(sys.executable).with_name("fazhi"))
EXPECTED = sorted(FAMILY.glob("*.expected.json"))
T2S = opencc.OpenCC("t2s")  # the traditional document read as simplified
ERROR_WORDS = {
    "unbalanced_bracket": "括号",
    "encoding": "编码",
    "no_text_layer": "文字",
}


def check(path: Path, tmp_path: Path) -> tuple[int, dict]:
    env = {**os.environ, "FAZHI_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run(
        [FAZHI, "kb", "check", str(path), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def fold(text: str | None, traditional: bool) -> str | None:
    """What the fixtures allow a comparer to fold: full/half-width punctuation (and the
    script, for the traditional document)."""
    if text is None:
        return None
    out = "".join(unicodedata.normalize("NFKC", ch) if not ch.isalnum() else ch for ch in text)
    return T2S.convert(out) if traditional else out


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_family_document(expected_path: Path, tmp_path: Path) -> None:
    expected = json.loads(expected_path.read_text("utf-8"))
    trad = expected.get("script") == "traditional"
    code, got = check(FAMILY / expected["file"], tmp_path)

    if expected["errors"]:
        assert code == 1
        for err in expected["errors"]:
            word = ERROR_WORDS[err["kind"]]
            hits = [e for e in got["errors"] if word in e["message"]]
            assert hits, got["errors"]
            if err.get("line"):
                assert err["line"] in [e["line"] for e in hits], got["errors"]
        for fragment in expected.get("must_not_be_units_containing", []):
            for item in got["items"]:
                for name in item["units"]:
                    assert fragment not in name, (item["label"], name)
        if not expected["items"]:
            return
    else:
        assert got["errors"] == [], got["errors"]
        assert code == 0

    assert got["meta"]["plan_year"] == expected["year"]
    if expected.get("issuer"):
        assert fold(got["meta"]["issuer"], trad) == fold(expected["issuer"], trad)
    items = got["items"]
    assert [i["number"] for i in items] == [e["number"] for e in expected["items"]]
    for item, exp in zip(items, expected["items"], strict=True):
        where = f"item {exp['number']} ({exp['label']})"
        assert fold(item["label"], trad) == fold(exp["label"], trad), where
        assert fold(item["title"], trad).startswith(fold(exp["title_start"], trad)), (
            where,
            item["title"],
        )
        got_units = [
            (fold(r["name"], trad), r["role"])
            for r in item["unit_refs"]
            if r["name"] != "等有关单位"
        ]
        want_units = [(fold(u["name"], trad), u["role"]) for u in exp["units"]]
        assert got_units == want_units, where
        assert item["units_partial"] == exp["units_partial"], where
        assert item["lead_person"] == exp["lead_person"], where
        assert fold(item["deadline"] or None, trad) == fold(exp["deadline"], trad), where
