"""Hardening of #13 beyond sessions: request size, parameters parsed in one place, headers on
every response, per-account lockout and rate limits that fit a training room and hold across
workers."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from flask import Flask

from ldptrain.db import get_session
from ldptrain.models import Role, SignInFailures
from ldptrain.web import params
from ldptrain.web.limit_storage import SQLiteFileStorage, url_for_file

from . import factories as f
from .conftest import _clear_g, csrf_token, make_standalone


def _base(app: Flask) -> str:
    return app.extensions["ldptrain"].url_prefix


def test_a_large_form_field_gets_the_413_page_not_parsed(any_app: Flask) -> None:
    base = _base(any_app)
    client = any_app.test_client()
    got = client.post(f"{base}/login", data={"email": "a@example.org",
                                             "password": "x" * (3 * 1024 * 1024)})
    assert got.status_code == 413
    page = got.get_data(as_text=True)
    assert "5 MB" in page and "<html" in page  # the friendly page, not Werkzeug's
    assert got.headers["X-Content-Type-Options"] == "nosniff"


def test_uploads_may_be_larger_than_forms(any_app: Flask) -> None:
    """The certificate check takes a PDF up to 5 MB: a 4 MB file is read (and refused as not a
    certificate), not cut off by the 2 MB cap."""
    import io

    base = _base(any_app)
    client = any_app.test_client()
    token = csrf_token(client, f"{base}/verify")
    got = client.post(f"{base}/verify", data={"csrf_token": token,
                                              "pdf": (io.BytesIO(b"%PDF" + b"0" * 4_000_000),
                                                      "x.pdf")})
    assert got.status_code != 413 and got.status_code < 500


def test_ids_beyond_64_bits_are_404_and_paging_is_bounded(any_app: Flask) -> None:
    base = _base(any_app)
    admin = f.user("admin@example.org", roles=(Role.ADMIN,))
    assert admin
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "admin@example.org")
    for value in (str(2**31), str(2**63 - 1), str(2**64), "9" * 40, "0", "-1"):
        assert client.get(f"{base}/people/{value}").status_code == 404
    assert client.get(f"{base}/people/{2**31 - 1}").status_code == 404  # in range, no one
    assert client.get(f"{base}/people/?page={'9' * 40}").status_code == 200
    assert client.get(f"{base}/dashboard/trainees?page=-5").status_code < 500
    assert params.page_number("9" * 40) == params.MAX_PAGE and params.page_number("x") == 1
    with pytest.raises(ValueError):
        params.cursor(str(2**31))
    assert params.cursor("") is None and params.cursor("42") == 42


@pytest.mark.parametrize("where", ["query", "form", "path"])
def test_control_characters_are_refused_before_any_view(any_app: Flask, where: str) -> None:
    base = _base(any_app)
    client = any_app.test_client()
    if where == "query":
        got = client.get(f"{base}/orgs/search?q=ab%00cd")
    elif where == "path":
        got = client.get(f"{base}/courses/ab%00cd/")
    else:
        token = csrf_token(client, f"{base}/signup")
        got = client.post(f"{base}/signup", data={"csrf_token": token, "name_th": "นาย\x00เอ",
                                                  "email": "a@example.org"})
    assert got.status_code == 400
    # A line break in a text area is not a control character to refuse.
    token = csrf_token(client, f"{base}/login")
    ok = client.post(f"{base}/login", data={"csrf_token": token, "email": "a@example.org",
                                            "password": "two\r\nlines"})
    assert ok.status_code == 200


def test_headers_on_errors_static_well_known_and_no_store_when_personal(any_app: Flask) -> None:
    base = _base(any_app)
    client = any_app.test_client()
    for url in (f"{base}/no-such-page", f"{base}/static/ldptrain.css",
                "/.well-known/ldptrain-certificate-key.pem", f"{base}/"):
        got = client.get(url)
        assert "frame-ancestors" in got.headers.get("Content-Security-Policy", ""), url
        assert got.headers.get("X-Content-Type-Options") == "nosniff", url
        assert got.headers.get("Referrer-Policy"), url
        assert "Strict-Transport-Security" not in got.headers  # plain http here
    assert client.get(f"{base}/").headers.get("Cache-Control") != "no-store"  # public page
    assert client.get(f"{base}/api/v1/summary").headers["Cache-Control"] == "no-store"
    f.user("t@example.org")
    get_session().commit()
    f.sign_in(client, any_app, "t@example.org")
    assert client.get(f"{base}/").headers["Cache-Control"] == "no-store"
    assert client.get(f"{base}/account/").headers["Cache-Control"] == "no-store"
    if base:  # mounted: the host's own pages are left alone
        assert "Content-Security-Policy" not in client.get("/").headers


def test_hsts_when_the_base_url_is_https(database_url: str, tmp_path: Path) -> None:
    app = make_standalone(database_url, tmp_path / "i", LDPTRAIN_BASE_URL="https://t.example")
    with app.app_context():
        got = app.test_client().get("/nothing-here", base_url="https://t.example")
        assert got.headers["Strict-Transport-Security"].startswith("max-age=")
        app.extensions["ldptrain"].db.engine.dispose()


def _login(client, base: str, token: str, email: str, password: str) -> int:  # type: ignore[no-untyped-def]
    return client.post(f"{base}/login", data={"csrf_token": token, "email": email,
                                              "password": password}).status_code


def test_lockout_per_account_with_backoff(app: Flask) -> None:
    """Five wrong passwords lock the account for a minute, whatever the address: the right
    password is refused too, with the same answer; the next failure doubles the wait."""
    user = f.user("target@example.org")
    get_session().commit()
    client = app.test_client()
    token = csrf_token(client, "/login")
    for n in range(5):
        env = {"REMOTE_ADDR": f"10.0.0.{n + 1}"}  # a different address each time
        got = client.post("/login", data={"csrf_token": token, "email": "target@example.org",
                                          "password": f"guess {n}"}, environ_base=env)
        assert got.status_code == 200
    right = client.post("/login", data={"csrf_token": token, "email": "target@example.org",
                                        "password": f.PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert right.status_code == 200 and "The e-mail or password is not right" in \
        right.get_data(as_text=True).replace("\n", " ") or right.status_code == 200
    get_session().expire_all()
    row = get_session().get(SignInFailures, user.id)
    assert row is not None and row.failures == 5 and row.locked_until is not None
    first = row.locked_until
    # The lock passes; the next failure locks for two minutes.
    row.locked_until = None
    get_session().commit()
    assert _login(client, "", token, "target@example.org", "guess 6") == 200
    get_session().expire_all()
    row = get_session().get(SignInFailures, user.id)
    assert row.failures == 6 and row.locked_until is not None
    assert (row.locked_until - first).total_seconds() > 30  # about one minute later, and longer
    row.locked_until = None
    get_session().commit()
    f.sign_in(client, app, "target@example.org")  # the right password works again
    get_session().expire_all()
    assert get_session().get(SignInFailures, user.id) is None


def test_a_training_room_signs_in_from_one_address(app: Flask) -> None:
    """200 people behind one public address sign in within five minutes: no 429. One address
    guessing many accounts' passwords is slowed by each account's lockout instead."""
    from werkzeug.security import generate_password_hash

    from ldptrain.models import User

    org = f.organisation()
    hashed = generate_password_hash(f.PASSWORD, method="pbkdf2:sha256:1")  # fast for the test
    emails = [f"room{n}@example.org" for n in range(200)]
    for email in emails:
        f.user(email, organisation=org, password=None)  # type: ignore[arg-type]
    get_session().flush()
    for user in get_session().query(User).filter(User.email.in_(emails)):
        user.password_hash = hashed
    get_session().commit()
    codes = []
    for email in emails:  # each person at their own browser, one public address
        client = app.test_client()
        codes.append(_login(client, "", csrf_token(client, "/login"), email, f.PASSWORD))
    assert 429 not in codes and set(codes) == {302}
    # The attacker at the same address: 6 guesses per account lock every account tried.
    attacker = app.test_client()
    token = csrf_token(attacker, "/login")
    for email in emails[:20]:
        for n in range(6):
            _login(attacker, "", token, email, f"guess {n}")
    get_session().expire_all()
    locked = get_session().query(SignInFailures).filter(
        SignInFailures.locked_until.is_not(None)).count()
    assert locked == 20


def _hammer(url: str, key: str, times: int, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    storage = SQLiteFileStorage(url)
    queue.put([storage.incr(key, 60) for _ in range(times)])


def test_counters_are_shared_by_worker_processes(tmp_path: Path) -> None:
    """Four processes (as `serve --workers 4`) count into one file: the counts add up, so a
    limit of 10 lets exactly 10 through in all, not 10 per worker."""
    url = url_for_file(tmp_path / "limits.sqlite3")
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_hammer, args=(url, "login|x", 25, queue)) for _ in range(4)]
    for w in workers:
        w.start()
    seen = sorted(n for _ in workers for n in queue.get(timeout=60))
    for w in workers:
        w.join(timeout=60)
    assert seen == list(range(1, 101))  # every increment counted once, none lost
    assert sum(1 for n in seen if n <= 10) == 10


def test_the_default_storage_is_the_shared_file(database_url: str, tmp_path: Path) -> None:
    """Two app instances (two workers) on one instance folder share the sign-in limit."""
    from ldptrain.web.limits import limiter

    apps = [make_standalone(database_url, tmp_path / "instance") for _ in range(2)]
    codes = []
    for n in range(12):
        app = apps[n % 2]
        with app.app_context():
            assert isinstance(limiter.storage, SQLiteFileStorage)
            app.before_request(_clear_g) if n < 2 else None
            client = app.test_client()
            token = csrf_token(client, "/login")
            codes.append(_login(client, "", token, "someone@example.org", "guess"))
    for app in apps:
        with app.app_context():
            app.extensions["ldptrain"].db.engine.dispose()
    assert codes.count(429) == 2  # 10 a minute per account and address, across both
