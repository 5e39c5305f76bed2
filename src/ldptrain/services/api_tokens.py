"""Personal API tokens: created and revoked by their owner, stored only as a hash.

The token string is shown once, at creation. A request presenting it acts as its owner with the
owner's scope (access.scope_for), so an API call can never see more than the owner's pages do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select

from ..db import session, utcnow
from ..models import User
from ..models.api_token import ApiToken
from .audit import record
from .errors import ServiceError

PREFIX = "ldp_"
MAX_NAME = 100
MAX_ACTIVE = 20  # per person: enough for scripts, few enough to review
TOUCH_EVERY = dt.timedelta(minutes=5)  # "last used" is refreshed at most this often


class TokenError(ServiceError, ValueError):
    pass


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def active_tokens(user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with the secret string (never stored, shown once)."""
    name = " ".join(name.split())
    if not name:
        raise TokenError("name")
    if len(name) > MAX_NAME:
        raise TokenError("long")
    if len(active_tokens(user)) >= MAX_ACTIVE:
        raise TokenError("limit")
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_digest(raw), prefix=raw[:12])
    session.add(token)
    session.flush()
    record("api_token.create", actor=user, target=token, details={"name": name})
    return token, raw


def revoke(user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when it is not theirs or already revoked."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    record("api_token.revoke", actor=user, target=token)
    return True


def revoke_all(user: User) -> int:
    """Revoke every live token of the user (offered with a password change or reset)."""
    tokens = active_tokens(user)
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
    if tokens:
        record("api_token.revoke_all", actor=user, target=user, details={"count": len(tokens)})
    return len(tokens)


def authenticate(raw: str, now: dt.datetime | None = None) -> User | None:
    """The active owner of a live token, else None. Refreshes `last_used_at` (the caller
    commits)."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        token.last_used_at = now
    return user
