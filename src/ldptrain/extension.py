"""The Flask extension: ``LDPTrain(app, url_prefix="/training", db=host_db)``.

Per-app state lives in ``app.extensions["ldptrain"]``; nothing is stored on the extension object,
so one LDPTrain can serve several apps (Flask's extension guidelines).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import config
from .db import sqlite_savepoints


@dataclass
class State:
    db: SQLAlchemy
    url_prefix: str
    owns_db: bool
    extras: dict[str, Any] = field(default_factory=dict)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL + a busy timeout let several gunicorn
    # workers share one file without "database is locked" errors on short writes.
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


class LDPTrain:
    def __init__(self, app: Flask | None = None, *, url_prefix: str = "/training",
                 db: SQLAlchemy | None = None) -> None:
        self.url_prefix = url_prefix
        self.db = db
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask, *, url_prefix: str | None = None,
                 db: SQLAlchemy | None = None) -> None:
        if "ldptrain" in app.extensions:
            raise RuntimeError("LDPTrain is already initialised on this app.")
        config.apply_defaults(app)
        prefix = (url_prefix if url_prefix is not None else self.url_prefix).rstrip("/")
        db = db or self.db
        owns_db = False
        if db is None and "sqlalchemy" in app.extensions:
            db = app.extensions["sqlalchemy"]  # the host's: a second instance is refused
        if db is None:
            url = app.config.get("LDPTRAIN_DATABASE_URL")
            if not url:
                raise RuntimeError(
                    "Set LDPTRAIN_DATABASE_URL, or pass the host's Flask-SQLAlchemy db."
                )
            app.config.setdefault("SQLALCHEMY_DATABASE_URI", url)
            db = SQLAlchemy(session_options={"expire_on_commit": False})
            db.init_app(app)
            owns_db = True
        app.extensions["ldptrain"] = State(db=db, url_prefix=prefix, owns_db=owns_db)

        with app.app_context():
            engine: Engine = db.engine
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
                if owns_db:
                    sqlite_savepoints(engine)

        from .cli import host_group
        from .web import setup_web

        setup_web(app, prefix)
        if "ldptrain" not in app.cli.commands:
            app.cli.add_command(host_group)
