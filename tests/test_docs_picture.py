"""docs/report-2026.png is drawn by a command from the current code (docs/generate_report_picture.py),
and what it draws follows the binding rules: the court is never shown completing 学法."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "docs" / "generate_report_picture.py"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_report_picture", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_command_writes_a_png_where_it_is_told(tmp_path: Path) -> None:
    out = tmp_path / "picture.png"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "-o", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.read_bytes()[:8] == PNG_MAGIC
    with Image.open(out) as img:
        assert img.format == "PNG" and img.width > 600 and img.height > 600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture.png"]  # nothing else written


def test_the_picture_shows_only_what_binds_each_unit(tmp_path: Path) -> None:
    gen = _generator()
    rows = gen.generate(tmp_path / "r.png")
    cells = {(r["unit"], r["obligation"], r["period"]): r["state"] for r in rows}
    # 学法 does not bind the court: no cell at all (drawn grey, 不适用), certainly not done
    assert not [k for k in cells if k[0] == "区法院" and k[1] == "i2-study"]
    assert cells[("区法院", "i1-annual_report", "2026")] == "done"  # what binds it is shown
    # every completion the generator records is shown done, so each of them binds its unit
    for unit, key, period in gen.DONE:
        assert cells[(unit, key, period)] == "done", (unit, key, period)
    towns_study = [k for k in cells if k[0] in gen.TOWNS and k[1] == "i2-study"]
    assert towns_study == []  # nor does it bind the towns


def test_the_committed_picture_is_what_the_current_code_draws(tmp_path: Path) -> None:
    """README's picture is the generator's output on this code, pixel for pixel; when the
    report or its rendering changes, run `python docs/generate_report_picture.py`."""
    gen = _generator()
    gen.generate(tmp_path / "fresh.png")
    with Image.open(tmp_path / "fresh.png") as fresh, Image.open(gen.OUTPUT) as committed:
        assert fresh.size == committed.size, "run python docs/generate_report_picture.py"
        diff = ImageChops.difference(fresh.convert("RGB"), committed.convert("RGB"))
        assert diff.getbbox() is None, "run python docs/generate_report_picture.py"
