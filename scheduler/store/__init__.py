"""The store: database URL and engine, the SQLModel tables, the Alembic migrations.
Imports ``timing`` only."""
