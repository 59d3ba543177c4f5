"""Documents generated from a known item list (tests/family_gen.py) read back to exactly that
list, in every shape; every line is accounted for; content no item took is a warning."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.plan.serialize import item_dict
from knowledge.reading.ledger import ASIDE, BLANK, SKIPPED
from knowledge.reading.parser import parse_text
from tests.family_gen import SHAPES, compare, generate


def read_back(text: str) -> tuple[list[dict], object]:
    result = parse_text(text)
    assert result.errors == [], result.errors[:3]
    assert result.plan is not None
    return [item_dict(i) for i in result.plan.items], result


@settings(
    max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(seed=st.integers(0, 10**6), shape=st.sampled_from(SHAPES))
def test_generated_documents_read_back_exactly(seed: int, shape: str) -> None:
    gen = generate(seed, shape)
    got, result = read_back(gen.text)
    right, problems = compare(gen, got)
    assert right == len(gen.items) and not problems, (gen.shape, problems[:3])
    # every line has one place; nothing of a generated document is skipped
    assert len(result.places) >= len(gen.text.split("\n")) or shape == "oneline"
    assert not [p for p in result.places if p.place == SKIPPED], gen.shape


@pytest.mark.parametrize(
    ("shape", "scheme"),
    [
        ("plain", "flat_ar"),
        ("plain", "flat_cn"),
        ("plain", "sec_pcn"),
        ("noise", "sec_ar_cont"),
        ("oneline", "flat_ar"),
        ("table_cells", None),
        ("table_cells_nonum", None),
        ("table_glued", None),
    ],
)
def test_a_thousand_items_are_a_thousand_items(shape: str, scheme: str | None) -> None:
    """Once 300 numbered items: item 300 swallowed the rest, and the check passed."""
    gen = generate(11, shape, 1000, scheme)
    got, _result = read_back(gen.text)
    right, problems = compare(gen, got)
    assert (len(got), right) == (1000, 1000), problems[:3]
    assert max(len(i["text"]) for i in got) < 400


CHROME_PAGE = """首页 > 政务公开 > 通知公告
2026年某区法治政府建设工作要点
文章来源：区司法局 责任编辑：王晓明
发布时间：2026-02-10 09:30 浏览次数：1287
一、完善依法行政制度体系。健全规范性文件合法性审核机制。
责任单位：区司法局
二、加强行政执法监督。全面推行行政执法三项制度。
责任单位：区市场监督管理局、区公安分局
分享到：
【打印本页】【关闭窗口】"""


def test_web_chrome_is_set_aside_and_never_swallows_the_first_item() -> None:
    got, result = read_back(CHROME_PAGE)
    assert [i["label"] for i in got] == ["一、", "二、"]
    assert [u["name"] for u in got[0]["unit_refs"]] == ["区司法局"]
    assert result.plan.meta.issuer == ""  # not 责任单位：区司法局, not the chrome
    places = {p.line: p for p in result.places}
    assert {places[n].place for n in (1, 3, 4, 9, 10)} == {ASIDE}
    assert places[3].reason == "网页栏目"
    assert places[5].place == "item" and places[6].place == "units"


@pytest.mark.parametrize(
    "note",
    [
        "(列第一位者为牵头或汇总单位,下同)",
        "（首位单位为牵头单位，下同）",
        "（列第一位者为牵头单位）",
    ],
)
def test_lead_convention_notes_are_notes(note: str) -> None:
    text = (
        "2026年某区法治政府建设工作要点\n"
        f"一、完善依法行政制度体系。健全审核机制。\n责任单位：区司法局、区财政局{note}\n"
        "二、加强行政执法监督。推行三项制度。\n责任单位：区市场监督管理局、区公安分局\n"
    )
    got, _result = read_back(text)
    units = [[(u["name"], u["role"]) for u in i["unit_refs"]] for i in got]
    assert units == [
        [("区司法局", "lead"), ("区财政局", "responsible")],
        [("区市场监督管理局", "lead"), ("区公安分局", "responsible")],
    ]


@pytest.mark.parametrize(
    ("written", "names", "partial"),
    [
        ("市级各有关部门及各县市区政府", ["市级各有关部门", "各县市区政府"], True),
        ("区委和区政府", ["区委", "区政府"], False),
        (
            "区发展和改革局、区人力资源和社会保障局",
            ["区发展和改革局", "区人力资源和社会保障局"],
            False,
        ),
        ("区司法局、各县、市、区政府", ["区司法局", "各县、市、区政府"], False),
        ("区财政局、经开区管委会等", ["区财政局", "经开区管委会"], True),
        ("区财政局、区教育局等部门", ["区财政局", "区教育局"], True),
    ],
)
def test_unit_lists_split_as_written(written: str, names: list[str], partial: bool) -> None:
    text = f"2026年某区法治政府建设工作要点\n一、完善依法行政制度体系。健全审核机制。〔责任单位：{written}〕\n"
    got, _result = read_back(text)
    refs = got[0]["unit_refs"]
    assert [r["name"] for r in refs if r["name"] != "等有关单位"] == names
    assert got[0]["units_partial"] is partial


SECTIONS_DOC = """2026年某区法治政府建设工作要点
一、加强行政执法监督（牵头单位：区司法局）
1.全面推行行政执法三项制度。（责任单位：区市场监督管理局、区公安分局）
2.开展行政执法案卷评查。（责任单位：区财政局）
二、推进政务公开
1.推进政务公开标准化规范化。（责任单位：区教育局）
三、强化法治宣传教育
区普法办牵头，各镇（街道）配合。
"""


def test_numbered_items_under_a_section_are_items_and_section_units_are_reported() -> None:
    result = parse_text(SECTIONS_DOC)
    items = result.plan.items
    assert [(i.label, i.unit_names) for i in items] == [
        ("1.", ("区市场监督管理局", "区公安分局")),
        ("2.", ("区财政局",)),
        ("1.", ("区教育局",)),
    ]
    lines_warned = Counter(ln for ln, _m in result.warnings)
    assert lines_warned[2] == 1  # the section's own units went to no item: said so
    assert lines_warned[8] == 1  # units under a section without items: said so
    assert all("没有归入任何条目" in m for _ln, m in result.warnings)


def test_a_line_that_looks_like_content_in_the_front_matter_is_a_warning() -> None:
    text = (
        "关于印发2026年工作要点的通知\n责任单位：区司法局\n2026年某区法治政府建设工作要点\n"
        "一、完善依法行政制度体系。健全审核机制。〔责任单位：区财政局〕\n"
    )
    result = parse_text(text)
    assert [ln for ln, m in result.warnings if "没有归入任何条目" in m] == [2]


def test_every_line_has_exactly_one_place() -> None:
    gen = generate(3, "noise", 12, "sec_pcn")
    _got, result = read_back(gen.text)
    n_lines = len(gen.text.split("\n"))
    assert [p.line for p in result.places] == list(range(1, n_lines + 1))
    assert {p.place for p in result.places} >= {"front", "heading", "item", "units", BLANK}


HEAVY_CHROME_HTML = """<!DOCTYPE html><html><head><title>某区人民政府</title></head><body>
<div class="top">网站首页 | 政务公开 | 办事服务</div>
<div id="content">
<p>当前位置：首页 &gt; 政务公开 &gt; 通知公告</p>
<h1>2026年某区法治政府建设工作要点</h1>
<p>文章来源：区司法局 责任编辑：王晓明 发布时间：2026-02-10</p>
<p>浏览次数：1287 【字体：大 中 小】 打印本页 关闭窗口</p>
<p>一、完善依法行政制度体系。健全规范性文件合法性审核机制。（责任单位：区司法局、区财政局）</p>
<p>二、加强行政执法监督。全面推行行政执法三项制度。（责任单位：区市场监督管理局）</p>
<p>分享到：</p>
</div>
<div>版权所有：某区人民政府办公室 ICP备12345678号</div>
</body></html>"""


def test_kb_check_explain_on_a_page_with_heavy_chrome(tmp_path) -> None:  # noqa: ANN001
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    page = tmp_path / "page.html"
    page.write_text(HEAVY_CHROME_HTML, "utf-8")
    fazhi = str(Path(sys.executable).with_name("fazhi"))
    env = {**os.environ, "FAZHI_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run(
        [fazhi, "kb", "check", str(page), "--json", "--explain"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    got = json.loads(proc.stdout)
    assert [(i["label"], i["units"]) for i in got["items"]] == [
        ("一、", ["区司法局", "区财政局"]),
        ("二、", ["区市场监督管理局"]),
    ]
    places = [p["place"] for p in got["lines"]]
    assert "skipped" not in places and places.count("aside") >= 4
    assert got["meta"]["title"] == "2026年某区法治政府建设工作要点"


def test_kb_check_warns_of_content_no_item_took(tmp_path) -> None:  # noqa: ANN001
    import os
    import subprocess
    import sys
    from pathlib import Path

    doc = tmp_path / "plan.txt"
    doc.write_text(SECTIONS_DOC, "utf-8")
    fazhi = str(Path(sys.executable).with_name("fazhi"))
    env = {**os.environ, "FAZHI_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run(
        [fazhi, "kb", "check", str(doc)], capture_output=True, text=True, env=env, timeout=120
    )
    assert "第8行" in proc.stdout and "没有归入任何条目" in proc.stdout, proc.stdout


FAMILY = Path(__file__).parent / "data" / "family"


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(FAMILY.glob("fz*.*")) if p.suffix != ".json"],
    ids=lambda p: p.stem,
)
def test_family_fixtures_lose_no_line_and_raise_no_false_alarm(path: Path) -> None:
    """The pinned family documents: no line skipped, no "not in any item" warning."""
    from knowledge.reading.formats import extract_text

    result = parse_text(extract_text(path.read_bytes(), path.name).text)
    assert [p for p in result.places if p.place == SKIPPED] == []
    assert [m for _ln, m in result.warnings if "没有归入任何条目" in m] == []


def test_a_one_line_document_keeps_its_title_year_and_issuer() -> None:
    gen = generate(3, "oneline")
    assert "\n" not in gen.text
    _got, result = read_back(gen.text)
    meta = result.plan.meta
    assert (meta.title, meta.plan_year, meta.issuer) == (
        "2026年某区法治政府建设工作要点",
        2026,
        "某区人民政府办公室",
    )
    assert result.plan.preamble == "为全面推进依法行政，制定本要点。"
    assert sum("没有换行" in m for _ln, m in result.warnings) == 1
