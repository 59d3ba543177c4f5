"""The compliance matrix as a picture (PNG): units × obligations, one coloured cell each.

Drawn with Pillow's ImageDraw in the CJK font that comes with the install (Noto Sans SC from the
``pylopdf-fonts-zh-cn`` wheel, SIL OFL 1.1), so Chinese names never come out as empty boxes on
a fresh machine. :func:`render_matrix` returns the image with the box of every cell, so callers
(and tests) can find a cell again.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from scheduler.records.completions import (
    DONE,
    EXEMPT,
    NOT_APPLICABLE,
    OVERDUE,
    PENDING,
    Column,
    Matrix,
)
from scheduler.timing.periods import Period

# state → (fill colour, mark drawn in the cell, legend label)
STATE_STYLE: dict[str, tuple[tuple[int, int, int], str, str]] = {
    DONE: ((67, 160, 71), "完成", "已完成"),
    PENDING: ((255, 193, 7), "待办", "待完成"),
    OVERDUE: ((229, 57, 53), "逾期", "已逾期"),
    NOT_APPLICABLE: ((224, 224, 224), "", "不适用"),
    # an approved exemption: 不适用 for this period with a reason, never done (blue, not green)
    EXEMPT: ((66, 133, 244), "豁免", "豁免（不适用）"),
}
BACKGROUND = (255, 255, 255)
INK = (33, 33, 33)
GRID = (255, 255, 255)
HEADER_FILL = (236, 239, 241)

PAD = 16
CELL_W = 96
CELL_H = 30
FONT_SIZE = 16
SMALL_SIZE = 13
TITLE_SIZE = 24
MAX_HEADER_LINES = 5
# Telegram's limits for a photo: width + height <= 10000 and a side ratio of at most 20.
PHOTO_MAX_SUM = 10000
PHOTO_MAX_RATIO = 20


def font_path() -> Path:
    """The bundled Noto Sans SC font file (installed from PyPI with the package)."""
    from pylopdf_fonts_zh_cn import sans_path

    return Path(sans_path())


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size)


@dataclass
class Picture:
    image: Image.Image
    cells: dict[tuple[str, str], tuple[int, int, int, int]] = field(default_factory=dict)
    legend: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.image.save(buf, format="PNG", optimize=True)
        return buf.getvalue()

    @property
    def fits_photo(self) -> bool:
        """Whether Telegram accepts it as a photo (otherwise it goes as a document)."""
        w, h = self.image.size
        return w + h <= PHOTO_MAX_SUM and max(w, h) <= PHOTO_MAX_RATIO * min(w, h)


def short_period(p: Period) -> str:
    """The period without its year: 一季度, 上半年, 5月, 全年."""
    if p.kind == "Y":
        return "全年"
    if p.kind == "Q":
        return "一二三四"[p.index - 1] + "季度"
    if p.kind == "H":
        return "上半年" if p.index == 1 else "下半年"
    return f"{p.index}月"


def wrap(text: str, f: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """Break ``text`` between characters (Chinese has no spaces) into lines of ``width`` px."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and f.getlength(current + ch) > width:
            lines.append(current)
            current = ch
        else:
            current += ch
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and f.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def _groups(columns: list[Column]) -> list[tuple[str, list[Column]]]:
    """Consecutive columns of one obligation, with the obligation's header text."""
    out: list[tuple[str, list[Column]]] = []
    for col in columns:
        ob = col.obligation
        if out and out[-1][1][0].obligation.key == ob.key:
            out[-1][1].append(col)
        else:
            out.append((f"第{ob.item}条 {ob.action}", [col]))
    return out


def matrix_subtitle(m: Matrix) -> str:
    """'22 个单位 × 9 项 = 198：已完成 16，待完成 44，已逾期 58，不适用 80': the states add up
    to the cells only with 不适用 (an obligation that does not bind the unit)."""
    c = m.counts()
    return (
        f"{len(m.units)} 个单位 × {len(m.columns)} 项 = {len(m.units) * len(m.columns)}："
        f"已完成 {c[DONE]}，待完成 {c[PENDING]}，已逾期 {c[OVERDUE]}，"
        + (f"豁免 {c[EXEMPT]}，" if c.get(EXEMPT) else "")
        + f"不适用 {c[NOT_APPLICABLE]}"
    )


def render_matrix(m: Matrix, title: str | None = None, subtitle: str | None = None) -> Picture:
    """Draw the matrix: title, legend, a two-row header (obligation, period) and a row per
    unit with its name; each cell coloured by state with a short mark."""
    f, small, big = font(FONT_SIZE), font(SMALL_SIZE), font(TITLE_SIZE)
    title = title or f"{m.period.label}法治政府建设任务完成情况"
    if subtitle is None:
        subtitle = matrix_subtitle(m)
    name_w = max([f.getlength(u) for u in m.units] + [f.getlength("单位")]) + 2 * 8
    name_w = int(min(name_w, 20 * FONT_SIZE))
    groups = _groups(m.columns)
    header_lines = [
        wrap(text, small, len(cols) * CELL_W - 8, MAX_HEADER_LINES) for text, cols in groups
    ]
    line_h = SMALL_SIZE + 5
    head1_h = max([len(lines) for lines in header_lines] + [1]) * line_h + 10
    head2_h = line_h + 10

    title_h = TITLE_SIZE + 10
    sub_h = FONT_SIZE + 10
    legend_h = CELL_H + 10
    grid_top = PAD + title_h + sub_h + legend_h + 6
    grid_w = name_w + len(m.columns) * CELL_W
    width = max(
        PAD * 2 + grid_w,
        PAD * 2 + int(big.getlength(title)),
        PAD * 2 + int(f.getlength(subtitle)),
        480,
    )
    height = grid_top + head1_h + head2_h + len(m.units) * CELL_H + PAD
    img = Image.new("RGB", (width, height), BACKGROUND)
    d = ImageDraw.Draw(img)
    pic = Picture(img)

    y = PAD
    d.text((PAD, y), title, font=big, fill=INK)
    y += title_h
    d.text((PAD, y), subtitle, font=f, fill=INK)
    y += sub_h
    x = PAD
    for state, (colour, _mark, label) in STATE_STYLE.items():
        box = (x, y, x + 28, y + CELL_H - 8)
        d.rectangle(box, fill=colour, outline=INK)
        pic.legend[state] = box
        d.text((x + 36, y + 2), label, font=f, fill=INK)
        x += 36 + int(f.getlength(label)) + 24

    # header
    x0 = PAD + name_w
    top = grid_top
    d.rectangle((PAD, top, PAD + grid_w, top + head1_h + head2_h), fill=HEADER_FILL)
    d.text((PAD + 8, top + head1_h + head2_h // 2), "单位", font=f, fill=INK, anchor="lm")
    x = x0
    for (_text, cols), lines in zip(groups, header_lines, strict=True):
        span = len(cols) * CELL_W
        ty = top + 5
        for line in lines:
            d.text((x + span // 2, ty), line, font=small, fill=INK, anchor="ma")
            ty += line_h
        for k, col in enumerate(cols):
            cx = x + k * CELL_W
            d.text(
                (cx + CELL_W // 2, top + head1_h + head2_h // 2),
                short_period(col.period),
                font=small,
                fill=INK,
                anchor="mm",
            )
            d.line((cx, top + head1_h, cx, top + head1_h + head2_h), fill=BACKGROUND)
        d.line((x, top, x, top + head1_h + head2_h), fill=BACKGROUND, width=2)
        x += span
    d.line((x0, top + head1_h, PAD + grid_w, top + head1_h), fill=BACKGROUND, width=2)

    # rows
    y = top + head1_h + head2_h
    for unit in m.units:
        label = unit
        while label and f.getlength(label) > name_w - 12:
            label = label[:-1]
        if label != unit:
            label = label[:-1] + "…"
        d.text((PAD + 8, y + CELL_H // 2), label, font=f, fill=INK, anchor="lm")
        for k, col in enumerate(m.columns):
            state = m.cells.get((unit, col.label), NOT_APPLICABLE)
            colour, mark, _ = STATE_STYLE.get(state, STATE_STYLE[NOT_APPLICABLE])
            box = (x0 + k * CELL_W, y, x0 + (k + 1) * CELL_W - 1, y + CELL_H - 1)
            d.rectangle(box, fill=colour, outline=GRID)
            pic.cells[(unit, col.label)] = box
            if mark:
                ink = (255, 255, 255) if state in (DONE, OVERDUE, EXEMPT) else INK
                d.text(
                    ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2),
                    mark,
                    font=small,
                    fill=ink,
                    anchor="mm",
                )
        d.line((PAD, y + CELL_H - 1, x0, y + CELL_H - 1), fill=HEADER_FILL)
        y += CELL_H
    return pic


def matrix_png(m: Matrix, title: str | None = None) -> bytes:
    return render_matrix(m, title).png()
