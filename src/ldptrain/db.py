"""Database plumbing: the declarative base, column types, and the session the services use.

ldptrain keeps its own metadata (tables prefixed ``ldp_``) so it can live beside a host's tables.
In standalone mode it owns a Flask-SQLAlchemy instance; mounted into a host, it uses the host's
``db.session`` (Flask-SQLAlchemy refuses a second instance on one app).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask import current_app
from sqlalchemy import JSON, DateTime, Executable, MetaData, Row, TypeDecorator, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session
from werkzeug.local import LocalProxy

#: The largest id a primary key holds: the columns are 32-bit integers on PostgreSQL, so a
#: larger number is no row's id (checked before it reaches a query, which would fail).
MAX_ID = 2**31 - 1

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSONType, list[Any]: JSONType}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def get_session() -> Session:
    """The session of the current app: the host's when mounted with ``db=``, else ours."""
    return current_app.extensions["ldptrain"].db.session  # type: ignore[no-any-return]


def read(statement: Executable, params: dict[str, Any]) -> Sequence[Row[Any]]:
    """Rows of a Core SELECT, on the request's own connection and transaction.

    For the hottest reads (the signed-in user, the module page's state): a Core statement built
    once, run on `Session.connection()` so it sees what this request already flushed, engine
    events fire (query counters, APM), SQLAlchemy's compiled cache does the compiling and each
    column's type converts it; the ORM's row loading is skipped.
    """
    return get_session().connection().execute(statement, params).all()


#: Services write ``session.add(...)``; it resolves per app, so one code path serves both modes.
session: Session = LocalProxy(get_session)  # type: ignore[assignment]


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL + a busy timeout let several gunicorn
    # workers share one file without "database is locked" errors on short writes.
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def sqlite_pragmas(engine: Engine) -> None:
    """ldptrain's SQLite settings (foreign keys, WAL, a busy timeout) on every new connection
    of `engine`: set on the engines ldptrain creates, offered to a host for its own (ldptrain
    never changes a host's engine by itself)."""
    event.listen(engine, "connect", _pragmas)


def sqlite_savepoints(engine: Engine) -> None:
    """Transactions on pysqlite that hold: savepoints included, and no "database is locked".

    pysqlite opens a transaction by itself before an INSERT/UPDATE/DELETE, but not before a
    SAVEPOINT, so a savepoint that is the first write of a transaction commits on release and an
    outer rollback leaves its rows behind. SQLAlchemy's documented recipe ("Serializable
    isolation / Savepoints / Transactional DDL") turns the driver's handling off and emits BEGIN
    itself at the start of every transaction; but then a request that reads, and later writes,
    fails at once with "database is locked" when another request wrote in between (WAL cannot
    upgrade a stale reader), and a transaction that only reads holds its snapshot until it ends.

    So the driver's handling is turned off and the transaction begins where pysqlite would begin
    it (before the first INSERT, UPDATE, DELETE or REPLACE) and also before a SAVEPOINT, with
    BEGIN IMMEDIATE: the write lock is taken at once, other writers wait on the busy timeout.
    Reads before the first write see the latest committed data, as they did with pysqlite.
    ldptrain sets this on the engines it creates; a host on SQLite that mounts ldptrain calls it
    on its own engine (README, plug-in mode).
    """

    @event.listens_for(engine, "connect")
    def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_before_writing(connection: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if connection.connection.dbapi_connection.in_transaction:
            return
        if statement.lstrip()[:9].upper().startswith(_OPENS_A_TRANSACTION):
            cursor.execute("BEGIN IMMEDIATE")


#: pysqlite's own list (it begins before these) and SAVEPOINT, which it forgets. Reads, PRAGMAs
#: and DDL run outside a transaction as they did under pysqlite.
_OPENS_A_TRANSACTION = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")
