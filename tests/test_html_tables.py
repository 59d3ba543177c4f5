"""Tables of saved web pages: a data table is read as rows with its merged cells (rowspan,
colspan) repeated in every row and column they cover; a table that only lays the page out
(the article in one of its cells) is read as the paragraphs it holds."""

from __future__ import annotations

from knowledge.reading.formats import extract_text
from knowledge.reading.parser import parse_text


def _read(html: str) -> str:
    return extract_text(html.encode("utf-8"), "page.html").text


def test_merged_cells_are_repeated_in_the_rows_they_cover() -> None:
    text = _read(
        "<html><body><table>"
        "<tr><td>序号</td><td>工作任务</td><td>牵头单位</td><td>完成时限</td></tr>"
        "<tr><td colspan='4'>一、制度建设</td></tr>"
        "<tr><td>1</td><td>甲任务。</td><td rowspan='2'>区司法局</td><td rowspan='2'>6月底前</td></tr>"
        "<tr><td>2</td><td>乙任务，<br>分两行。</td></tr>"
        "<tr><td>3</td><td>丙任务。</td><td>区财政局<br>区审计局</td></tr>"
        "</table></body></html>"
    )
    rows = [ln for ln in text.split("\n") if "|" in ln]
    assert rows[2:] == [
        "1 | 甲任务。 | 区司法局 | 6月底前",
        "2 | 乙任务，分两行。 | 区司法局 | 6月底前",
        "3 | 丙任务。 | 区财政局 区审计局",  # the empty last cell: the line's end
    ]
    assert rows[1].count("一、制度建设") == 4


def test_a_layout_table_keeps_its_paragraphs() -> None:
    paragraphs = "".join(
        f"<p>{n}、第{n}项任务。推进依法行政。（责任单位：区司法局）</p>" for n in "一二三四"
    )
    html = (
        "<html><body><table><tr><td><a>首页</a></td><td>"
        f"<p>某区2026年法治政府建设工作要点</p>{paragraphs}</td></tr>"
        "<tr><td>左栏</td><td>版权所有</td></tr></table></body></html>"
    )
    result = parse_text(_read(html))
    assert [i.label for i in result.plan.items] == ["一、", "二、", "三、", "四、"]
    assert all(i.unit_names == ("区司法局",) for i in result.plan.items)
