"""Alembic migrations of the scheduler's tables (run by :func:`scheduler.store.db.upgrade`)."""
