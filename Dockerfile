# fazhi: the rule-of-law obligations assistant (Telegram bot + scheduler in one process).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    TZ=Asia/Shanghai \
    FAZHI_DATA_DIR=/data

RUN useradd --create-home --uid 10001 fazhi \
    && mkdir -p /data && chown fazhi:fazhi /data

WORKDIR /app
# requirements.lock pins every dependency to the versions tested together (make lock), so an
# image built next month has the same libraries as today's; pyproject.toml keeps the ranges.
COPY pyproject.toml README.md requirements.lock ./
COPY knowledge ./knowledge
COPY scheduler ./scheduler
COPY bot ./bot
RUN pip install -c requirements.lock .

# numeric, so that a runtime enforcing non-root (runAsNonRoot) can check it
USER 10001
VOLUME ["/data"]
EXPOSE 8443

# The health check opens the database and reports the outbox backlog; it fails when the
# database is unreachable or the schema is not migrated.
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 \
    CMD ["fazhi", "health"]

CMD ["fazhi", "run"]
