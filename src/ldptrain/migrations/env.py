"""Alembic environment: always run through ldptrain.services.schema with a live connection."""

from __future__ import annotations

from alembic import context

import ldptrain.models  # noqa: F401  (registers every table on Base.metadata)
from ldptrain.db import Base

# Our own version table, so a host's Alembic history is untouched; and only ldptrain's tables:
# a host's tables in the same database are none of our business.
from ldptrain.migrations import VERSION_TABLE, only_ldp_tables

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    include_object=only_ldp_tables,
    render_as_batch=True,  # SQLite needs batch mode to alter tables
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
