"""ldptrain's Alembic migrations (run by ``ldptrain db upgrade`` / ``flask ldptrain db upgrade``),
and the filter a host's own Alembic needs beside them.

A host running Flask-Migrate (or plain Alembic) in the same database passes
`exclude_ldp_tables` as ``include_object``, so its autogenerate neither drops nor alters
ldptrain's tables (ldptrain migrates them itself, with its own version table)::

    from ldptrain.migrations import exclude_ldp_tables
    Migrate(app, db, include_object=exclude_ldp_tables)
"""

from __future__ import annotations

from typing import Any

#: ldptrain's own Alembic version table, beside the host's ``alembic_version``.
VERSION_TABLE = "ldp_alembic_version"
PREFIX = "ldp_"


def _table_name(obj: Any, name: str | None, type_: str) -> str | None:
    if type_ == "table":
        return name
    table = getattr(obj, "table", None)  # an index, column or constraint: its table
    return getattr(table, "name", None)


def exclude_ldp_tables(obj: Any, name: str | None, type_: str, reflected: bool,
                       compare_to: Any) -> bool:
    """Alembic ``include_object``: everything except ldptrain's tables (``ldp_*``, its version
    table included) and their columns, indexes and constraints."""
    table = _table_name(obj, name, type_)
    return not (table and table.startswith(PREFIX))


def only_ldp_tables(obj: Any, name: str | None, type_: str, reflected: bool,
                    compare_to: Any) -> bool:
    """The opposite, for ldptrain's own migrations: its tables only, not its version table."""
    if type_ == "table":
        return bool(name and name.startswith(PREFIX) and name != VERSION_TABLE)
    return True
