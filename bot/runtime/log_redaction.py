"""A logging filter that keeps secrets out of every log line and traceback: the bot token,
the webhook secret, and the password of any URL (``scheme://user:password@host``).

PTB and httpx put the token in request URLs and in some error messages ("The token `…` was
rejected"), and at ``-v`` PTB logs the parameters of ``setWebhook`` (the secret); a log file
must never carry them. Start-up failures PTB logs with a traceback ("Bootstrap …") are left to
the CLI, which says them in one Chinese sentence.
"""

from __future__ import annotations

import logging

from scheduler.store.db import redact_url

MASK = "***"


class RedactSecrets(logging.Filter):
    def __init__(self, *secrets: str | None) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return redact_url(text)

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and type(exc).__name__ == "InvalidToken":
            return False  # the CLI says it in one Chinese sentence; no token-bearing traceback
        if (
            exc is not None
            and record.name.startswith("telegram")
            and "Bootstrap" in record.getMessage()
        ):
            return False  # a start-up failure: the CLI says it, without PTB's traceback
        record.msg = self._clean(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def redact_root_handlers(*secrets: str | None) -> None:
    """Install the filter on every handler of the root logger (call after configuring it)."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets(*secrets))
