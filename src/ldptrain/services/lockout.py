"""Per-account sign-in lockout with backoff: after LDPTRAIN_LOCKOUT_AFTER failures in a row an
account refuses every password (the right one too) for a minute, then twice as long after each
further failure, at most LDPTRAIN_LOCKOUT_MAX_MINUTES. A success clears the count.

This is what protects a password from guessing: per-address rate limits are sized for a training
room of 200 behind one address, and an attacker has many addresses anyway. The state is a row of
ldp_signin_failures, so every worker and host sees it.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import delete

from ..db import session, utcnow
from ..models import SignInFailures, User


def _settings() -> tuple[int, int]:
    config = current_app.config
    return (int(config.get("LDPTRAIN_LOCKOUT_AFTER") or 5),
            int(config.get("LDPTRAIN_LOCKOUT_MAX_MINUTES") or 60))


def locked(user: User, now: dt.datetime | None = None) -> bool:
    row = session.get(SignInFailures, user.id)
    return bool(row and row.locked_until and row.locked_until > (now or utcnow()))


def wait_after(failures: int) -> dt.timedelta | None:
    """How long the account waits after this many failures in a row (None: not locked)."""
    after, cap = _settings()
    if failures < after:
        return None
    minutes = min(2 ** min(failures - after, 20), cap)
    return dt.timedelta(minutes=minutes)


def failed(user: User, now: dt.datetime | None = None) -> None:
    """One more failure; the row is locked for the update so concurrent failures all count."""
    now = now or utcnow()
    row = session.get(SignInFailures, user.id, with_for_update=True)
    if row is None:
        row = SignInFailures(user_id=user.id, failures=0)
        session.add(row)
    row.failures += 1
    wait = wait_after(row.failures)
    if wait is not None:
        row.locked_until = now + wait
    session.flush()


def succeeded(user: User) -> None:
    session.execute(delete(SignInFailures).where(SignInFailures.user_id == user.id))
