"""The realistic host (tests/host_app.py) with the host's own identity, Alembic, layout,
language and headers: docs/host-integration.md, tested."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from ldptrain.db import Base, session
from ldptrain.migrations import exclude_ldp_tables
from ldptrain.models import Role, User

from . import factories as f
from .conftest import csrf_token
from .host_app import add_host_user, create_host, host_sign_in, host_sign_out
from .host_app import db as host_db
from .test_host_app import ORDERS, _context


@pytest.fixture(params=ORDERS)
def host_accounts(request: pytest.FixtureRequest, database_url: str,
                  tmp_path: Path) -> Iterator[Flask]:
    """The host signs people in; ldptrain links them to accounts of its own."""
    app = create_host(database_url, tmp_path / "instance",
                      ldptrain_first=request.param == "ldptrain_first", identity="host",
                      HOST_SECURE_USERS=True)
    yield from _context(app)


@pytest.fixture
def host(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_host(database_url, tmp_path / "instance",
                      LDPTRAIN_CSP_EXTRA={"script-src": ["https://cdn.host.example"],
                                          "style-src": "https://cdn.host.example"})
    yield from _context(app)


# --- identity: the host's people --------------------------------------------------------------

def test_a_host_person_gets_an_ldptrain_account_of_their_own(host_accounts: Flask) -> None:
    admin = f.user("admin@ldp.example", roles=(Role.ADMIN,))
    session.commit()
    # Same integer id as ldptrain's admin, and the admin's e-mail: neither links them.
    add_host_user(host_accounts, admin.id, "admin@ldp.example", "Host Namesake")
    add_host_user(host_accounts, admin.id + 1, "second@host.example", "Second Person")
    client = host_accounts.test_client()
    assert client.get("/training/account/").status_code == 302  # nobody signed in to the host
    host_sign_in(client, admin.id)
    page = client.get("/training/account/")
    assert page.status_code == 200
    linked = session.scalars(select(User).where(User.external_id == f"host-user-{admin.id}")).one()
    assert linked.id != admin.id and linked.email != "admin@ldp.example"
    assert not linked.has_role(Role.ADMIN) and linked.organisation_id is None
    assert "Background jobs" not in client.get("/training/").get_data(as_text=True)
    # The same host person is the same account on every visit; another person another one.
    client.get("/training/my-learning")
    host_sign_out(client)
    host_sign_in(client, admin.id + 1)
    assert client.get("/training/account/").status_code == 200
    accounts = session.scalars(select(User).where(User.external_id.is_not(None))).all()
    assert sorted(u.external_id for u in accounts) == [f"host-user-{admin.id}",
                                                       f"host-user-{admin.id + 1}"]
    by_id = {u.external_id: u for u in accounts}
    assert by_id[f"host-user-{admin.id + 1}"].email == "second@host.example"
    # Signing out of the host signs out of ldptrain too: there is one sign-in, the host's.
    host_sign_out(client)
    got = client.get("/training/account/")
    assert got.status_code == 302 and got.headers["Location"].startswith("/login")


def test_ldptrain_sign_in_pages_send_people_to_the_host(host_accounts: Flask) -> None:
    client = host_accounts.test_client()
    for path in ("/training/login", "/training/signup", "/training/password/reset"):
        got = client.get(path)
        assert got.status_code == 302 and got.headers["Location"].startswith("/login"), path
    page = client.get("/training/").get_data(as_text=True)
    assert 'href="/training/login"' not in page and 'action="/training/logout"' not in page


def test_a_linked_account_claims_an_organisation_for_its_coordinator(host_accounts: Flask) -> None:
    org = f.organisation()
    session.commit()
    add_host_user(host_accounts, 7, "trainee@host.example", "Trainee")
    client = host_accounts.test_client()
    host_sign_in(client, 7)
    token = csrf_token(client, "/training/account/")
    got = client.post("/training/account/transfer",
                      data={"csrf_token": token, "organisation_id": org.id})
    assert got.status_code == 302
    from ldptrain.models import Membership, MembershipStatus

    claim = session.scalars(select(Membership)).one()
    assert claim.status == MembershipStatus.PENDING and claim.organisation_id == org.id


# --- migrations side by side --------------------------------------------------------------------

def test_a_hosts_autogenerate_leaves_ldptrain_tables_alone(host: Flask) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with host_db.engine.connect() as conn:
        unfiltered = compare_metadata(MigrationContext.configure(conn), host_db.metadata)
        context = MigrationContext.configure(conn, opts={"include_object": exclude_ldp_tables})
        filtered = compare_metadata(context, host_db.metadata)

    def ldp_ops(diffs: list) -> list:  # type: ignore[type-arg]
        return [d for d in diffs if "ldp_" in repr(d)]

    assert ldp_ops(unfiltered)  # without the filter: drop_table for every ldptrain table
    assert ldp_ops(filtered) == [] and filtered == []
    assert any(t.name == "ldp_user" for t in Base.metadata.sorted_tables)


# --- templates, language, CSP -------------------------------------------------------------------

def test_the_host_layout_keeps_its_own_text_inside_training(host: Flask) -> None:
    client = host.test_client()
    page = client.get("/training/").get_data(as_text=True)
    assert "เมนูของเว็บหลัก" in page  # the host's `_`, the host's catalogue
    assert "หลักสูตร" in page  # ldptrain's own text, in ldptrain's language (Thai by default)
    assert '<html lang="th">' in page
    for partial in ('class="lang-switch"', 'href="/training/login"'):
        assert partial in page


def test_ldptrain_language_switch_works_under_the_hosts_babel(host: Flask) -> None:
    client = host.test_client()
    token = csrf_token(client, "/training/")
    client.post("/training/language",
                data={"csrf_token": token, "lang": "en", "next": "/training/"})
    page = client.get("/training/").get_data(as_text=True)
    assert '<html lang="en">' in page and ">Courses<" in page
    assert "เมนูของเว็บหลัก" in page  # the host's own text stays the host's choice
    assert client.get("/gettext").get_data(as_text=True) == "หน้าแรกเว็บหลัก"


def test_with_language_from_host_the_hosts_selector_decides(database_url: str,
                                                             tmp_path: Path) -> None:
    app = create_host(database_url, tmp_path / "instance", LDPTRAIN_LANGUAGE_FROM_HOST=True)
    for _app in _context(app):
        client = app.test_client()
        client.get("/lang/en")
        page = client.get("/training/").get_data(as_text=True)
        assert '<html lang="en">' in page and ">Courses<" in page
        assert 'class="lang-switch"' not in page  # the host's switch decides
        client.get("/lang/th")
        page = client.get("/training/").get_data(as_text=True)
        assert '<html lang="th">' in page and "หลักสูตร" in page


def test_the_csp_lets_the_host_layout_in_with_a_nonce(host: Flask) -> None:
    got = host.test_client().get("/training/")
    policy = got.headers["Content-Security-Policy"]
    nonce = re.search(r'<script nonce="([^"]+)">window.hostReady', got.get_data(as_text=True))
    assert nonce and f"'nonce-{nonce.group(1)}'" in policy
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "https://cdn.host.example" in script_src
    style_src = next(p for p in policy.split(";") if p.strip().startswith("style-src"))
    assert "https://cdn.host.example" in style_src and "nonce" not in style_src
    # Another request, another nonce.
    again = host.test_client().get("/training/").headers["Content-Security-Policy"]
    assert again != policy


# --- no side effects on host pages --------------------------------------------------------------

def _host_view(app: Flask) -> dict[str, object]:
    client = app.test_client()
    home = client.get("/")
    missing = client.get("/boom")
    with app.app_context(), host_db.engine.connect() as conn:
        pragmas = {}
        if conn.dialect.name == "sqlite":
            pragmas = {name: conn.execute(text(f"PRAGMA {name}")).scalar()
                       for name in ("foreign_keys", "journal_mode", "busy_timeout")}
    return {"status": home.status_code, "body": home.get_data(as_text=True),
            "headers": sorted((k, v) for k, v in home.headers.items()),
            "cookies": home.headers.getlist("Set-Cookie"),
            "missing": (missing.status_code, missing.get_data(as_text=True),
                        sorted(missing.headers.items())),
            "pragmas": pragmas,
            "well_known": client.get("/.well-known/ldptrain-certificate-keys.json").status_code}


def test_host_pages_are_the_same_with_and_without_ldptrain(database_url: str,
                                                          tmp_path: Path) -> None:
    without = create_host(database_url, tmp_path / "plain", mount=False)
    seen_without = _host_view(without)
    with without.app_context():
        host_db.engine.dispose()
    mounted = create_host(database_url, tmp_path / "mounted")
    for _app in _context(mounted):
        assert _host_view(mounted) == seen_without
        # ldptrain's keys are under its prefix, and a GET never makes one.
        client = mounted.test_client()
        assert client.get("/training/.well-known/ldptrain-certificate-keys.json").status_code == 404
        assert not any((tmp_path / "mounted").glob("*.pem"))


def test_well_known_routes_at_the_root_when_asked(database_url: str, tmp_path: Path) -> None:
    app = create_host(database_url, tmp_path / "instance", LDPTRAIN_WELL_KNOWN_AT_ROOT=True)
    for _app in _context(app):
        from ldptrain.services.certificates import signing_key

        signing_key()  # as `flask ldptrain db upgrade` does
        client = app.test_client()
        keys = client.get("/.well-known/ldptrain-certificate-keys.json")
        assert keys.status_code == 200 and keys.get_json()["keys"]


def test_a_hosts_default_rate_limit_is_not_applied_by_ldptrain(database_url: str,
                                                              tmp_path: Path) -> None:
    """A host setting RATELIMIT_DEFAULT for a Limiter of its own: ldptrain's limiter, on the same
    app, must not start counting the host's pages."""
    app = create_host(database_url, tmp_path / "instance", RATELIMIT_DEFAULT="2/minute")
    for _app in _context(app):
        client = app.test_client()
        assert {client.get("/").status_code for _ in range(4)} == {200}
