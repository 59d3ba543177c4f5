"""The chat's features, one module each; each declares its commands, buttons, texts and files
on its own ``feature`` (:class:`bot.chat.router.Feature`).

:data:`FEATURES` is their order: /help and the command menus list commands in this order, and
free text and files try the features' handlers in this order (a ``fallback`` handler last)."""

from __future__ import annotations

from bot.chat.features import (
    admin,
    annual_report,
    evidence,
    liaisons,
    notices,
    overrides,
    plans,
    questions,
    receipts,
    registration,
    report,
    requests,
    start,
    supervision,
    tasks,
)
from bot.chat.router import Feature

FEATURES: tuple[Feature, ...] = (
    start.feature,
    questions.feature,
    registration.feature,
    tasks.feature,
    requests.feature,
    annual_report.feature,
    admin.feature,
    notices.feature,
    receipts.feature,
    report.feature,
    supervision.feature,
    overrides.feature,
    evidence.feature,
    liaisons.feature,
    plans.feature,
)
