"""DingTalk's send limits as data (``limits.toml`` beside this module, with their sources),
as the flood limits of the shared limiter and the name and rate of the send budget that every
process of a deployment shares (separate from Telegram's)."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from bot.channels.telegram.rate_limit import FloodLimits

BUDGET_NAME = "dingtalk"


def _pair(data: dict[str, Any], key: str) -> tuple[int, float] | None:
    value = data.get(key)
    return None if value is None else (int(value[0]), float(value[1]))


def load(text: str | None = None) -> FloodLimits:
    """The limits from ``limits.toml`` (or from ``text``, for tests)."""
    if text is None:
        text = resources.files("bot.channels.dingtalk").joinpath("limits.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return FloodLimits(
        overall=_pair(data, "overall"),
        private_chat=_pair(data, "private_chat"),
        group_chat=_pair(data, "group_chat"),
        margin=float(data.get("margin", 0.05)),
    )
