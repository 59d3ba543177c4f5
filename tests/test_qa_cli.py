"""`fazhi ask`: single questions, JSON output, batch mode and bad input."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bot.cli.main import app

runner = CliRunner()


def test_ask_json() -> None:
    r = runner.invoke(
        app,
        ["ask", "第十四条 我单位要做什么", "--unit", "区司法局", "--json", "--today", "2021-08-01"],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["intent"] == "unit_item" and data["items"] == [14] and data["unit"] == "区司法局"
    assert "区司法局是第十四条列明的责任单位" in data["text"]


def test_ask_plain_text() -> None:
    r = runner.invoke(app, ["ask", "行政复议改革谁负责"])
    assert r.exit_code == 0
    assert "第十五条" in r.stdout and "区司法局" in r.stdout


def test_unknown_unit_is_a_clear_error() -> None:
    r = runner.invoke(app, ["ask", "第十四条 我单位要做什么", "--unit", "火星局"])
    assert r.exit_code == 2
    assert "未找到单位" in r.output and "Traceback" not in r.output


def test_batch_keeps_order_and_survives_bad_lines() -> None:
    lines = "\n".join(
        [
            json.dumps({"q": "第十四条讲什么", "unit": None}, ensure_ascii=False),
            "{not json",
            json.dumps({"q": "第十四条 我单位要做什么", "unit": "火星局"}, ensure_ascii=False),
            json.dumps({"unit": "区司法局"}, ensure_ascii=False),
            json.dumps({"q": "每季度要学法几次", "unit": "区司法局"}, ensure_ascii=False),
        ]
    )
    r = runner.invoke(app, ["ask", "--batch", "-"], input=lines + "\n")
    assert r.exit_code == 0, r.output
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == 5
    assert out[0]["items"] == [14]
    assert out[1]["line"] == 2 and "JSON" in out[1]["error"]
    # an unknown unit: the question is still answered (as from an unregistered chat), with a warning
    assert "未找到单位" in out[2]["warning"] and out[2]["unit"] is None
    assert out[2]["items"] == [14] and out[2]["text"].startswith("未找到单位")
    assert "q" in out[3]["error"]
    assert out[4]["intent"] == "cadence" and out[4]["items"] == [2]


def test_batch_missing_file() -> None:
    r = runner.invoke(app, ["ask", "--batch", "/nonexistent/questions.jsonl"])
    assert r.exit_code == 2 and "找不到文件" in r.output
