"""Flask's signed-cookie session, remembering what each exact cookie string decoded to.

A browser sends the same session cookie on request after request, and verifying it (HMAC, base64,
zlib, the tagged-JSON walk) was a sizeable share of a signed-in page. This interface verifies a
cookie string once per process and signing setup, then answers repeats from a bounded memo.
Nothing else changes: a memo hit re-checks the cookie's age against PERMANENT_SESSION_LIFETIME
from the stored signature timestamp, a bad or expired cookie is never remembered and gets the
same fresh empty session as from Flask, and `save_session` is Flask's own.

The memo caches what a cookie string decodes to, never whether the sign-in it names is still
live: that is read from the database on every request (web/signed_in.py, ADR 0009), so a session
ended by sign-out on another worker is refused at once.
"""

from __future__ import annotations

import copy
import time
from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Flask, Request, Response, g
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature

from ..lru import LRU

# Values the request may replace but cannot change in place; anything else (the list behind
# flash(), a dict) is deep-copied, so a request never writes into the memo.
_IMMUTABLE = (str, bytes, int, float, type(None), datetime, UUID)


class _Entry:
    __slots__ = ("data", "mutable", "signed_at")

    def __init__(self, data: dict[str, Any], signed_at: int) -> None:
        self.data = data
        self.signed_at = signed_at
        self.mutable = tuple(k for k, v in data.items() if not isinstance(v, _IMMUTABLE))

    def copy(self) -> dict[str, Any]:
        fresh = dict(self.data)
        for key in self.mutable:
            fresh[key] = copy.deepcopy(fresh[key])
        return fresh


class RememberingSessionInterface(SecureCookieSessionInterface):
    """`SecureCookieSessionInterface` with a per-instance, thread-safe LRU of verified cookies."""

    def __init__(self, size: int = 2048) -> None:
        self._memo: LRU[tuple[Any, ...], _Entry] = LRU(size)

    def _memo_key(self, app: Flask, cookie: str) -> tuple[Any, ...]:
        # Everything the verdict depends on: a new secret key or fallback list verifies afresh.
        fallbacks = tuple(app.config.get("SECRET_KEY_FALLBACKS") or ())
        return (cookie, app.secret_key, fallbacks, self.salt, self.serializer,
                self.key_derivation, self.digest_method)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        # A static file under its content hash is the same for everyone; Flask-Login looks at
        # the session on every response, which made Flask add "Vary: Cookie" and caches keep a
        # copy per visitor (web/static.py sets the flag).
        if g.get("ldp_shared_static"):
            kept = [h for h in response.vary if h.lower() != "cookie"]
            if kept:
                response.headers["Vary"] = ", ".join(kept)
            else:
                response.headers.pop("Vary", None)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not app.secret_key:
            return None  # as Flask: no secret key, no session
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = self._memo_key(app, cookie)
        entry = self._memo.get(key)
        if entry is not None:
            age = int(time.time()) - entry.signed_at  # as itsdangerous measures it
            if not 0 <= age <= max_age:
                self._memo.discard(key)  # expired: Flask below gives the empty session
                entry = None
        if entry is not None:
            return self.session_class(entry.copy())

        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        try:
            data, signed_at = signer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if not isinstance(data, dict):
            return self.session_class(data)  # not a session Flask wrote: nothing to remember
        entry = _Entry(data, int(signed_at.timestamp()))
        self._memo.put(key, entry)
        return self.session_class(entry.copy())
