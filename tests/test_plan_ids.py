"""Short plan ids (knowledge/plan/ids.py) and databases with the old ids (migration
0008_plan_short_ids): the old id still finds its plan, overrides follow the new id."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from knowledge.plan.ids import plan_slug
from scheduler.records.plans import find_plan
from scheduler.store.db import init_db, session_scope, upgrade


@pytest.mark.parametrize(
    ("year", "issuer", "title", "expected"),
    [
        (2026, "襄阳市襄州区人民政府办公室", "", "xiangzhou-2026"),
        (2026, "", "2026年度襄州区法治政府建设工作要点", "xiangzhou-2026"),
        (2023, "长沙市岳麓区人民政府", "", "yuelu-2023"),
        (2023, "安徽省和县人民政府", "", "hexian-2023"),  # one character: the suffix stays
        (2023, "青河市人民政府办公室", "", "qinghe-2023"),
        (2024, "", "法治政府建设工作要点", "plan-2024"),  # no place named
    ],
)
def test_slug_from_issuer_and_year(year: int, issuer: str, title: str, expected: str) -> None:
    assert plan_slug(year, issuer=issuer, title=title) == expected


def test_old_ids_are_migrated_and_still_found(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    eng = create_engine(url)
    upgrade(eng, "0007_completion_occurrences")
    old = "2026年度襄州区法治政府建设工作要点"
    with eng.begin() as conn:
        for i, (slug, year) in enumerate(((old, 2026), ("xiangzhou-2021-2", 2021)), 1):
            conn.execute(
                text(
                    "INSERT INTO plan (id, slug, year, issuer, title, source_name, source_format,"
                    " sha256, text, active, imported_at, imported_by) VALUES (:id, :slug, :year,"
                    " '襄阳市襄州区人民政府办公室', :slug, 'x.txt', 'text', :sha, '', 0,"
                    " '2026-01-01', 'cli')"
                ),
                {"id": i, "slug": slug, "year": year, "sha": str(i) * 64},
            )
        conn.execute(
            text(
                "INSERT INTO unit (id, name, category, source, aliases, active, created_at)"
                " VALUES (1, '区司法局', 'department', 'directory', '', 1, '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO obligation_override (plan_id, unit_id, obligation_key, applies,"
                " reason, set_by, set_at) VALUES (:p, 1, 'i2-study', 0, 'r', 'a', '2026-01-01')"
            ),
            {"p": old},
        )
    eng.dispose()
    eng = init_db(url)
    with session_scope(eng) as s:
        row = find_plan(s, old)
        assert row.slug == "xiangzhou-2026" and row.legacy_slug == old
        assert find_plan(s, "xiangzhou-2026").id == row.id
        assert find_plan(s, "xiangzhou-2021-2").legacy_slug is None  # already short: kept
    with eng.begin() as conn:
        assert conn.execute(text("SELECT plan_id FROM obligation_override")).scalar_one() == (
            "xiangzhou-2026"
        )
    eng.dispose()
