"""The standalone app remembers verified session cookies (a repeat costs no HMAC or decoding) and
behaves exactly like Flask's own: a signed-in user stays signed in, a request's changes never
reach the memo, and a cookie that is tampered, expired or signed with another key is refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.timed import TimedSerializer

from ldptrain.db import get_session
from ldptrain.web.cookie_session import RememberingSessionInterface

from . import factories as f
from .conftest import csrf_token, make_mounted
from .factories import per_request_locale  # noqa: F401

pytestmark = pytest.mark.usefixtures("per_request_locale")

EMAIL = "kanya@example.org"


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every session cookie string that went through itsdangerous (the work the memo saves)."""
    seen: list[str] = []
    original = TimedSerializer.loads

    def counting(self, s, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.salt == b"cookie-session":
            seen.append(s)
        return original(self, s, *args, **kwargs)

    monkeypatch.setattr(TimedSerializer, "loads", counting)
    yield seen


@pytest.fixture
def signed_in(app: Flask) -> FlaskClient:
    f.user(EMAIL, language="en")
    get_session().commit()
    client = app.test_client()
    f.sign_in(client, app, EMAIL)
    return client


def cookie(client: FlaskClient) -> str:
    found = client.get_cookie("session")
    assert found is not None
    return found.value


def is_signed_in(client: FlaskClient) -> bool:
    page = client.get("/account/")
    assert page.status_code in (200, 302), page.status_code
    return page.status_code == 200


def signed_at(app: Flask, value: str, seconds_ago: int) -> str:
    """The same session data re-signed as if `seconds_ago` seconds had passed since."""
    flask_own = SecureCookieSessionInterface()  # the salt, serializer and digest sessions use
    signer = flask_own.get_signing_serializer(app)
    assert signer is not None

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds_ago

    old = URLSafeTimedSerializer(
        app.secret_key, salt=flask_own.salt, serializer=flask_own.serializer,  # type: ignore[arg-type]
        signer=Then, signer_kwargs={"key_derivation": flask_own.key_derivation,
                                    "digest_method": flask_own.digest_method})
    return old.dumps(signer.loads(value))


def test_standalone_remembers_but_a_host_keeps_its_own_session_interface(
        app: Flask, database_url: str, tmp_path: Path) -> None:
    assert isinstance(app.session_interface, RememberingSessionInterface)
    host = make_mounted(database_url, tmp_path / "host")
    assert type(host.session_interface) is SecureCookieSessionInterface
    with host.app_context():
        host.extensions["ldptrain"].db.engine.dispose()


def test_a_signed_in_user_stays_signed_in_and_the_cookie_is_verified_once(
        signed_in: FlaskClient, verifications: list[str]) -> None:
    # Signing in dropped the CSRF secret: the first page with a form sets a new one, once.
    assert is_signed_in(signed_in)
    verifications.clear()
    for _ in range(5):
        assert is_signed_in(signed_in)
    assert verifications == [cookie(signed_in)]


def test_a_language_chosen_in_one_request_stays_out_of_the_old_cookie(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client, "/login")
    before = cookie(client)
    assert '<html lang="th">' in client.get("/login").get_data(as_text=True)  # now remembered
    done = client.post("/language", data={"lang": "en", "csrf_token": token, "next": "/login"})
    assert done.status_code == 302
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    client.set_cookie("session", before)
    assert '<html lang="th">' in client.get("/login").get_data(as_text=True)


def test_a_message_flashed_with_an_old_cookie_stays_out_of_that_cookie(
        signed_in: FlaskClient) -> None:
    """flash() appends to the session's list in place: the memo must hand out a copy of it."""
    token = csrf_token(signed_in, "/account/")
    assert signed_in.post("/logout", data={"csrf_token": token}).status_code == 302
    signed_out = cookie(signed_in)  # carries the "You have signed out." message
    page = signed_in.get("/login").get_data(as_text=True)
    assert page.count('class="flash ') == 1  # shown once, and the cookie is now remembered
    signed_in.set_cookie("session", signed_out)
    # A page for the signed-in flashes "Please sign in" into the same list, and redirects.
    assert signed_in.get("/account/").status_code == 302
    signed_in.set_cookie("session", signed_out)
    page = signed_in.get("/login").get_data(as_text=True)
    assert page.count('class="flash flash-info"') == 1
    assert page.count('class="flash ') == 1, "the sign-in request's message leaked"


def test_a_cookie_is_only_accepted_under_the_key_that_signed_it(
        app: Flask, signed_in: FlaskClient) -> None:
    assert is_signed_in(signed_in)  # remembered under the old key
    app.config["SECRET_KEY"] = "a-rotated-secret-key"
    assert not is_signed_in(signed_in), "accepted although the key that signed it is gone"


def test_a_fallback_key_counts_only_while_it_is_listed(
        app: Flask, signed_in: FlaskClient) -> None:
    signed = cookie(signed_in)
    old_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-rotated-secret-key"
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert is_signed_in(signed_in), "Flask accepts a cookie signed with a fallback key"
    app.config["SECRET_KEY_FALLBACKS"] = []
    signed_in.set_cookie("session", signed)
    assert not is_signed_in(signed_in), "remembered from when the old key was a fallback"
    app.config["SECRET_KEY"] = old_key
    signed_in.set_cookie("session", signed)
    assert is_signed_in(signed_in)


def test_an_expired_cookie_is_refused_even_when_remembered(
        app: Flask, signed_in: FlaskClient, verifications: list[str]) -> None:
    aged = signed_at(app, cookie(signed_in), seconds_ago=100)
    signed_in.set_cookie("session", aged)
    assert is_signed_in(signed_in)  # within the default lifetime: remembered
    assert is_signed_in(signed_in)
    assert verifications.count(aged) == 1
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=50)
    for _ in range(2):
        signed_in.set_cookie("session", aged)
        assert not is_signed_in(signed_in)
    assert verifications.count(aged) == 3, "an expired cookie is checked afresh, never remembered"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=1)
    signed_in.set_cookie("session", aged)
    assert is_signed_in(signed_in)


def test_a_tampered_cookie_is_refused_and_not_remembered(
        signed_in: FlaskClient, verifications: list[str]) -> None:
    good = cookie(signed_in)
    assert is_signed_in(signed_in)
    payload, stamp, signature = good.rsplit(".", 2)
    swap = "A" if signature[5] != "A" else "B"
    bad_signature = f"{payload}.{stamp}.{signature[:5]}{swap}{signature[6:]}"
    swap = "A" if payload[-5] != "A" else "B"
    bad_payload = f"{payload[:-5]}{swap}{payload[-4:]}.{stamp}.{signature}"
    for bad in (bad_signature, bad_payload, bad_signature):
        signed_in.set_cookie("session", bad)
        assert not is_signed_in(signed_in), bad
    assert verifications.count(bad_signature) == 2
    signed_in.set_cookie("session", good)
    assert is_signed_in(signed_in)
    assert verifications.count(good) == 1


def test_the_memo_holds_at_most_its_size_and_forgets_the_least_recently_used(
        app: Flask, verifications: list[str]) -> None:
    app.session_interface = iface = RememberingSessionInterface(size=3)
    signer = iface.get_signing_serializer(app)
    assert signer is not None
    cookies = [signer.dumps({"ldp_lang": "en", "n": n}) for n in range(4)]
    client = app.test_client()

    def visit(value: str) -> None:
        client.set_cookie("session", value)
        assert '<html lang="en">' in client.get("/login").get_data(as_text=True)

    for value in (*cookies[:3], cookies[0], cookies[3]):  # the 4th pushes out the 2nd, not the 1st
        visit(value)
    assert len(iface._memo) == 3
    visit(cookies[0])
    visit(cookies[1])
    assert verifications.count(cookies[0]) == 1, "used recently, so still remembered"
    assert verifications.count(cookies[1]) == 2, "the least recently used was forgotten"
