"""Alembic migrations of the scheduler's tables (run by :func:`scheduler.db.upgrade`)."""
