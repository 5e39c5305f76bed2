"""Accounts: creating users, sign-up with consent, passwords, reset links, profile, language.

A password-reset (or password-set) link carries a signed token bound to the user's current
``session_token``: setting the password rotates that token, so a link works once, and a password
change anywhere also voids links already sent. A password change or reset also ends the user's
other sign-in sessions (services/sessions.py) and, when asked, revokes their API tokens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import session, utcnow
from ..i18n import LANGUAGES, force_language
from ..i18n import gettext as _
from ..models import Organisation, Role, RoleAssignment, User, new_session_token
from ..thai import nfc
from . import api_tokens, lockout, mail, sessions
from .audit import record
from .errors import ServiceError

log = logging.getLogger("ldptrain.accounts")

# scrypt (werkzeug's default): memory-hard, in the standard library, no extra dependency.
PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
RESET_MAX_AGE = dt.timedelta(hours=1)
# Bulk-created staff may not read their mail within the hour; their first link lasts longer.
WELCOME_MAX_AGE = dt.timedelta(days=7)
_TOKEN_SALT = "ldptrain-password-link"
# A hash we can check against when no user matches, so a miss costs as long as a hit.
_DUMMY_HASH = generate_password_hash("not a real password", method=PASSWORD_METHOD)
#: Password hashes one process computes at once. scrypt is memory-hard (32 MiB and ~0.2 s of a
#: core each): sixteen at once on two cores (4 gthread workers x 4 threads in a sign-in rush)
#: thrash the memory and starve the page views of CPU; one per process keeps the rest for them.
#: Sign-ins wait their turn (benchmarks/load.py reports them apart).
HASHES_AT_ONCE = 1
_hashing = threading.BoundedSemaphore(HASHES_AT_ONCE)


def _check(hashed: str, password: str) -> bool:
    with _hashing:
        return check_password_hash(hashed, password)


def _hash(password: str) -> str:
    with _hashing:
        return generate_password_hash(password, method=PASSWORD_METHOD)


class AccountError(ServiceError, ValueError):
    """A rule was broken; the message is ready to show to the person, next to ``field``."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class LinkError(AccountError):
    """A password link is unknown, used or expired."""


def normalise_email(email: str) -> str:
    return nfc(email.strip().lower())


def find_by_email(email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def check_email(email: str) -> str:
    email = normalise_email(email)
    local, _at, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise AccountError(_("Enter a valid e-mail address."), "email")
    return email


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The password must have at least %(n)s characters.",
                             n=MIN_PASSWORD_LENGTH), "password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(_("The password is too long."), "password")
    user.password_hash = _hash(password)


def rotate_session_token(user: User) -> None:
    """Void the user's password links (they are bound to this value)."""
    user.session_token = new_session_token()


def _after_new_password(user: User, *, keep_session: str | None, revoke_tokens: bool) -> None:
    """A new password voids links, ends every other session and "remember me" cookie, and
    (when the person asks) revokes their API tokens."""
    rotate_session_token(user)
    sessions.end_all_for_user(user.id, keep=keep_session)
    if revoke_tokens:
        api_tokens.revoke_all(user)


def sign_out_everywhere(user: User) -> int:
    """End every sign-in session of the user, this one included; returns how many ended."""
    ended = sessions.end_all_for_user(user.id)
    record("user.sign_out_everywhere", actor=user, target=user, details={"sessions": ended})
    return ended


def create_user(*, email: str, password: str | None, name_th: str, name_en: str = "",
                position: str = "", organisation_id: int | None = None,
                roles: tuple[Role, ...] = (Role.TRAINEE,), language: str = "th",
                province_code: str | None = None, actor: User | None = None,
                ip: str = "") -> User:
    """A new account. A coordinator role is attached to ``organisation_id`` and a provincial
    officer role to ``province_code``: that is what their scope is computed from. ``actor`` must
    be allowed to give every role (access.may_grant; None is the command line or self sign-up,
    which only ever asks for a trainee)."""
    from .roles import check_grant

    organisation = session.get(Organisation, organisation_id) if organisation_id else None
    for role in roles:
        check_grant(actor, role, organisation)
    email = check_email(email)
    if not nfc(name_th).strip():
        raise AccountError(_("Enter the name in Thai."), "name_th")
    if find_by_email(email) is not None:
        raise AccountError(_("An account with this e-mail address already exists."), "email")
    user = User(email=email, name_th=nfc(name_th.strip()), name_en=nfc(name_en.strip()),
                position=nfc(position.strip()), organisation_id=organisation_id,
                language=language if language in LANGUAGES else "th")
    if password is not None:
        set_password(user, password)
    for role in roles:
        user.roles.append(RoleAssignment(
            role=role,
            organisation_id=organisation_id if role == Role.COORDINATOR else None,
            province_code=province_code if role == Role.PROVINCIAL_OFFICER else None))
    session.add(user)
    session.flush()
    record("user.create", actor=actor, target=user, organisation_id=organisation_id, ip=ip,
           details={"roles": [str(r) for r in roles]})
    for role in roles:
        if role != Role.TRAINEE:
            record("role.grant", actor=actor, target=user, organisation_id=organisation_id,
                   ip=ip, details={"role": str(role), "province_code": province_code})
    return user


def privacy_version() -> str:
    return str(current_app.config.get("LDPTRAIN_PRIVACY_VERSION", ""))


def needs_consent(user: User, *, first_visit: bool = False) -> bool:
    """Consent was given to an older privacy notice, or (``first_visit``: an account created in
    bulk, opened with its welcome link) was never given. Accounts made on the command line
    (administrators) are not asked at sign-in."""
    if user.consent_at is None:
        return first_visit
    return user.privacy_version != privacy_version()


def record_consent(user: User) -> None:
    user.consent_at = utcnow()
    user.privacy_version = privacy_version()
    record("privacy.consent", actor=user, target=user,
           details={"privacy_version": user.privacy_version})


def authenticate(email: str, password: str) -> User | None:
    user = find_by_email(email)
    if user is None or not user.password_hash or not user.is_active:
        # Spend the same time as a real check so e-mail addresses cannot be probed by timing.
        _check(_DUMMY_HASH, password)
        return None
    if lockout.locked(user):
        # Locked: the same work and the same answer as a wrong password, right or not.
        _check(_DUMMY_HASH, password)
        return None
    if not _check(user.password_hash, password):
        lockout.failed(user)
        return None
    lockout.succeeded(user)
    return user  # the sign-in itself records "last sign-in" (sessions.create)


def change_password(user: User, current: str, new: str, *, keep_session: str | None = None,
                    revoke_tokens: bool = False) -> None:
    """Needs the current password; ends the user's sessions but `keep_session` (the id of the
    one making the change)."""
    if not user.password_hash or not _check(user.password_hash, current):
        raise AccountError(_("The current password is not right."), "current")
    set_password(user, new)
    _after_new_password(user, keep_session=keep_session, revoke_tokens=revoke_tokens)
    record("user.password_change", actor=user, target=user,
           details={"revoked_api_tokens": revoke_tokens})


def update_profile(user: User, *, name_th: str, name_en: str, position: str,
                   language: str) -> None:
    if not nfc(name_th).strip():
        raise AccountError(_("Enter the name in Thai."), "name_th")
    user.name_th = nfc(name_th.strip())
    user.name_en = nfc(name_en.strip())
    user.position = nfc(position.strip())
    if language in LANGUAGES:
        user.language = language
    record("user.profile_update", actor=user, target=user)


def set_language(user: User, lang: str) -> None:
    """Remember the user's language on their account, so every device follows it."""
    if lang in LANGUAGES:
        user.language = lang


# --- password links -----------------------------------------------------------------------
def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_TOKEN_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.session_token.encode()).hexdigest()[:20]


def password_token(user: User, purpose: str = "reset") -> str:
    """A signed link token for ``reset`` (1 hour) or ``welcome`` (7 days)."""
    return _serializer().dumps({"u": user.id, "s": _fingerprint(user), "p": purpose})


def user_for_token(token: str) -> tuple[User, str]:
    """The user a link belongs to and its purpose; LinkError when forged, used or expired."""
    try:
        data, signed_at = _serializer().loads(
            token, max_age=int(WELCOME_MAX_AGE.total_seconds()), return_timestamp=True)
    except SignatureExpired as exc:
        raise LinkError(_("This link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise LinkError(_("This link is not valid. It may have been used already.")) from exc
    if not isinstance(data, dict):
        raise LinkError(_("This link is not valid. It may have been used already."))
    purpose = str(data.get("p", "reset"))
    max_age = WELCOME_MAX_AGE if purpose == "welcome" else RESET_MAX_AGE
    if time.time() - signed_at.timestamp() > max_age.total_seconds():
        raise LinkError(_("This link has expired. Ask for a new one."))
    user = session.get(User, data.get("u"))
    if user is None or not user.is_active or data.get("s") != _fingerprint(user):
        raise LinkError(_("This link is not valid. It may have been used already."))
    return user, purpose


def reset_password(token: str, new: str, *, revoke_tokens: bool = False) -> User:
    """Set the password from a link: the link is spent and every session of the user ends (the
    caller starts a new one)."""
    user, purpose = user_for_token(token)
    set_password(user, new)
    _after_new_password(user, keep_session=None, revoke_tokens=revoke_tokens)
    record("user.password_reset", actor=user, target=user,
           details={"purpose": purpose, "revoked_api_tokens": revoke_tokens})
    return user


def send_password_link(user: User, purpose: str = "reset") -> str:
    """Put a password link for ``user`` in the outbox (sent after the caller commits); returns
    the link, which the commands print when no mail server is configured."""
    from ..i18n import domain

    link = mail.external_url("ldptrain.auth.reset_password", token=password_token(user, purpose))
    # E-mails follow the recipient's language, not the sender's.
    with force_language(user.language):
        if purpose == "welcome":
            subject = domain.gettext("Your DLA Training account")
            body = domain.gettext(
                "Hello %(name)s,\n\nAn account on DLA Training has been created for you "
                "(%(email)s). Choose your password with this link within 7 days:\n\n%(link)s\n",
                name=user.name_th, email=user.email, link=link)
        else:
            subject = domain.gettext("Reset your DLA Training password")
            body = domain.gettext(
                "Hello %(name)s,\n\nSomeone asked to reset the password of your DLA Training "
                "account. If it was you, choose a new password with this link within one hour:"
                "\n\n%(link)s\n\nIf it was not you, ignore this message; your password stays "
                "the same.\n", name=user.name_th, link=link)
    mail.send(user.email, subject, body, user=user)
    return link


def request_password_reset(email: str) -> None:
    """Send a reset link when an active account has this e-mail. The caller says the same thing
    either way, so the answer never tells whether an address is registered."""
    user = find_by_email(email)
    if user is None or not user.is_active:
        hashlib.sha256(new_session_token().encode()).hexdigest()  # similar work on a miss
        return
    record("user.password_reset_request", actor=None, target=user)
    # Only stored here: a job sends it, so the answer takes as long for any address.
    send_password_link(user, "reset")


