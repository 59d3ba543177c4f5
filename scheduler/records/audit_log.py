"""The audit log: who did what, when (``audit_log``: actor, action, subject, detail as JSON).
Registration requests and decisions, liaisons, admins, units, completions, evidence,
broadcasts, plans and holidays record their actions here; the caller commits."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from scheduler.store.models import AuditLog


def audit(session: Session, actor: str, action: str, target: str = "", **detail: Any) -> AuditLog:
    """Record that ``actor`` did ``action`` to ``target``, with ``detail`` as JSON."""
    entry = AuditLog(
        actor=str(actor),
        action=action,
        target=str(target),
        detail=json.dumps(detail, ensure_ascii=False, default=str),
    )
    session.add(entry)
    return entry
