"""Fixtures: an app per test on a migrated database, on SQLite always and on PostgreSQL when
LDPTRAIN_TEST_DATABASE_URL is set; standalone and mounted modes share one code path.

Each backend is migrated once per run (a clean schema); every test then starts from empty
tables, so tests may commit exactly like the application does.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from ldptrain import LDPTrain, create_app
from ldptrain.db import Base, sqlite_pragmas, sqlite_savepoints
from ldptrain.services import schema

PG_URL = os.environ.get("LDPTRAIN_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"]
HOST_TEMPLATES = Path(__file__).parent / "host_templates"


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Urls]:
    """A fresh SQLite file, and on PostgreSQL a fresh schema of our own (search_path), so
    concurrent test runs against one database never see each other's tables."""
    urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"}
    pg_schema = f"ldp_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    if PG_URL:
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {pg_schema}"))
        sep = "&" if "?" in PG_URL else "?"
        urls["postgresql"] = f"{PG_URL}{sep}options=-csearch_path%3D{pg_schema}"
    found = _Urls(urls)
    yield found
    for engine in found.engines.values():
        engine.dispose()
    if PG_URL:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {pg_schema} CASCADE"))
        admin.dispose()


class _Urls(dict[str, str]):
    """Migrates each backend the first time a test asks for it."""

    def __init__(self, urls: dict[str, str]) -> None:
        super().__init__(urls)
        self.engines: dict[str, Engine] = {}

    def engine(self, backend: str) -> Engine:
        if backend not in self.engines:
            engine = create_engine(self[backend])
            schema.upgrade(engine)
            self.engines[backend] = engine
        return self.engines[backend]


def _empty_tables(engine: Engine) -> None:
    # The running tallies last: on SQLite, deleting enrolments fires the triggers that adjust them.
    tables = sorted((t.name for t in reversed(Base.metadata.sorted_tables)),
                    key=lambda name: name.startswith("ldp_tally_"))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, database_urls: _Urls) -> Iterator[str]:
    if request.param not in database_urls:
        pytest.skip("PostgreSQL: set LDPTRAIN_TEST_DATABASE_URL")
    engine = database_urls.engine(request.param)
    _empty_tables(engine)
    yield request.param


@pytest.fixture
def database_url(backend: str, database_urls: _Urls) -> str:
    return database_urls[backend]


TEST_CONFIG = {
    "TESTING": True,
    "LDPTRAIN_SECRET_KEY": "test-secret-key-not-for-production",
    "LDPTRAIN_IMPORT_BUNDLED": False,
    "LDPTRAIN_BASE_URL": "http://localhost",
    "LDPTRAIN_CERT_SIGNATORY_NAME": "นายทดสอบ ลงนาม",  # issuing refuses an unset signatory
}


def make_standalone(database_url: str, instance: Path, **extra: object) -> Flask:
    return create_app({**TEST_CONFIG, "LDPTRAIN_DATABASE_URL": database_url, **extra},
                      instance_path=instance)


def make_mounted(database_url: str, instance: Path, **extra: object) -> Flask:
    """A bare host app with its own Flask-SQLAlchemy and templates, ldptrain at /training."""
    host = Flask("host", instance_path=str(instance), template_folder=str(HOST_TEMPLATES))
    host.config.update({**TEST_CONFIG, "SECRET_KEY": "host-secret",
                        "SQLALCHEMY_DATABASE_URI": database_url, **extra})
    db = SQLAlchemy()
    db.init_app(host)
    if database_url.startswith("sqlite"):
        with host.app_context():
            sqlite_savepoints(db.engine)  # as the README asks of a host on SQLite
            sqlite_pragmas(db.engine)  # as a host may choose (ldptrain never sets them itself)

    @host.get("/")
    def host_home() -> str:
        return "host home"

    LDPTrain(host, url_prefix="/training", db=db)
    return host


def _clear_g() -> None:
    for key in list(g):
        g.pop(key)


def _fresh_g_per_request(app: Flask) -> None:
    """The fixtures keep one app context open for the test's own code, and Flask reuses it for
    requests, so every request would share one ``g`` (where Flask-Login caches the user,
    Flask-WTF the CSRF token and Flask-Babel the locale). Start each request with an empty ``g``,
    as production does with one app context per request."""
    app.before_request(_clear_g)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_standalone(database_url, tmp_path / "instance")
    _fresh_g_per_request(app)
    with app.app_context():
        yield app
        app.extensions["ldptrain"].db.session.remove()
        app.extensions["ldptrain"].db.engine.dispose()


@pytest.fixture(params=["standalone", "mounted"])
def any_app(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The same tests against ldptrain standalone at / and mounted in a host at /training."""
    factory = make_standalone if request.param == "standalone" else make_mounted
    app = factory(database_url, tmp_path / "instance")
    _fresh_g_per_request(app)
    with app.app_context():
        yield app
        app.extensions["ldptrain"].db.session.remove()
        app.extensions["ldptrain"].db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token from a page, as a browser would submit it."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)
