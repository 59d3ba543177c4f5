"""Test doubles shared by tests and benchmarks (a fake Telegram Bot API server)."""

from tests.fakes.bot_api import DEFAULT_TOKEN, ApiCall, DeliveredMessage, FakeBotApi
from tests.fakes.bot_api_faults import SEND_METHODS, Chaos, Fault, RateLimits, Violation

__all__ = [
    "DEFAULT_TOKEN",
    "SEND_METHODS",
    "ApiCall",
    "Chaos",
    "DeliveredMessage",
    "FakeBotApi",
    "Fault",
    "RateLimits",
    "Violation",
]
