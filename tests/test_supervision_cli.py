"""催办, replies, the ledger and the annual report draft through the installed ``fazhi`` script:
a chase is recorded and audited once however often it is repeated that day, the reply stands
beside it in `fazhi chases` and `fazhi report`, the ledger and the draft are written where
asked (and a wrong output path is refused in one sentence)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session, create_engine, select

from scheduler.store.models import Chase, ChaseReply
from scheduler.timing.clock import TZ
from tests.test_cli_operator import audit_actions, fazhi, home  # noqa: F401 - the fixture

YEAR = dt.datetime.now(TZ).year


def _rows(home: Path, model):  # noqa: ANN001, ANN202, F811
    engine = create_engine(f"sqlite:///{home / 'fazhi.db'}")
    with Session(engine) as s:
        out = list(s.exec(select(model)).all())
    engine.dispose()
    return out


def test_chase_reply_and_report_from_the_cli(home: Path) -> None:  # noqa: F811
    done = fazhi(home, "done", "司法局", "学法", "--period", f"{YEAR}Q1", "--by", "张三")
    assert done.returncode == 0, done.stderr
    first = fazhi(home, "remind", "司法局", "--by", "王督办")
    assert first.returncode == 0, first.stderr
    assert "已催办 1 个单位" in first.stdout and "区司法局" in first.stdout
    chased = _rows(home, Chase)
    assert chased and all(c.chased_by == "王督办" for c in chased)
    assert f"{YEAR}Q1" not in {c.period for c in chased if c.obligation_key == "i2-study"}
    again = fazhi(home, "remind", "区司法局", "--by", "王督办")
    assert "今天已经催办过" in again.stdout
    assert len(_rows(home, Chase)) == len(chased)
    answered = fazhi(
        home, "reply", "司法局", "已在办，预计月底前完成", "--by", "李四", "--by-id", "7001"
    )
    assert answered.returncode == 0 and "已记录" in answered.stdout, answered.stderr
    assert {(r.user_id, r.user_name) for r in _rows(home, ChaseReply)} == {("7001", "李四")}
    listing = fazhi(home, "chases", columns=200)
    assert "催办（王督办）" in listing.stdout and "已在办，预计月底前完成（李四" in listing.stdout
    report = fazhi(home, "report", columns=200)
    assert "催办与回复" in report.stdout and "已在办，预计月底前完成" in report.stdout
    actions = [a for a, _, _ in audit_actions(home)]
    assert actions.count("chase") == len(chased) and actions.count("chase_reply") == 1


def test_reply_without_a_chase_and_odd_input_are_one_sentence(home: Path) -> None:  # noqa: F811
    proc = fazhi(home, "reply", "司法局", "已在办")
    assert proc.returncode != 0 and "没有被催办" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = fazhi(home, "remind", "不存在的单位")
    assert proc.returncode != 0 and "未找到" in proc.stderr and "Traceback" not in proc.stderr


def test_ledger_and_draft_files_from_the_cli(home: Path, tmp_path: Path) -> None:  # noqa: F811
    fazhi(home, "done", "司法局", "学法", "--period", f"{YEAR}Q1", "--by", "张三")
    fazhi(home, "remind", "司法局")
    out = tmp_path / "out"
    out.mkdir()
    proc = fazhi(home, "ledger", "--year", str(YEAR), "-o", str(out / "ledger.xlsx"))
    assert proc.returncode == 0, proc.stderr
    wb = load_workbook(out / "ledger.xlsx")
    assert wb.sheetnames[0] == "汇总" and "区司法局" in wb.sheetnames
    assert wb["区司法局"].freeze_panes == "B3"
    proc = fazhi(home, "ledger", "--year", str(YEAR), "--format", "csv", "-o", str(out / "l.csv"))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO((out / "l.csv").read_text("utf-8-sig"))))
    assert rows[0][0] == "单位" and any(r[0] == "区司法局" and r[6] for r in rows[1:])
    proc = fazhi(home, "annual-draft", "--unit", "司法局", "-o", str(out / "draft.docx"))
    assert proc.returncode == 0, proc.stderr
    doc = Document(str(out / "draft.docx"))
    assert any(p.text.startswith("一、") for p in doc.paragraphs)
    assert any("待补充" in p.text for p in doc.paragraphs)
    assert sorted(p.name for p in out.iterdir()) == ["draft.docx", "l.csv", "ledger.xlsx"]


def test_wrong_output_paths_are_refused(home: Path, tmp_path: Path) -> None:  # noqa: F811
    proc = fazhi(home, "ledger", "-o", str(tmp_path / "missing" / "l.xlsx"))
    assert proc.returncode != 0 and "不存在" in proc.stderr
    proc = fazhi(home, "ledger", "-o", str(tmp_path / "l.txt"))
    assert proc.returncode != 0 and "扩展名" in proc.stderr
    proc = fazhi(home, "annual-draft", "-o", str(tmp_path / "d.pdf"))
    assert proc.returncode != 0 and "扩展名" in proc.stderr
    proc = fazhi(home, "ledger", "--year", "99")
    assert proc.returncode != 0 and "年份" in proc.stderr
