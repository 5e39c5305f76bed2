"""Database plumbing: the declarative base, column types, and the session the services use.

ldptrain keeps its own metadata (tables prefixed ``ldp_``) so it can live beside a host's tables.
In standalone mode it owns a Flask-SQLAlchemy instance; mounted into a host, it uses the host's
``db.session`` (Flask-SQLAlchemy refuses a second instance on one app).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
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


#: Services write ``session.add(...)``; it resolves per app, so one code path serves both modes.
session: Session = LocalProxy(get_session)  # type: ignore[assignment]
