"""Alembic environment: always run through ldptrain.services.schema with a live connection."""

from __future__ import annotations

from alembic import context

import ldptrain.models  # noqa: F401  (registers every table on Base.metadata)
from ldptrain.db import Base

VERSION_TABLE = "ldp_alembic_version"  # our own, so a host's Alembic history is untouched


def _include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # Only ldptrain's tables: a host's tables in the same database are none of our business.
    if type_ == "table":
        return name.startswith("ldp_") and name != VERSION_TABLE
    return True


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    include_object=_include_object,
    render_as_batch=True,  # SQLite needs batch mode to alter tables
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
