"""Stable JSON shapes of the knowledge model (documented in docs/cli-json.md; change with care)."""

from __future__ import annotations

from typing import Any

from knowledge.plan.binding import ObligationBinding
from knowledge.plan.model import (
    Cadence,
    DeadlineRule,
    Item,
    Obligation,
    PlanMeta,
    UnitRef,
    WorkPlan,
)
from knowledge.plan.units import UnitDirectory


def obligation_dict(ob: Obligation) -> dict[str, Any]:
    return {
        "key": ob.key,
        "item": ob.item,
        "kind": ob.kind,
        "action": ob.action,
        "subject": ob.subject,
        "cadence": ob.cadence.value,
        "cadence_label": ob.cadence_label,
        "min_count": ob.min_count,
        "deadline": (
            {
                "month": ob.deadline.month,
                "day": ob.deadline.day,
                "refers_to": ob.deadline.refers_to,
                "description": ob.deadline.description,
            }
            if ob.deadline
            else None
        ),
        "text": ob.text,
        "source": ob.source,
    }


def obligation_from_dict(data: dict[str, Any]) -> Obligation:
    """An obligation back from :func:`obligation_dict`. Shapes written before counts and the
    newer cadences stay readable: a missing or empty ``min_count`` means once."""
    d = data.get("deadline")
    return Obligation(
        key=str(data["key"]),
        item=int(data["item"]),
        kind=str(data.get("kind", "task")),
        action=str(data.get("action", "")),
        subject=str(data.get("subject", "")),
        cadence=Cadence(data.get("cadence", Cadence.ONCE.value)),
        min_count=int(data.get("min_count") or 1),
        text=str(data.get("text", "")),
        deadline=DeadlineRule(
            month=int(d["month"]),
            day=int(d["day"]),
            refers_to=d.get("refers_to", "current"),
            description=d.get("description", ""),
        )
        if d
        else None,
        source=str(data.get("source", "document")),
    )


def unit_ref_dict(ref: UnitRef) -> dict[str, Any]:
    return {
        "name": ref.name,
        "raw": ref.raw,
        "role": ref.role.value,
        "group": ref.is_group,
        "partial": ref.partial,
    }


def item_dict(item: Item) -> dict[str, Any]:
    return {
        "number": item.number,
        "label": item.label,
        "title": item.title,
        "text": item.text,
        "tasks": list(item.tasks),
        "units": list(item.unit_names),
        "units_partial": item.partial,
        "unit_refs": [unit_ref_dict(u) for u in item.units],
        "obligations": [obligation_dict(o) for o in item.obligations],
        "subitems": [
            {"label": s.label, "text": s.text, "units": [u.name for u in s.units]}
            for s in item.subitems
        ],
        "section": item.section,
        "line": item.line,
        "deadline": item.deadline,
        "leaders": list(item.leaders),
        "lead_person": item.leaders[0] if item.leaders else None,
    }


def meta_dict(meta: PlanMeta) -> dict[str, Any]:
    return {
        "issuer": meta.issuer,
        "doc_number": meta.doc_number,
        "title": meta.title,
        "notice_title": meta.notice_title,
        "plan_year": meta.plan_year,
        "issued_date": meta.issued_date,
        "printed_date": meta.printed_date,
        "recipients": list(meta.recipients),
        "cc": list(meta.cc),
        "district": meta.district,
    }


def plan_dict(plan: WorkPlan) -> dict[str, Any]:
    return {
        "plan_id": plan.plan_id,
        "meta": meta_dict(plan.meta),
        "preamble": plan.preamble,
        "items": [item_dict(i) for i in plan.items],
    }


def directory_dict(directory: UnitDirectory) -> dict[str, Any]:
    return {
        "units": [
            {
                "name": u.name,
                "category": u.category.value,
                "aliases": list(u.aliases),
                "source": u.source,
            }
            for u in directory.units.values()
        ],
        "groups": [
            {
                "name": g.name,
                "categories": sorted(c.value for c in g.categories),
                "partial": g.partial,
                "aliases": list(g.aliases),
                "description": g.description,
            }
            for g in directory.groups.values()
        ],
    }


def binding_dict(b: ObligationBinding) -> dict[str, Any]:
    """Whom an obligation binds and why (``kb obligations --json``, field ``binding``)."""
    r = b.reading
    return {
        "subject": b.subject,
        "reason": b.reason,
        "narrows": r.narrows,
        "categories": sorted(c.value for c in r.categories) if r.narrows else [],
        "named_units": sorted(r.units),
        "phrases": [
            {"words": m.words, "means": m.means, "role": m.role}
            for c in r.conjuncts
            for m in c.matches
        ],
        "bound": b.bound,
        "not_bound": [{"unit": x.unit, "reason": x.reason} for x in b.not_bound],
        "units": [
            {
                "unit": x.unit,
                "category": x.category.value,
                "bound": x.bound,
                "via": x.via,
                "reason": x.reason,
                "override": (
                    {
                        "applies": x.override.applies,
                        "reason": x.override.reason,
                        "by": x.override.by,
                        "at": x.override.at,
                    }
                    if x.override
                    else None
                ),
            }
            for x in b.bindings
        ],
        "groups": [
            {
                "group": g.group,
                "bound_categories": [c.value for c in g.bound],
                "not_bound_categories": [c.value for c in g.not_bound],
            }
            for g in b.groups
        ],
        "note": b.note,
    }
