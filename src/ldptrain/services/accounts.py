"""Accounts: creating users, checking passwords, roles."""

from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import session, utcnow
from ..models import Role, RoleAssignment, User
from ..thai import nfc
from .audit import record

# scrypt (werkzeug's default): memory-hard, in the standard library, no extra dependency.
PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)


def create_user(*, email: str, password: str | None, name_th: str, name_en: str = "",
                position: str = "", organisation_id: int | None = None,
                roles: tuple[Role, ...] = (Role.TRAINEE,), language: str = "th",
                actor: User | None = None) -> User:
    email = normalise_email(email)
    if not email or "@" not in email:
        raise AccountError("a valid e-mail address is required")
    if find_by_email(email) is not None:
        raise AccountError(f"an account with {email} already exists")
    user = User(email=email, name_th=nfc(name_th.strip()), name_en=name_en.strip(),
                position=nfc(position.strip()), organisation_id=organisation_id,
                language=language)
    if password is not None:
        set_password(user, password)
    for role in roles:
        user.roles.append(RoleAssignment(role=role))
    session.add(user)
    session.flush()
    record("user.create", actor=actor, target=user, details={"roles": [str(r) for r in roles]})
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_by_email(email)
    if user is None or not user.password_hash or not user.is_active:
        # Spend the same time as a real check so e-mail addresses cannot be probed by timing.
        check_password_hash(generate_password_hash("x", method=PASSWORD_METHOD), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


def set_language(user: User, lang: str) -> None:
    """Remember the user's language on their account, so every device follows it."""
    user.language = lang
