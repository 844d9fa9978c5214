"""Alembic environment: run the diary migrations on the connection backcare hands over.

backcare calls alembic programmatically (:func:`backcare.store.database.migrate`) and
passes an open connection in ``config.attributes["connection"]``, inside a
transaction that already holds the write lock, so two processes opening a new
database at once cannot both create the tables. Run by hand (``alembic`` with a
``sqlalchemy.url``), it opens its own connection.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from backcare.store.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: later migrations copy-and-move tables.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the given connection, or on a new one from the URL."""
    connection = context.config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("give sqlalchemy.url or pass a connection in config.attributes")
    engine = create_engine(url)
    try:
        with engine.begin() as own:
            _run(own)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("backcare's migrations run online only")
run_migrations_online()
