"""Answer time during a database outage: a real ``fazhi run`` process answers a question that
needs no database while PostgreSQL is unreachable (a TCP relay cut) or its tables are locked.

tests/test_db_outage_answers.py checks that the answers come during the outage; the
acceptance bound, under 2 s from the update's arrival at the server to the answer reaching the
chat, is this figure (it depends on the machine's speed). Uses the test's relay and process;
PostgreSQL at ``--database-url`` (default: ``$FAZHI_TEST_PG_URL``, ``$DATABASE_URL`` or the
local server); skipped when there is none.

    python -m bench.bench_db_outage [--questions 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench.pg_schema import fresh_schema

TARGET = 2.0


def measure(pg_url: str, questions: int) -> dict[str, list[float]]:
    import psycopg
    from sqlalchemy.engine import make_url

    from tests.fakes import FakeBotApi
    from tests.test_db_outage_answers import Relay, _answer_time, _running, _stop

    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="fazhi-outage-") as name:
        tmp = Path(name)
        for sub in ("cut", "lock"):
            (tmp / sub).mkdir()
        url = make_url(pg_url)
        relay = Relay((url.host or "127.0.0.1", url.port or 5432))
        through = url.set(host="127.0.0.1", port=relay.port).render_as_string(False)
        with FakeBotApi() as server:
            proc = _running(pg_url, server, tmp / "cut", through)
            try:
                relay.cut()
                times["unreachable"] = [
                    _answer_time(server, 8100 + k, tmp / "cut") for k in range(questions)
                ]
            finally:
                relay.cut()
                _stop(proc)
        conninfo = url.set(drivername="postgresql").render_as_string(False)
        with FakeBotApi() as server:
            proc = _running(pg_url, server, tmp / "lock", pg_url)
            try:
                with psycopg.connect(conninfo) as locker:
                    tables = ["chat", "unit", "outbox", "liaison", "process_lease", "send_budget"]
                    locker.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
                    times["locked"] = [
                        _answer_time(server, 8200 + k, tmp / "lock") for k in range(questions)
                    ]
                    locker.rollback()
            finally:
                _stop(proc)
    return times


def main(argv: list[str] | None = None) -> int:
    from tests.conftest import _pg_base_url

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    base = args.database_url or _pg_base_url()
    if base is None:
        print("skipped: no PostgreSQL server (set --database-url or start it on 127.0.0.1:5432)")
        return 0
    with fresh_schema(base) as pg_url:
        times = measure(pg_url, args.questions)
    ok = True
    for kind, took in times.items():
        met = max(took) < TARGET
        ok = ok and met
        print(
            f"answer while PostgreSQL is {kind:<11} max {max(took) * 1000:6.0f} ms over "
            f"{len(took)} questions (target < {TARGET:g} s): " + ("met" if met else "MISSED")
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
