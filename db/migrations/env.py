"""Alembic environment: runs migrations on the engine handed over in config.attributes."""

from alembic import context
from sqlalchemy import Engine

from db.engine import make_engine
from db.models import Base

config = context.config
engine: Engine = config.attributes.get("engine") or make_engine(
    config.get_main_option("sqlalchemy.url") or "sqlite:///tracker.db"
)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
