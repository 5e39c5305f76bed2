"""Reads on the hottest path, run straight on a pooled DB-API connection.

Every signed-in request reads its user, and every module page the trainee's state: one small
SELECT each. Through the ORM Session each cost ~170 us on SQLite (an execution context, result
metadata, a Session transaction begun and closed) around ~10 us of database work. These
statements are built once at import, take plain scalar parameters and are read as plain tuples,
so they need none of that machinery.

Kept from SQLAlchemy: the statement (Core, compiled once per dialect), each column's own result
conversion (UTC datetimes, booleans on SQLite), and the engine's connection pool; in a request
the reads share one pooled connection, given back when the request ends.
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
from sqlalchemy.engine import Dialect

log = logging.getLogger("ldptrain.sql")

#: Called with the SQL of each statement run here.
listeners: list[Callable[[str], None]] = []


_HELD = "_ldptrain_fastread_connection"


def release(_error: BaseException | None = None) -> None:
    """Give the request's connection back to the pool, which rolls its reads back (Flask runs
    this at the end of each request: see extension.py)."""
    connection = g.pop(_HELD, None)
    if connection is not None:
        connection.close()


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
        held = has_request_context()
        connection = g.get(_HELD) if held else None
        if connection is None:
            connection = engine.raw_connection()
            if held:
                setattr(g, _HELD, connection)
        try:
            cursor = connection.cursor()
            cursor.execute(compiled.sql, args)
            found = cursor.fetchall()
            cursor.close()
        finally:
            if not held:
                connection.close()
        if not compiled.processors:
            return [tuple(row) for row in found]
        out = []
        for row in found:
            values_ = list(row)
            for i, process in compiled.processors:
                values_[i] = process(values_[i])
            out.append(tuple(values_))
        return out
