"""Reads on the hottest path, run straight on a pooled DB-API connection.

Every signed-in request reads its user, and every module page the trainee's state: one small
SELECT each. Through the ORM Session each cost ~170 us on SQLite (an execution context, result
metadata, a Session transaction begun and closed) around ~10 us of database work. These
statements are built once at import, take plain scalar parameters and are read as plain tuples,
so they need none of that machinery.

Kept from SQLAlchemy: the statement (Core, compiled once per dialect), each column's own result
conversion (UTC datetimes, booleans on SQLite), and the engine's connection pool; in a request
the reads share one pooled connection, in autocommit mode on PostgreSQL, given back when the
request ends.
Not seen here: the engine's `before_cursor_execute`-style events. Each statement is instead
passed to the callbacks in `listeners` (the tests and benchmarks that count queries per page
count these too) and logged at DEBUG on the `ldptrain.sql` logger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app, g, has_request_context
from sqlalchemy import Select
from sqlalchemy.engine import Dialect, Engine

log = logging.getLogger("ldptrain.sql")

#: Called with the SQL of each statement run here.
listeners: list[Callable[[str], None]] = []


_HELD = "_ldptrain_fastread_connection"


def _autocommit(engine: Engine) -> bool:
    """Read in autocommit mode? Each read stands alone, so PostgreSQL then needs no BEGIN before
    the first read and no ROLLBACK when the pool takes the connection back (two round trips of
    four on a module page). pysqlite opens no transaction for a SELECT anyway, and switching
    its mode back would run a PRAGMA."""
    return engine.dialect.name != "sqlite"


def _checkout(engine: Engine) -> Any:
    connection = engine.raw_connection()
    if _autocommit(engine):
        engine.dialect.set_isolation_level(connection.dbapi_connection, "AUTOCOMMIT")
    return connection


def _give_back(engine: Engine, connection: Any) -> None:
    try:
        if _autocommit(engine):
            engine.dialect.reset_isolation_level(connection.dbapi_connection)
    finally:
        connection.close()


def release(_error: BaseException | None = None) -> None:
    """Give the request's connection back to the pool (Flask runs this at the end of each
    request: see extension.py)."""
    held = g.pop(_HELD, None)
    if held is not None:
        _give_back(*held)


class _Compiled:
    __slots__ = ("compiled", "sql", "positions", "processors")

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        self.compiled = statement.compile(dialect=dialect)
        self.sql = str(self.compiled)
        self.positions = self.compiled.positiontup  # None for named parameter styles
        self.processors = tuple(
            (i, p) for i, column in enumerate(statement.selected_columns)
            if (p := column.type._cached_result_processor(dialect, None)) is not None)


class Read:
    """A Core SELECT with bound parameters, compiled for each dialect on first use."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def rows(self, **params: Any) -> list[tuple[Any, ...]]:
        """All rows, each column converted as the ORM would convert it."""
        engine = current_app.extensions["ldptrain"].db.engine
        compiled = self._compiled.get(engine.dialect.name)
        if compiled is None:
            compiled = self._compiled.setdefault(engine.dialect.name,
                                                 _Compiled(self.statement, engine.dialect))
        values = compiled.compiled.construct_params(params)
        args: Any = (tuple(values[n] for n in compiled.positions) if compiled.positions
                     else values)
        for listener in listeners:
            listener(compiled.sql)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %r", compiled.sql, args)
        # In a request, the reads share one connection until the request ends (`release`).
        in_request = has_request_context()
        held = g.get(_HELD) if in_request else None
        keep = held is not None and held[0] is engine
        if keep:
            connection = held[1]  # type: ignore[index]
        else:
            connection = _checkout(engine)
            if in_request and held is None:
                setattr(g, _HELD, (engine, connection))
                keep = True
        try:
            cursor = connection.cursor()
            cursor.execute(compiled.sql, args)
            found = cursor.fetchall()
            cursor.close()
        finally:
            if not keep:
                _give_back(engine, connection)
        if not compiled.processors:
            return [tuple(row) for row in found]
        out = []
        for row in found:
            values_ = list(row)
            for i, process in compiled.processors:
                values_[i] = process(values_[i])
            out.append(tuple(values_))
        return out
