"""ldptrain mounted in a realistic host (tests/host_app.py), set up before and after the host's
LoginManager and Babel: the host's users and ldptrain's never mix, neither side's sign-in or
sign-out breaks the other, and the host's pages look and behave as they did without ldptrain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from ldptrain.db import session
from ldptrain.models import Role, User

from . import factories as f
from .conftest import csrf_token
from .host_app import add_host_user, create_host, host_sign_in, host_sign_out

ORDERS = ["ldptrain_first", "host_first"]


@pytest.fixture(params=ORDERS)
def order(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["plain", "secure"])
def host(request: pytest.FixtureRequest, database_url: str, tmp_path: Path,
         order: str) -> Iterator[Flask]:
    app = create_host(database_url, tmp_path / "instance", ldptrain_first=order == "ldptrain_first",
                      HOST_SECURE_USERS=request.param == "secure")
    yield from _context(app)


def _context(app: Flask) -> Iterator[Flask]:
    from .conftest import _fresh_g_per_request

    _fresh_g_per_request(app)
    with app.app_context():
        yield app
        app.extensions["ldptrain"].db.session.remove()
        app.extensions["ldptrain"].db.engine.dispose()


def _admin_with_id_one() -> User:
    """ldptrain's first account, an admin, and a host user with the same integer id."""
    org = f.organisation()
    admin = f.user("admin@ldp.example", roles=(Role.ADMIN,), organisation=org)
    session.commit()
    return admin


def test_a_host_user_visiting_training_gets_no_server_error(host: Flask) -> None:
    admin = _admin_with_id_one()
    add_host_user(host, admin.id, "host@example.org")
    client = host.test_client()
    host_sign_in(client, admin.id)
    for path in ("/training/", "/training/my-learning", "/training/account/",
                 "/training/account/data.json", "/training/no-such-page", "/training/login"):
        got = client.get(path)
        assert got.status_code < 500, (path, got.status_code)
    # ...and the host's own pages still know the host's user.
    assert client.get("/private").get_data(as_text=True) == "host private page of host@example.org"


def test_a_host_user_with_id_1_never_sees_ldptrain_user_1(host: Flask) -> None:
    admin = _admin_with_id_one()
    add_host_user(host, admin.id, "host@example.org")
    client = host.test_client()
    host_sign_in(client, admin.id)
    got = client.get("/training/account/data.json")
    assert got.status_code == 302 and "/training/login" in got.headers["Location"]
    page = client.get("/training/").get_data(as_text=True)
    assert "admin@ldp.example" not in page and "Background jobs" not in page
    assert 'action="/training/logout"' not in page  # not shown as signed in to ldptrain


def test_ldptrain_sign_in_leaves_host_pages_working(host: Flask) -> None:
    admin = _admin_with_id_one()
    add_host_user(host, admin.id, "host@example.org")
    client = host.test_client()
    f.sign_in(client, host, "admin@ldp.example")
    assert client.get("/training/account/").status_code == 200
    for path in ("/", "/login"):
        assert client.get(path).status_code == 200, path
    # An ldptrain account is not one of the host's users.
    got = client.get("/private")
    assert got.status_code == 302 and got.headers["Location"].startswith("/login")
    host_sign_out(client)
    assert client.get("/training/account/").status_code == 200


def test_sign_in_and_out_on_either_side_leaves_the_other_working(host: Flask) -> None:
    admin = _admin_with_id_one()
    add_host_user(host, admin.id, "host@example.org")
    client = host.test_client()
    host_sign_in(client, admin.id)
    f.sign_in(client, host, "admin@ldp.example")
    assert client.get("/private").status_code == 200
    assert client.get("/training/account/").status_code == 200
    # ldptrain's sign-out keeps the host's sign-in...
    token = csrf_token(client, "/training/account/")
    assert client.post("/training/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/private").status_code == 200
    assert client.get("/training/account/").status_code == 302
    # ...and the host's sign-out keeps ldptrain's.
    f.sign_in(client, host, "admin@ldp.example")
    host_sign_out(client)
    assert client.get("/private").status_code == 302
    assert client.get("/training/account/").status_code == 200


def test_the_host_user_writes_no_progress_into_ldptrain_user_1(host: Flask) -> None:
    admin = _admin_with_id_one()
    course = f.course()
    session.commit()
    add_host_user(host, admin.id, "host@example.org")
    client = host.test_client()
    host_sign_in(client, admin.id)
    token = csrf_token(client, f"/training/courses/{course.slug}/")
    got = client.post(f"/training/courses/{course.slug}/enrol", data={"csrf_token": token})
    assert got.status_code == 302 and "/training/login" in got.headers["Location"]
    from ldptrain.models import Enrolment

    assert session.scalars(select(Enrolment)).all() == []


def test_ldptrain_reads_its_user_only_through_its_own_who() -> None:
    """A host's LoginManager makes Flask-Login's `current_user` the host's user: no ldptrain code
    or template may read it (ldptrain's user is `signed_in.who`, `ldp_who` in templates)."""
    import ldptrain
    from ldptrain.resources import bundled

    package = Path(ldptrain.__file__).parent
    allowed = {package / "web" / "signed_in.py", package / "web" / "__init__.py"}
    for path in package.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "flask_login" in source:
            assert path in allowed, path
            assert "current_user" not in source.replace("`current_user`", ""), path
    for path in bundled("templates").rglob("*.html"):
        assert "current_user" not in path.read_text(encoding="utf-8"), path
