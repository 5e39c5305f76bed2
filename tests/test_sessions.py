"""Sign-in sessions live on the server (ldp_session): signing out, a password change or reset, and
"sign out everywhere" end them, so a copied session or "remember me" cookie stops working; idle
and absolute timeouts end them on shared office computers; the CSRF secret changes at sign-in and
sign-out; a Bearer header relaxes CSRF only on the API; every cookie is SameSite=Lax."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ldptrain.db import get_session, utcnow
from ldptrain.models import LoginSession, Role
from ldptrain.services import api_tokens, sessions
from ldptrain.web.signed_in import REMEMBER_COOKIE

from . import factories as f
from .conftest import csrf_token, make_standalone
from .factories import per_request_locale  # noqa: F401
from .test_page_cost import statements, writes

pytestmark = pytest.mark.usefixtures("per_request_locale")

EMAIL = "somchai@example.org"
NEW_PASSWORD = "a new password 1"


def sign_in(app: Flask, *, remember: bool = False, email: str = EMAIL) -> FlaskClient:
    client = app.test_client()
    base = f.prefix(app)
    token = csrf_token(client, f"{base}/login")
    data = {"csrf_token": token, "email": email, "password": f.PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post(f"{base}/login", data=data).status_code == 302
    return client


def signed_in(app: Flask, client: FlaskClient) -> bool:
    page = client.get(f"{f.prefix(app)}/account/")
    assert page.status_code in (200, 302), page.status_code
    return page.status_code == 200


def with_cookie(app: Flask, name: str, value: str) -> FlaskClient:
    """A different browser holding only a copy of one cookie."""
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief


def cookie(client: FlaskClient, name: str) -> str:
    found = client.get_cookie(name)
    assert found is not None, f"no {name} cookie"
    return found.value


@pytest.fixture
def person(any_app: Flask):  # type: ignore[no-untyped-def]
    user = f.user(EMAIL, language="en", roles=(Role.TRAINEE, Role.ADMIN))
    get_session().commit()
    return user


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Move the sessions' clock forward: `clock(minutes=31)`."""
    start = utcnow()
    offset = [dt.timedelta()]

    def advance(**delta: float) -> None:
        offset[0] += dt.timedelta(**delta)

    monkeypatch.setattr(sessions, "utcnow", lambda: start + offset[0])
    return advance


def test_copied_session_and_remember_cookies_stop_working_after_sign_out(
        any_app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(any_app, remember=True)
    session_copy, remember_copy = cookie(client, "session"), cookie(client, REMEMBER_COOKIE)
    # Both copies work while the sign-in lasts (the remember cookie alone, too: a new browser).
    assert signed_in(any_app, with_cookie(any_app, "session", session_copy))
    assert signed_in(any_app, with_cookie(any_app, REMEMBER_COOKIE, remember_copy))

    base = f.prefix(any_app)
    token = csrf_token(client, f"{base}/account/")
    assert client.post(f"{base}/logout", data={"csrf_token": token}).status_code == 302
    assert not signed_in(any_app, client)
    assert not signed_in(any_app, with_cookie(any_app, "session", session_copy))
    assert not signed_in(any_app, with_cookie(any_app, REMEMBER_COOKIE, remember_copy))
    stored = get_session().scalars(select(LoginSession)).all()
    assert len(stored) == 1 and stored[0].ended_at is not None
    assert stored[0].id == sessions.digest(remember_copy)  # only the hash is kept


def test_a_dead_remember_cookie_is_deleted(any_app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(any_app, remember=True)
    remember_copy = cookie(client, REMEMBER_COOKIE)
    sessions.end_all_for_user(person.id)
    get_session().commit()
    thief = with_cookie(any_app, REMEMBER_COOKIE, remember_copy)
    response = thief.get(f"{f.prefix(any_app)}/account/")
    assert response.status_code == 302
    assert thief.get_cookie(REMEMBER_COOKIE) is None


def test_idle_timeout_ends_a_sign_in_but_not_a_remembered_one(
        any_app: Flask, person, clock) -> None:  # type: ignore[no-untyped-def]
    plain, remembered = sign_in(any_app), sign_in(any_app, remember=True)
    clock(minutes=25)
    assert signed_in(any_app, plain) and signed_in(any_app, remembered)  # use resets the clock
    clock(minutes=25)
    assert signed_in(any_app, plain)
    clock(minutes=31)
    assert not signed_in(any_app, plain), "30 minutes without use end a sign-in"
    assert signed_in(any_app, remembered)
    any_app.config["LDPTRAIN_SESSION_IDLE_MINUTES"] = 5
    again = sign_in(any_app)
    clock(minutes=6)
    assert not signed_in(any_app, again), "the idle timeout is a setting"


def test_absolute_timeout_ends_even_a_busy_sign_in(
        any_app: Flask, person, clock) -> None:  # type: ignore[no-untyped-def]
    plain, remembered = sign_in(any_app), sign_in(any_app, remember=True)
    for _ in range(11 * 3):  # a page every 20 minutes for 11 hours
        clock(minutes=20)
        assert signed_in(any_app, plain)
    clock(minutes=61)  # 12 h 1 min after signing in; the remembered one was seen just now
    assert not signed_in(any_app, plain), "12 hours after signing in, however busy"
    assert signed_in(any_app, remembered)
    clock(days=13, hours=12)
    assert not signed_in(any_app, remembered), "14 days for a remembered sign-in"


def test_last_seen_is_written_at_most_once_a_minute(
        any_app: Flask, person, clock) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(any_app)
    for _ in range(2):
        clock(seconds=20)
        with statements(any_app) as seen:
            assert signed_in(any_app, client)
        assert not writes(seen), "a page view within a minute of the last writes nothing"
    clock(seconds=30)
    with statements(any_app) as seen:
        assert signed_in(any_app, client)
    assert [s for s in writes(seen) if "ldp_session" in s], "then last_seen_at moves on"
    stored = get_session().scalars(select(LoginSession)).one()
    get_session().refresh(stored)
    assert stored.last_seen_at > stored.created_at + dt.timedelta(seconds=60)


def test_the_signed_in_user_is_one_indexed_lookup(any_app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(any_app)
    with statements(any_app) as seen:
        assert signed_in(any_app, client)
    lookups = [s for s in seen if "ldp_session" in s]
    assert len(lookups) == 1, lookups  # the session, its user and their roles, together
    assert "ldp_user" in lookups[0] and "ldp_role_assignment" in lookups[0]
    assert "ldp_session.id = " in lookups[0]  # by primary key


def test_no_worker_memo_keeps_a_revoked_session_alive(app: Flask) -> None:
    """The standalone app remembers decoded session cookies per worker; whether the session is
    still live is asked of the database on every request."""
    user = f.user(EMAIL)
    get_session().commit()
    client = sign_in(app)
    for _ in range(3):
        assert signed_in(app, client)  # now remembered by the worker's memo
    sessions.end_all_for_user(user.id)  # e.g. "sign out everywhere" served by another worker
    get_session().commit()
    assert not signed_in(app, client)


def test_sign_out_everywhere_needs_csrf_and_ends_every_device(
        any_app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    base = f.prefix(any_app)
    phone, laptop = sign_in(any_app), sign_in(any_app, remember=True)
    remember_copy = cookie(laptop, REMEMBER_COOKIE)
    page = phone.get(f"{base}/account/sessions")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "this device" in html and "Sign out everywhere" in html
    forged = phone.post(f"{base}/account/sessions/end")
    assert forged.status_code == 400 and signed_in(any_app, laptop)
    done = phone.post(f"{base}/account/sessions/end",
                      data={"csrf_token": csrf_token(phone, f"{base}/account/sessions")})
    assert done.status_code == 302
    for browser in (phone, laptop, with_cookie(any_app, REMEMBER_COOKIE, remember_copy)):
        assert not signed_in(any_app, browser)


def _api_token(person) -> str:  # type: ignore[no-untyped-def]
    raw = api_tokens.create(person, "script")[1]
    get_session().commit()
    return raw


def _api_works(app: Flask, raw: str) -> bool:
    answer = app.test_client().get(f"{f.prefix(app)}/api/v1/organisations",
                                   headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code in (200, 401), answer.status_code
    return answer.status_code == 200


@pytest.mark.parametrize("revoke", [False, True])
def test_password_change_ends_other_remember_cookies_and_offers_to_revoke_api_tokens(
        any_app: Flask, person, revoke: bool) -> None:  # type: ignore[no-untyped-def]
    base = f.prefix(any_app)
    raw = _api_token(person)
    phone, laptop = sign_in(any_app), sign_in(any_app, remember=True)
    remember_copy = cookie(laptop, REMEMBER_COOKIE)
    form = phone.get(f"{base}/account/password").get_data(as_text=True)
    assert 'name="revoke_tokens"' in form  # offered: this person has a token
    data = {"csrf_token": csrf_token(phone, f"{base}/account/password"), "current": f.PASSWORD,
            "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    if revoke:
        data["revoke_tokens"] = "y"
    assert phone.post(f"{base}/account/password", data=data).status_code == 302
    assert signed_in(any_app, phone)
    assert not signed_in(any_app, laptop)
    assert not signed_in(any_app, with_cookie(any_app, REMEMBER_COOKIE, remember_copy))
    assert _api_works(any_app, raw) is not revoke


def test_password_reset_ends_every_session_and_can_revoke_api_tokens(
        any_app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    from ldptrain.services import accounts

    base = f.prefix(any_app)
    raw = _api_token(person)
    laptop = sign_in(any_app, remember=True)
    remember_copy = cookie(laptop, REMEMBER_COOKIE)
    with any_app.test_request_context():
        link = f"{base}/password/reset/{accounts.password_token(person)}"
    browser = any_app.test_client()
    assert 'name="revoke_tokens"' in browser.get(link).get_data(as_text=True)
    done = browser.post(link, data={"csrf_token": csrf_token(browser, link), "password":
                                    NEW_PASSWORD, "password_again": NEW_PASSWORD,
                                    "revoke_tokens": "y"})
    assert done.status_code == 302
    assert signed_in(any_app, browser)  # the reset signs this browser in, afresh
    assert not signed_in(any_app, laptop)
    assert not signed_in(any_app, with_cookie(any_app, REMEMBER_COOKIE, remember_copy))
    assert not _api_works(any_app, raw)


def test_csrf_token_from_before_sign_in_or_out_is_refused_after(
        any_app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    base = f.prefix(any_app)
    client = any_app.test_client()
    before = csrf_token(client, f"{base}/login")
    assert client.post(f"{base}/login", data={"csrf_token": before, "email": EMAIL,
                                              "password": f.PASSWORD}).status_code == 302
    stale = client.post(f"{base}/language", data={"csrf_token": before, "lang": "th"})
    assert stale.status_code == 400, "a token from before sign-in still works"
    inside = csrf_token(client, f"{base}/account/")
    assert client.post(f"{base}/logout", data={"csrf_token": inside}).status_code == 302
    after = client.post(f"{base}/login", data={"csrf_token": inside, "email": EMAIL,
                                               "password": f.PASSWORD})
    assert after.status_code == 400, "a token from before sign-out still works"


def test_a_bearer_header_does_not_skip_csrf_on_a_cookie_route(
        any_app: Flask, person) -> None:  # type: ignore[no-untyped-def]
    base = f.prefix(any_app)
    client = sign_in(any_app)
    raw = _api_token(person)
    for bearer in ("anything", raw):
        forged = client.post(f"{base}/account/password",
                             headers={"Authorization": f"Bearer {bearer}"},
                             data={"current": f.PASSWORD, "password": NEW_PASSWORD,
                                   "password_again": NEW_PASSWORD})
        assert forged.status_code == 400, "CSRF was skipped for a Bearer header"
    assert sign_in(any_app)  # the password did not change
    assert _api_works(any_app, raw)  # the API still takes the bearer token


def _set_cookies(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


@pytest.mark.parametrize("base_url", ["", "https://training.example"])
def test_every_cookie_is_samesite_lax_and_secure_over_https(
        database_url: str, tmp_path: Path, base_url: str) -> None:
    app = make_standalone(database_url, tmp_path / "i", LDPTRAIN_BASE_URL=base_url)
    with app.app_context():
        f.user(EMAIL)
        get_session().commit()
        client = app.test_client()
        first = client.get("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', first.get_data(as_text=True))
        assert token
        done = client.post("/login", data={"csrf_token": token.group(1), "email": EMAIL,
                                           "password": f.PASSWORD, "remember": "y"})
        # The language chosen is kept in the session cookie: no cookie of its own.
        cookies = {**_set_cookies(first), **_set_cookies(done)}
        assert {"session", REMEMBER_COOKIE} <= set(cookies)
        for name, header in cookies.items():
            assert "SameSite=Lax" in header, name
            assert ("; Secure" in header) is bool(base_url), name
        app.extensions["ldptrain"].db.session.remove()
        app.extensions["ldptrain"].db.engine.dispose()
