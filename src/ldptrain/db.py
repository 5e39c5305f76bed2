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


def sqlite_savepoints(engine: Engine) -> None:
    """SQLAlchemy's documented recipe for SAVEPOINT on pysqlite ("Serializable isolation /
    Savepoints / Transactional DDL"): the driver's own transaction handling is turned off and
    SQLAlchemy emits BEGIN itself. Without it a savepoint that is the first write of a
    transaction commits on release, so an outer rollback leaves its rows behind. ldptrain sets it
    on the engines it creates; a host on SQLite that mounts ldptrain calls it on its own engine
    (README, plug-in mode)."""

    @event.listens_for(engine, "connect")
    def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # IMMEDIATE, as Django 5.1's "transaction_mode" offers: a transaction that read first and
        # then writes cannot take the write lock in WAL mode (SQLITE_BUSY at once, "database is
        # locked", busy_timeout does not help); taking it at BEGIN makes others wait instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
