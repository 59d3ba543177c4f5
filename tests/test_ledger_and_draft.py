"""The ledger (台账) opened by openpyxl: a summary sheet and a sheet per unit, the header,
widths fitted to the Chinese text, frozen panes, print area and titles, every record present;
as CSV too. The annual report draft opened by python-docx: the five headings of the national
rule, every filled sentence traceable to a record, 待补充 where the records hold nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator

import pytest
import time_machine
from docx import Document
from openpyxl import load_workbook
from scheduler_fixtures import *  # noqa: F403
from sqlmodel import select

from scheduler.delivery.chasing import chase
from scheduler.records.annual_draft import build_draft, sections_data
from scheduler.records.annual_draft_docx import draft_docx
from scheduler.records.chases import chase_targets, reply
from scheduler.records.completions import confirm, resolve_obligation
from scheduler.records.ledger import HEADERS, build_ledger
from scheduler.records.ledger_xlsx import MAX_WIDTH, SUMMARY_HEADERS, ledger_csv, ledger_xlsx
from scheduler.records.ledger_xlsx import text_width as width_of
from scheduler.store.db import session_scope
from scheduler.store.models import Chase, Completion, UnitRow
from scheduler.timing.clock import TZ, local
from scheduler.timing.periods import Period

NOW = dt.datetime(2026, 10, 15, 10, tzinfo=TZ)
YEAR = 2026


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def records(ctx):  # noqa: ANN001, ANN201
    """Two bureaus' study sessions (with evidence and a note), one chase with a reply."""
    study = resolve_obligation(ctx.plan, "学法")
    with session_scope(ctx.engine) as s:
        c, _ = confirm(
            s, "区司法局", study, "2026Q1", by="张三", by_id="7001", note="党组会集体学法"
        )
        c.evidence = "telegram:document:F1:会议纪要.pdf\ntelegram:photo:P1"
        confirm(s, "区司法局", study, "2026Q2", by="张三", by_id="7001")
        confirm(s, "区财政局", study, "2026Q1", by="赵六", by_id="7002")
        submit = next(o for o in ctx.plan.obligations if o.kind == "annual_report")
        confirm(s, "区司法局", submit, "2026", by="张三", evidence="telegram:document:F2:报告.docx")
        directory = ctx.directory(s)
        targets = chase_targets(
            s,
            ctx.plan,
            directory,
            YEAR,
            unit="区司法局",
            obligation=study,
            period=Period.parse("2026Q3"),
        )
        chase(s, targets, "督办员", "42")
        reply(s, "区司法局", "已在办，预计10月30日前完成", user_id="7001", user_name="李联络")
    return study


def _book(ctx, unit: str | None = None):  # noqa: ANN001, ANN202
    with session_scope(ctx.engine) as s:
        return build_ledger(s, ctx.plan, ctx.directory(s), YEAR, unit=unit)


def _completions(ctx) -> list[tuple[Completion, str]]:  # noqa: ANN001
    with session_scope(ctx.engine) as s:
        rows = s.exec(select(Completion, UnitRow).join(UnitRow)).all()
        return [(c, u.name) for c, u in rows]


def test_the_ledger_workbook_is_laid_out_as_offices_keep_it(ctx, records) -> None:  # noqa: ANN001
    book = _book(ctx)
    wb = load_workbook(io.BytesIO(ledger_xlsx(book)))
    assert wb.sheetnames[0] == "汇总"
    assert book.units == sorted(book.units)  # the order of names: nothing ranked
    assert wb.sheetnames[1:] == book.units
    summary = wb["汇总"]
    assert [c.value for c in summary[2]] == list(SUMMARY_HEADERS)
    assert [r[0] for r in summary.iter_rows(min_row=3, values_only=True)] == book.units
    for name in wb.sheetnames:
        ws = wb[name]
        header = [c.value for c in ws[2]]
        expected = list(SUMMARY_HEADERS) if name == "汇总" else list(HEADERS[1:])
        assert header == expected
        assert ws.freeze_panes == "B3"
        assert ws.print_title_rows == "$1:$2"
        last = ws.cell(2, len(header)).column_letter
        assert ws.print_area == f"'{name}'!$A$1:${last}${ws.max_row}"
        assert ws.page_setup.orientation == "landscape"
        assert all(c.alignment.wrap_text and c.font.bold for c in ws[2])
        for col in range(1, len(header) + 1):
            cells = [ws.cell(r, col).value for r in range(2, ws.max_row + 1)]
            need = max(width_of(str(v)) for v in cells if v is not None)
            letter = ws.cell(2, col).column_letter
            assert ws.column_dimensions[letter].width == min(need, MAX_WIDTH) + 2
            assert ws.column_dimensions[letter].width >= width_of(header[col - 1]) + 2


def test_every_record_is_in_the_ledger(ctx, records) -> None:  # noqa: ANN001
    book = _book(ctx)
    wb = load_workbook(io.BytesIO(ledger_xlsx(book)))
    for unit in book.units:
        rows = list(wb[unit].iter_rows(min_row=3, values_only=True))
        assert len(rows) == len(book.of(unit))
    cols = {h: i for i, h in enumerate(HEADERS[1:])}
    for c, unit in _completions(ctx):
        rows = list(wb[unit].iter_rows(min_row=3, values_only=True))
        [row] = [r for r in rows if f"#{c.id}" in (r[cols["记录编号"]] or "")]
        assert row[cols["期间"]] == Period.parse(c.period).label
        assert row[cols["状态"]] == "已完成"
        assert c.confirmed_by in row[cols["确认人"]]
        assert local(c.confirmed_at).date().isoformat() in row[cols["完成日期"]]
    justice = list(wb["区司法局"].iter_rows(min_row=3, values_only=True))
    q1 = next(r for r in justice if r[cols["期间"]] == "2026年第一季度" and r[1] == "学法")
    assert q1[cols["证明材料"]] == "会议纪要.pdf\n照片"
    assert q1[cols["登记说明"]] == "党组会集体学法"
    q3 = next(r for r in justice if r[cols["期间"]] == "2026年第三季度" and r[1] == "学法")
    assert q3[cols["状态"]] == "已逾期"
    assert "督办员催办" in q3[cols["催办"]]
    assert "李联络：已在办，预计10月30日前完成" in q3[cols["单位回复"]]


def test_the_ledger_as_csv_has_every_row(ctx, records) -> None:  # noqa: ANN001
    book = _book(ctx)
    text = ledger_csv(book).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(HEADERS)
    assert len(rows) == len(book.rows) + 1
    assert {r[0] for r in rows[1:]} == set(book.units)


_REF = re.compile(r"〔([^〕]+)〕$")


def _body(doc) -> list[tuple[str, str]]:  # noqa: ANN001
    """(section heading, paragraph) of the five sections."""
    out, heading = [], None
    for p in doc.paragraphs:
        if p.style.name.startswith("Heading"):
            heading = p.text
        elif heading and not heading.startswith("附"):
            out.append((heading, p.text))
    return out


def _draft(ctx, unit: str | None):  # noqa: ANN001, ANN202
    with session_scope(ctx.engine) as s:
        draft = build_draft(s, ctx.plan, ctx.directory(s), YEAR, unit)
    return draft, Document(io.BytesIO(draft_docx(draft)))


@pytest.mark.parametrize("unit", ["区司法局", None])
def test_the_draft_has_the_sections_and_every_fact_is_traceable(ctx, records, unit) -> None:  # noqa: ANN001
    draft, doc = _draft(ctx, unit)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    titles = [s["title"].format(year=YEAR, next_year=YEAR + 1) for s in sections_data()["section"]]
    assert headings == [*titles, "附：记录来源"]
    assert "第二十五条" in doc.paragraphs[1].text
    comps = {f"记录#{c.id}": (c, u) for c, u in _completions(ctx) if unit in (None, u)}
    with session_scope(ctx.engine) as s:
        chases = {f"催办#{c.id}" for c in s.exec(select(Chase)).all()}
    items = {f"要点第{ob.item}条" for ob in ctx.plan.obligations}
    table = {row.cells[0].text: [c.text for c in row.cells] for row in doc.tables[0].rows[1:]}
    cited: set[str] = set()
    for heading, text in _body(doc):
        if "待补充" in text:
            continue
        m = _REF.search(text)
        assert m, (heading, text)  # a filled sentence ends with its records
        for ref in m.group(1).split("、"):
            assert ref in comps or ref in chases or ref in items, ref
            if ref in comps:
                c, u = comps[ref]
                assert f"{local(c.confirmed_at).date():%Y年%-m月%-d日}" in text
                assert table[ref][1] == u and table[ref][4] == c.confirmed_by
                cited.add(ref)
    assert cited == set(comps)  # every completion of the year is reported
    assert set(table) == set(comps)
    sections = dict.fromkeys(titles, 0)
    for heading, text in _body(doc):
        sections[heading] += "待补充" in text
    assert all(n >= 1 for n in sections.values())  # every section leaves room for people
    next_year = [t for h, t in _body(doc) if h == titles[3]]
    assert len(next_year) == 1 and next_year[0].startswith("待补充")  # nothing invented
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "李联络：已在办，预计10月30日前完成" in text
    other = "\n".join(t for h, t in _body(doc) if h == titles[4])
    assert "报送上一年度法治政府建设情况报告" in other and "报告.docx" in other
    if unit is None:
        assert "区财政局于" in text and "区司法局于" in text


def test_a_unit_without_records_gets_only_placeholders(ctx, records) -> None:  # noqa: ANN001
    draft, doc = _draft(ctx, "区公安局")
    first = [t for h, t in _body(doc) if h.startswith("一、")]
    assert len(first) == 1 and first[0].startswith("待补充")
    assert doc.tables == [] and draft.sources == []
    assert any("没有完成登记记录" in p.text for p in doc.paragraphs)


def test_exemptions_and_extensions_granted_are_in_the_ledger(ctx, records) -> None:  # noqa: ANN001
    """Requests made and approved through the records (scheduler.records.requests): the ledger
    shows an exemption as 不适用 with its reason, never as done, and an extension's new date."""
    from scheduler.records.requests import decide, request

    with session_scope(ctx.engine) as s:
        d = ctx.directory(s)
        ex, _ = request(s, ctx.plan, d, "exempt", "区财政局", "学法", "2026Q3", "本季度无执法任务")
        ext, _ = request(
            s, ctx.plan, d, "extend", "区司法局", "学法", "2026Q3", "会议改期",
            new_due=dt.date(2026, 10, 30),
        )  # fmt: skip
        decide(s, ctx.plan, ex.row.id, True, by="督办员", by_id="42")
        decide(s, ctx.plan, ext.row.id, True, by="督办员", by_id="42")
    wb = load_workbook(io.BytesIO(ledger_xlsx(_book(ctx))))
    cols = {h: i for i, h in enumerate(HEADERS[1:])}

    def q3(unit: str) -> tuple:
        rows = wb[unit].iter_rows(min_row=3, values_only=True)
        return next(r for r in rows if r[cols["期间"]] == "2026年第三季度" and r[1] == "学法")

    finance, justice = q3("区财政局"), q3("区司法局")
    assert "不适用" in finance[cols["状态"]] and "已完成" not in finance[cols["状态"]]
    assert "本季度无执法任务" in finance[cols["豁免/延期"]]
    assert "2026-10-30" in justice[cols["豁免/延期"]] and "会议改期" in justice[cols["豁免/延期"]]
