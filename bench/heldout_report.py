"""Score the held-out questions through ``fazhi ask --batch`` and print a table per family.

    python -m bench.heldout_report            # run the CLI, print the table
    python -m bench.heldout_report --json     # the same figures as JSON
    python -m bench.heldout_report --misses   # also list every miss with the answer given
    python -m bench.heldout_report --singles tests/data/qa_heldout_blind.jsonl \
        --conversations tests/data/qa_heldout_blind_conversations.jsonl   # another set

The held-out set (``tests/data/qa_heldout.jsonl``, ``tests/data/qa_heldout_conversations.jsonl``)
was written from the bundled document and the product rules only, without looking at the code,
so it measures how the assistant copes with phrasings nobody tuned it for.

Each expectation is scored on what the JSON answer gives (``items``, ``text``, ``verdict``,
``intent``); a check the expectation does not ask for is not scored. Scoring is tolerant of an
answer without ``verdict`` (counted as no verdict) and of batch runs that ignore ``session``.

Checks per question or turn:
- top1: the answer's first item is the expected first (``"ordered": true``) or any expected item;
  when no item is expected and ``exact_items`` is true, the answer must name no item;
- set: ``exact_items`` true → the answer's items equal the expected set; false → they include
  every expected item and none of ``forbid_items`` (items left out of both are allowed);
- verdict: the answer's ``verdict`` equals the expected ``"yes"``/``"no"``;
- count: the asked number appears in the text (Arabic or Chinese numerals);
- text: every ``expect_text`` phrase appears in the text (NFKC, spaces removed);
- intent: for questions that need the records, the answer's ``intent`` is the expected one.
A question is right when every scored check holds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SINGLES = DATA / "qa_heldout.jsonl"
CONVERSATIONS = DATA / "qa_heldout_conversations.jsonl"
CHECKS = ("top1", "set", "verdict", "count", "text", "intent")
CN_DIGITS = "零一二三四五六七八九"


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return load_jsonl(SINGLES), load_jsonl(CONVERSATIONS)


def batch_lines(
    singles: list[dict[str, Any]], conversations: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Batch input: each single question in a session of its own, then each conversation's turns."""
    lines = [{"q": s["q"], "unit": s.get("unit"), "session": f"single-{s['id']}"} for s in singles]
    for conv in conversations:
        for turn in conv["turns"]:
            lines.append({"q": turn["q"], "unit": turn.get("unit"), "session": conv["session"]})
    return lines


def fazhi_command() -> list[str]:
    """The installed ``fazhi`` script next to this interpreter, else the one on PATH."""
    local = Path(sys.executable).with_name("fazhi")
    if local.exists():
        return [str(local)]
    found = shutil.which("fazhi")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from bot.cli.main import main; sys.exit(main())"]


def run_batch(lines: list[dict[str, Any]], timeout: float = 900) -> list[dict[str, Any]]:
    """Run ``fazhi ask --batch -`` once over all lines in a scratch directory and database."""
    payload = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    with tempfile.TemporaryDirectory(prefix="fazhi-heldout-") as tmp:
        env = dict(os.environ)
        env["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'fazhi.db'}"
        env.setdefault("TZ", "Asia/Shanghai")
        proc = subprocess.run(
            [*fazhi_command(), "ask", "--batch", "-"],
            input=payload,
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=tmp,
            env=env,
            timeout=timeout,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"fazhi ask --batch exited {proc.returncode}: {proc.stderr[-2000:]}")
    answers = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(answers) != len(lines):
        raise RuntimeError(f"{len(lines)} questions in, {len(answers)} answers out")
    return answers


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def chinese_number(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CN_DIGITS[tens]
    return head + "十" + (CN_DIGITS[ones] if ones else "")


def has_number(text: str, n: int) -> bool:
    """The number as a count: Arabic digits on their own, or Chinese numerals not preceded by 第."""
    if re.search(rf"(?<![\d.]){n}(?![\d.])", text):
        return True
    cn = chinese_number(n)
    return bool(re.search(rf"(?<![第{CN_DIGITS}十]){cn}(?![{CN_DIGITS}十])", text))


def answer_items(answer: dict[str, Any]) -> list[int]:
    out = []
    for value in answer.get("items") or []:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return out


def score(expect: dict[str, Any], answer: dict[str, Any]) -> dict[str, bool | None]:
    """Each check → True/False, or None when the expectation does not ask for it."""
    got = answer_items(answer)
    items = list(expect.get("items") or [])
    exact = bool(expect.get("exact_items"))
    forbid = set(expect.get("forbid_items") or [])
    text = normalise(answer.get("text") or "")
    result: dict[str, bool | None] = dict.fromkeys(CHECKS)
    if expect.get("needs_records"):
        wanted = expect.get("intent")
        if wanted:
            wanted = [wanted] if isinstance(wanted, str) else list(wanted)
            result["intent"] = answer.get("intent") in wanted
        return result
    if items:
        if expect.get("ordered"):
            result["top1"] = bool(got) and got[0] == items[0]
        else:
            result["top1"] = bool(got) and got[0] in items
    elif exact:
        result["top1"] = not got
    if exact:
        result["set"] = set(got) == set(items)
    elif items or forbid:
        result["set"] = set(items) <= set(got) and not (set(got) & forbid)
    if expect.get("verdict") in ("yes", "no"):
        result["verdict"] = answer.get("verdict") == expect["verdict"]
    if expect.get("count") is not None:
        result["count"] = has_number(text, int(expect["count"]))
    if expect.get("expect_text"):
        result["text"] = all(normalise(word) in text for word in expect["expect_text"])
    return result


def is_right(checks: dict[str, bool | None]) -> bool:
    scored = [v for v in checks.values() if v is not None]
    return bool(scored) and all(scored)


class Tally:
    """Right/asked counts per check and for the whole question."""

    def __init__(self) -> None:
        self.n = 0
        self.right = 0
        self.checks: dict[str, list[int]] = {c: [0, 0] for c in CHECKS}

    def add(self, checks: dict[str, bool | None]) -> None:
        self.n += 1
        self.right += is_right(checks)
        for name, value in checks.items():
            if value is not None:
                self.checks[name][1] += 1
                self.checks[name][0] += bool(value)

    def rate(self, name: str | None = None) -> float | None:
        if name is None:
            return self.right / self.n if self.n else None
        ok, asked = self.checks[name]
        return ok / asked if asked else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "right": self.right,
            "accuracy": self.rate(),
            **{c: {"right": ok, "asked": asked} for c, (ok, asked) in self.checks.items()},
        }


def evaluate(
    singles: list[dict[str, Any]],
    conversations: list[dict[str, Any]],
    answers: list[dict[str, Any]],
) -> dict[str, Any]:
    """Tally the answers (in batch order) against the expectations."""
    families: dict[str, Tally] = defaultdict(Tally)
    overall, turns = Tally(), Tally()
    misses: list[dict[str, Any]] = []
    it = iter(answers)
    for single in singles:
        answer = next(it)
        checks = score(single, answer)
        families[single["family"]].add(checks)
        overall.add(checks)
        if not is_right(checks):
            misses.append(
                {"id": single["id"], "q": single["q"], "checks": checks, "answer": answer}
            )
    conv_right = 0
    for conv in conversations:
        all_right = True
        for i, turn in enumerate(conv["turns"]):
            answer = next(it)
            checks = score(turn, answer)
            turns.add(checks)
            if not is_right(checks):
                all_right = False
                where = f"{conv['session']}#{i + 1}"
                misses.append({"id": where, "q": turn["q"], "checks": checks, "answer": answer})
        conv_right += all_right
    return {
        "families": {name: families[name].as_dict() for name in sorted(families)},
        "singles": overall.as_dict(),
        "turns": turns.as_dict(),
        "conversations": {"n": len(conversations), "right": conv_right},
        "misses": misses,
        "_tallies": (families, overall, turns),
    }


def percent(value: float | None) -> str:
    return "     -" if value is None else f"{100 * value:5.1f}%"


def table(result: dict[str, Any]) -> str:
    families, overall, turns = result["_tallies"]
    head = f"{'family':<12} {'n':>4}  " + "  ".join(f"{c:>6}" for c in CHECKS) + "     all"
    rows = [head, "-" * len(head)]

    def row(name: str, tally: Tally) -> str:
        cells = "  ".join(percent(tally.rate(c)) for c in CHECKS)
        return f"{name:<12} {tally.n:>4}  {cells}  {percent(tally.rate())}"

    for name in sorted(families):
        rows.append(row(name, families[name]))
    rows.append("-" * len(head))
    rows.append(row("SINGLES", overall))
    rows.append(row("CONV TURNS", turns))
    conv = result["conversations"]
    rows.append(f"conversations entirely right: {conv['right']}/{conv['n']}")
    return "\n".join(rows)


def run(singles_path: Path = SINGLES, conversations_path: Path = CONVERSATIONS) -> dict[str, Any]:
    singles, conversations = load_jsonl(singles_path), load_jsonl(conversations_path)
    answers = run_batch(batch_lines(singles, conversations))
    return evaluate(singles, conversations, answers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--singles", type=Path, default=SINGLES, help="single questions (JSONL)")
    parser.add_argument(
        "--conversations", type=Path, default=CONVERSATIONS, help="conversations (JSONL)"
    )
    args = parser.parse_args(argv)
    result = run(args.singles, args.conversations)
    if args.json:
        shown = {k: v for k, v in result.items() if not k.startswith("_")}
        if not args.misses:
            shown.pop("misses")
        print(json.dumps(shown, ensure_ascii=False, indent=1))
        return 0
    print(table(result))
    if args.misses:
        for miss in result["misses"]:
            failed = [k for k, v in miss["checks"].items() if v is False]
            answer = miss["answer"]
            first_line = (answer.get("text") or "").splitlines()[:1]
            print(
                f"\n{miss['id']} {miss['q']}  failed: {','.join(failed)}"
                f"\n  intent={answer.get('intent')} items={answer.get('items')}"
                f" verdict={answer.get('verdict')} text={first_line}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
