"""Tables of saved web pages and Excel sheets: a data table is read as rows with its merged cells (rowspan,
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


def test_an_excel_sheets_merged_cells_cover_their_rows(tmp_path) -> None:  # noqa: ANN001
    from openpyxl import Workbook

    from knowledge.reading.loader import check_file

    book = Workbook()
    sheet = book.active
    sheet.append(["2026年某区法治政府建设工作任务分解表"])
    sheet.append(["序号", "工作任务", "牵头单位", "配合单位", "完成时限"])
    sheet.append([1, "健全重大行政决策程序。", "区政府办公室", "区司法局", "2026年6月底前"])
    sheet.append([2, "清理规范性文件。", None, "区直各部门", None])
    sheet.append([3, "开展案卷评查。", "区司法局", "区直各行政执法单位", "2026年11月底前"])
    sheet.merge_cells("C3:C4")  # one lead over rows 1–2
    sheet.merge_cells("E3:E4")  # one deadline over rows 1–2
    path = tmp_path / "分解表.xlsx"
    book.save(path)
    plan = check_file(path).plan
    got = [(i.label, i.unit_names, i.deadline) for i in plan.items]
    assert got == [
        ("1", ("区政府办公室", "区司法局"), "2026年6月底前"),
        ("2", ("区政府办公室", "区直各部门"), "2026年6月底前"),
        ("3", ("区司法局", "区直各行政执法单位"), "2026年11月底前"),
    ]
