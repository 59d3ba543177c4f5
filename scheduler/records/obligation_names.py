"""Obligations named by key (i2-study), kind (study) or Chinese action (学法), as users type them
in chat (/done 学法) and on the command line."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from knowledge.plan.model import Obligation, WorkPlan
from knowledge.text.normalize import norm
from scheduler.records.unit_registry import RegistryError


class UnknownObligationError(RegistryError):
    def __init__(self, text: str, candidates: tuple[str, ...] = ()) -> None:
        self.text = text
        self.candidates = candidates
        hint = f"，您是否要找：{'、'.join(candidates)}" if candidates else ""
        shown = text if len(text) <= 30 else text[:29] + "…"  # never echoed at length
        super().__init__(f"未找到事项“{shown}”{hint}")


def resolve_obligation(plan: WorkPlan, text: str) -> Obligation:
    """An obligation by key (i2-study), kind (study) or Chinese action (学法); otherwise
    :class:`UnknownObligationError` with candidates."""
    q = norm(text)
    for ob in plan.obligations:
        if q in (norm(ob.key), norm(ob.kind), norm(ob.action)):
            return ob
    spellings: list[tuple[str, Obligation]] = []
    for ob in plan.obligations:
        spellings += [(norm(ob.key), ob), (norm(ob.action), ob), (norm(ob.kind), ob)]
    contained = {ob.key: ob for s, ob in spellings if len(q) >= 2 and q in s}
    if len(contained) == 1:
        return next(iter(contained.values()))
    found = process.extract(
        q, [s for s, _ in spellings], scorer=fuzz.WRatio, limit=10, score_cutoff=50
    )
    cands: list[str] = list(contained)
    for _s, _score, idx in found:
        key = spellings[idx][1].key
        if key not in cands:
            cands.append(key)
    labels = tuple(f"“{plan.obligation(k).action}”" for k in cands[:5])  # type: ignore[union-attr]
    raise UnknownObligationError(text, labels)
