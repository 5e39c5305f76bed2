"""The Flask extension: ``LDPTrain(app, url_prefix="/training", db=host_db)``.

Per-app state lives in ``app.extensions["ldptrain"]``; nothing is stored on the extension object,
so one LDPTrain can serve several apps (Flask's extension guidelines).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import Engine

from . import config
from .db import sqlite_pragmas, sqlite_savepoints
from .identity import HostPerson


@dataclass
class State:
    db: SQLAlchemy
    url_prefix: str
    owns_db: bool
    #: None: ldptrain's own accounts; else the host's identity resolver (`ldptrain.identity`).
    identity: Callable[[], HostPerson | None] | None = None
    extras: dict[str, Any] = field(default_factory=dict)


class LDPTrain:
    """`identity`: None for ldptrain's own accounts (sign-in, sign-up), or the host's people,
    e.g. ``HostIdentity(current_user, external_id="id", email="email", name="name")`` or any
    function returning a `HostPerson` (docs/host-integration.md)."""

    def __init__(self, app: Flask | None = None, *, url_prefix: str = "/training",
                 db: SQLAlchemy | None = None,
                 identity: Callable[[], HostPerson | None] | None = None) -> None:
        self.url_prefix = url_prefix
        self.db = db
        self.identity = identity
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask, *, url_prefix: str | None = None,
                 db: SQLAlchemy | None = None,
                 identity: Callable[[], HostPerson | None] | None = None) -> None:
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
        app.extensions["ldptrain"] = State(db=db, url_prefix=prefix, owns_db=owns_db,
                                           identity=identity or self.identity)

        if owns_db:
            # Only an engine ldptrain made: a host's engine keeps the host's settings (a host
            # on SQLite applies `sqlite_savepoints`, and `sqlite_pragmas` if it wants them).
            with app.app_context():
                engine: Engine = db.engine
                if engine.dialect.name == "sqlite":
                    sqlite_pragmas(engine)
                    sqlite_savepoints(engine)

        from .cli import host_group
        from .web import setup_web

        setup_web(app, prefix)
        if "ldptrain" not in app.cli.commands:
            app.cli.add_command(host_group)
