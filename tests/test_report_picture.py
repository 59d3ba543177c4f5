"""The compliance picture: the bundled plan, a registry of 20 units, rendered and read back."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pytest
from PIL import Image

from bot.chat.render.report_picture import (
    CELL_H,
    CELL_W,
    STATE_STYLE,
    font,
    font_path,
    render_matrix,
)
from knowledge.reading.loader import default_directory, default_plan
from scheduler.jobs.context import SchedulerContext
from scheduler.records import unit_registry
from scheduler.records.completions import (
    DONE,
    EXEMPT,
    NOT_APPLICABLE,
    OVERDUE,
    PENDING,
    compliance_matrix,
    confirm,
)
from scheduler.store.db import session_scope
from scheduler.timing.clock import TZ
from scheduler.timing.periods import Period

NOW = dt.datetime(2026, 7, 1, 10, 0, tzinfo=TZ)  # Q1, Q2 study overdue; Q3, Q4 pending
TOWNS = ["张家集镇", "黄集镇", "古驿镇"]
OUTSIDER = "区妇联"  # an "other" unit that no item of the plan names: not applicable everywhere
BUREAU = "区司法局"


@pytest.fixture
def ctx(tmp_path):  # noqa: ANN001, ANN201
    c = SchedulerContext.load(
        f"sqlite:///{tmp_path / 'fazhi.db'}", default_plan(), default_directory()
    )
    with session_scope(c.engine) as s:
        for town in TOWNS:
            unit_registry.add_unit(s, town, "town", actor="test")
        unit_registry.add_unit(s, OUTSIDER, "other", actor="test")
    yield c
    c.engine.dispose()


def _matrix(ctx: SchedulerContext, n_units: int = 20):  # noqa: ANN202
    with session_scope(ctx.engine) as s:
        plan = ctx.plan
        confirm(s, BUREAU, plan.obligation("i2-study"), "2026Q1", by="王科长", now=NOW)
        confirm(s, BUREAU, plan.obligation("i4-meeting"), "2026", by="王科长", now=NOW)
        directory = ctx.directory(s)
        everyone = compliance_matrix(s, plan, directory, Period(2026, "Y", 1), now=NOW)
        names = [*TOWNS, OUTSIDER, *[u for u in everyone.units if u not in TOWNS]][:n_units]
        return compliance_matrix(s, plan, directory, Period(2026, "Y", 1), now=NOW, units=names)


def _pixel(img: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int, int]:
    """A cell's colour, sampled inside its corner (the centre carries a short mark)."""
    return img.getpixel((box[0] + 3, box[1] + 3))  # type: ignore[return-value]


def test_picture_of_twenty_units_has_the_states_colours_and_size(ctx) -> None:  # noqa: ANN001
    m = _matrix(ctx)
    assert len(m.units) == 20 and len(m.columns) == 9
    pic = render_matrix(m)
    img = Image.open(io.BytesIO(pic.png()))
    assert img.format == "PNG" and img.mode == "RGB"
    w, h = img.size
    assert w >= 9 * CELL_W + 100 and h >= 20 * CELL_H + 100
    assert pic.fits_photo
    # one more unit is exactly one more row
    bigger = render_matrix(_matrix(ctx, 21)).image
    assert bigger.size == (max(w, bigger.size[0]), h + CELL_H)

    # cells, read back from the PNG, against what the records say (not what the matrix says)
    study = {c.period.key: c.label for c in m.columns if c.obligation.key == "i2-study"}
    meeting = next(c.label for c in m.columns if c.obligation.key == "i4-meeting")
    colour = {state: style[0] for state, style in STATE_STYLE.items()}
    expected = {
        (BUREAU, study["2026Q1"]): DONE,
        (BUREAU, meeting): DONE,
        (BUREAU, study["2026Q2"]): OVERDUE,
        ("区公安局", study["2026Q1"]): OVERDUE,
        ("区公安局", study["2026Q3"]): PENDING,
        ("区公安局", meeting): PENDING,
    }
    for cell, state in expected.items():
        assert _pixel(img, pic.cells[cell]) == colour[state], cell
    # a unit the plan does not name: not applicable, grey
    for col in m.columns:
        assert m.cells[(OUTSIDER, col.label)] == NOT_APPLICABLE
        assert _pixel(img, pic.cells[(OUTSIDER, col.label)]) == colour[NOT_APPLICABLE]
    # every cell has one of the four colours, and each state appears (no exemption here: an
    # exempted cell's own colour is checked in test_status_requests)
    seen = {_pixel(img, box) for box in pic.cells.values()}
    assert seen == set(colour.values()) - {colour[EXEMPT]}
    # the legend shows the four colours
    for state, box in pic.legend.items():
        assert img.getpixel(((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)) == colour[state]


def _ink(img: Image.Image) -> int:
    return sum(b < 128 for b in img.convert("L").tobytes())


def test_chinese_text_is_drawn_with_real_glyphs_not_boxes(ctx) -> None:  # noqa: ANN001
    m = _matrix(ctx)
    f = font(16)
    notdef = f.getmask("\U000f0000")  # a private-use code point: the font's .notdef box
    drawn = {ch for u in m.units for ch in u}
    drawn |= {ch for c in m.columns for ch in c.obligation.action}
    drawn |= set("法治政府建设任务完成情况已待逾期不适用单位全年季度")
    missing = [
        ch
        for ch in sorted(drawn)
        if not ch.isspace()
        and bytes(f.getmask(ch)) == bytes(notdef)
        and f.getmask(ch).size == notdef.size
    ]
    assert not missing, f"no glyph for {missing} in {font_path()}"

    # the unit names as they appear in the picture: ink in the name column of every row, and
    # different names give different pictures (the same name twice, the same pixels)
    pic = render_matrix(m)
    rows = {}
    for unit in m.units:
        box = next(b for (u, _), b in pic.cells.items() if u == unit)
        crop = pic.image.crop((0, box[1], box[0], box[3]))
        assert _ink(crop) > 30, unit
        rows[unit] = crop.tobytes()
    assert len(set(rows.values())) == len(m.units)
    again = render_matrix(m)
    assert again.png() == pic.png()


def test_font_comes_from_an_installed_package() -> None:
    path = font_path()
    assert path.is_file() and path.stat().st_size > 1_000_000
    assert ".venv" in str(path) or "site-packages" in str(path)


def test_cli_writes_the_png(tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "r.png"
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli.main",
            "report",
            "--period",
            "2026",
            "--format",
            "png",
            "-o",
            str(out),
            "--database-url",
            url,
        ],
        capture_output=True,
        text=True,
        env={"FAZHI_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
    )
    assert res.returncode == 0, res.stderr
    img = Image.open(out)
    assert img.format == "PNG" and img.size[0] > 9 * CELL_W
