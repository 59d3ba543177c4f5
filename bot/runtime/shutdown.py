"""SIGTERM ends ``fazhi run`` within :data:`EXIT_WITHIN` seconds, whatever it is waiting for.

The signal raises ``SystemExit`` in the main thread: PTB (or ``asyncio.run`` for the sender
role) stops polling, stops the jobs and lets the sender finish the messages in flight. Work that
cannot finish — a database that accepts connections but never answers holds a worker thread,
and Python joins those threads at exit — is cut: after :data:`ABORT_AFTER` seconds every
connection waiting on a statement is shut (:func:`scheduler.store.watchdog.abort_all`), and at
:data:`EXIT_WITHIN` the process exits. Nothing is lost by that: a message claimed but not
sent goes back to the queue when its lease runs out, as after a crash.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from types import FrameType

log = logging.getLogger(__name__)

ABORT_AFTER = 4.0
EXIT_WITHIN = 8.0  # the acceptance allows 10 s
EXIT_CODE = 0


def _deadline(started: float) -> None:
    from scheduler.store.watchdog import abort_all

    time.sleep(max(0.0, started + ABORT_AFTER - time.monotonic()))
    n = abort_all()
    if n:
        log.warning("停止中：中断 %d 个未应答的数据库请求", n)
    time.sleep(max(0.0, started + EXIT_WITHIN - time.monotonic()))
    log.warning("停止超时（%.0f 秒），立即退出；未完成的消息将由其他发送进程接手", EXIT_WITHIN)
    logging.shutdown()
    os._exit(EXIT_CODE)


def _on_term(signum: int, _frame: FrameType | None) -> None:
    started = time.monotonic()
    threading.Thread(target=_deadline, args=(started,), name="exit-deadline", daemon=True).start()
    signal.signal(signum, signal.SIG_DFL)  # a second SIGTERM ends the process at once
    log.info("收到停止信号，正在停止（最多 %.0f 秒）", EXIT_WITHIN)
    raise SystemExit(EXIT_CODE)


def exit_on_sigterm() -> None:
    """Install the handler (in the main thread, before the event loop starts)."""
    signal.signal(signal.SIGTERM, _on_term)
