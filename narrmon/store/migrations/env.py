"""Alembic environment: runs narrmon's migrations on the connection the store hands it."""

from alembic import context

from narrmon.store.schema import metadata

config = context.config


def run_migrations_online() -> None:
    """Run migrations on the connection passed in ``config.attributes``, or a new one."""
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
