"""Loading work plans: the bundled default document and any imported ones.

The default plan is ``knowledge/sources/xiangzhou-2021.txt``, shipped inside the package.
Imported plans (``fazhi kb import FILE``) are stored in the database by ``scheduler.records.plans``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from knowledge.plan.model import WorkPlan
from knowledge.plan.units import UnitDirectory
from knowledge.reading.decode import DocumentError
from knowledge.reading.parser import ParseResult, parse_document, parse_text

DEFAULT_SOURCE = "xiangzhou-2021.txt"
DEFAULT_PLAN_ID = "xiangzhou-2021"


@lru_cache(maxsize=1)
def default_plan() -> WorkPlan:
    """The bundled 襄州区 2021 plan, parsed once per process."""
    text = resources.files("knowledge.sources").joinpath(DEFAULT_SOURCE).read_text("utf-8")
    return parse_document(text, DEFAULT_PLAN_ID, f"knowledge/sources/{DEFAULT_SOURCE}")


def read_document(path: Path) -> tuple[str, str]:
    """Read a document file as text, detecting its encoding; (text, encoding)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError([(0, f"找不到文件：{path}")], str(path)) from None
    except IsADirectoryError:
        raise DocumentError([(0, f"这是一个目录，不是文件：{path}")], str(path)) from None
    except PermissionError:
        raise DocumentError([(0, f"没有读取权限：{path}")], str(path)) from None
    from knowledge.reading.formats import extract_text  # zipfile and friends: only for files

    decoded = extract_text(data, str(path))
    return decoded.text, decoded.encoding


def check_file(path: Path, plan_id: str | None = None) -> ParseResult:
    """Parse a file and report everything found and wrong; never raises for bad content."""
    try:
        text, encoding = read_document(path)
    except DocumentError as exc:
        return ParseResult(None, exc.problems)
    result = parse_text(text, plan_id or plan_id_for(path), str(path))
    result.encoding = encoding
    return result


def load_file(path: Path, plan_id: str | None = None) -> WorkPlan:
    text, _enc = read_document(path)
    return parse_document(text, plan_id or plan_id_for(path), str(path))


def plan_id_for(path: Path) -> str:
    stem = re.sub(r"[^0-9A-Za-z_\-\u4e00-\u9fff]+", "-", path.stem).strip("-")
    return stem or "plan"


def load_plans() -> list[WorkPlan]:
    """The bundled plan. Imported plans live in the database and are chosen there
    (``scheduler.records.plans.active_plans``): this package does no storage."""
    return [default_plan()]


@lru_cache(maxsize=1)
def default_directory() -> UnitDirectory:
    return UnitDirectory.for_plans([default_plan()])


def directory_for(plans: list[WorkPlan]) -> UnitDirectory:
    return UnitDirectory.for_plans(plans)
