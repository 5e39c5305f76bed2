"""Sign-in sessions kept on the server: created at sign-in, ended by sign-out, by "sign out
everywhere", by a password change or reset, or by a timeout.

The browser holds a random secret; the table holds only its SHA-256 (`digest`), which is the
row's id. A session is live while it has not ended, its absolute limit has not passed, and
(unless it is a "remember me" one) it was seen within the idle timeout. `LIVE` says so in SQL,
so the signed-in request checks it in the same statement that reads the user (web/signed_in.py).
Callers pass plain values (ids, the user agent, the address, the limits); the caller commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select, update

from ..db import UTCDateTime, session, utcnow
from ..models import LoginSession, User

_T = LoginSession.__table__
#: last_seen_at is written at most this often, so a page view stays a read.
TOUCH_EVERY = dt.timedelta(minutes=1)

#: A live session, with the bound values `now` and `idle_after` (see `params`).
LIVE = and_(
    _T.c.ended_at.is_(None),
    _T.c.expires_at > bindparam("now", type_=UTCDateTime()),
    or_(_T.c.remember.is_(True),
        _T.c.last_seen_at > bindparam("idle_after", type_=UTCDateTime())))
#: True when last_seen_at is old enough to be written again (bound value `touch_before`).
STALE = (_T.c.last_seen_at < bindparam("touch_before", type_=UTCDateTime())).label("stale")

_TOUCH = (update(_T).where(_T.c.id == bindparam("sid"))
          .values(last_seen_at=bindparam("seen", type_=UTCDateTime())))


@dataclass(frozen=True)
class Limits:
    idle: dt.timedelta = dt.timedelta(minutes=30)
    absolute: dt.timedelta = dt.timedelta(hours=12)
    remember: dt.timedelta = dt.timedelta(days=14)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        return cls(idle=dt.timedelta(minutes=int(config["LDPTRAIN_SESSION_IDLE_MINUTES"])),
                   absolute=dt.timedelta(hours=int(config["LDPTRAIN_SESSION_HOURS"])),
                   remember=dt.timedelta(days=int(config["LDPTRAIN_REMEMBER_DAYS"])))


def digest(secret: str) -> str:
    """The row id for a browser's secret (a 256-bit random value: a fast hash is enough)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def params(limits: Limits, now: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """The values `LIVE` and `STALE` are bound to."""
    now = now or utcnow()
    return {"now": now, "idle_after": now - limits.idle, "touch_before": now - TOUCH_EVERY}


def create(user_id: int, limits: Limits, *, remember: bool = False, user_agent: str = "",
           ip: str = "", now: dt.datetime | None = None) -> str:
    """A new session for the user; returns the secret for the browser (never stored). Every
    sign-in starts here (password, sign-up, password link), so "last sign-in" is recorded here."""
    now = now or utcnow()
    user = session.get(User, user_id)
    if user is not None:
        user.last_login_at = now
    # The user's ended and timed-out sessions go: the table holds what is live, or nearly.
    session.execute(delete(_T).where(_T.c.user_id == user_id, ~LIVE),
                    params(limits, now))
    secret = secrets.token_urlsafe(32)
    session.add(LoginSession(
        id=digest(secret), user_id=user_id, created_at=now, last_seen_at=now,
        expires_at=now + (limits.remember if remember else limits.absolute),
        remember=remember, user_agent=device_summary(user_agent), ip=(ip or "")[:45]))
    session.flush()
    return secret


def find(secret: str, limits: Limits, now: dt.datetime | None = None) -> LoginSession | None:
    """The live session of this secret, else None."""
    if not secret:
        return None
    return session.scalar(select(LoginSession).where(LoginSession.id == digest(secret), LIVE),
                          params(limits, now))


def touch(session_id: str, now: dt.datetime | None = None) -> None:
    """Record that the session was used (the caller reads `STALE` first, so at most once per
    `TOUCH_EVERY`)."""
    session.execute(_TOUCH, {"sid": session_id, "seen": now or utcnow()})


def end(session_id: str, now: dt.datetime | None = None) -> bool:
    """End one session; False when it had already ended."""
    done = session.execute(update(_T).where(_T.c.id == session_id, _T.c.ended_at.is_(None))
                           .values(ended_at=now or utcnow()))
    return bool(done.rowcount)  # type: ignore[attr-defined]


def end_all_for_user(user_id: int, *, keep: str | None = None,
                     now: dt.datetime | None = None) -> int:
    """End every session of the user (but `keep`, a session id): returns how many ended."""
    where = [_T.c.user_id == user_id, _T.c.ended_at.is_(None)]
    if keep:
        where.append(_T.c.id != keep)
    done = session.execute(update(_T).where(*where).values(ended_at=now or utcnow()))
    return int(done.rowcount)  # type: ignore[attr-defined]


def live_for_user(user_id: int, limits: Limits,
                  now: dt.datetime | None = None) -> list[LoginSession]:
    """The user's live sessions, most recently used first (the "where you are signed in"
    list)."""
    return list(session.scalars(
        select(LoginSession).where(LoginSession.user_id == user_id, LIVE)
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id), params(limits, now)))


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"),
             (" Line/", "LINE"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))


def device_summary(user_agent: str) -> str:
    """"Chrome, Android": enough for a person to recognise a device, no more (the full user
    agent string is not kept)."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    return ", ".join(part for part in (browser, system) if part)[:100]
