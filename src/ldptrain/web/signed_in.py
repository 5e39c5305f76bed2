"""The signed-in user of a request, loaded with one light Core query.

Every signed-in page needs the user and their roles; building ORM objects for them (a joined
eager load of roles and organisation) cost more CPU than the rest of a small page. `SignedInUser`
carries the user's columns and roles, read fresh from the database on every request (nothing is
cached across requests, so a role or password change in another worker counts at once). Anything
else (the organisation, relationships) is read from the ORM User, loaded on first use, and
attribute writes go to that ORM User too, so services that take a `User` work unchanged.

Who is signed in is decided here and only here, and views and templates read it as `who`
(templates: `ldp_who`), never as Flask-Login's `current_user`, which is the host's user when the
host has its own LoginManager (issue #20). With ldptrain's own accounts, the browser's secret
(ldptrain's own key in the Flask session, or the "remember me" cookie) names a server-side session
(services/sessions.py), and one statement reads that session's liveness, the user and the roles.
With the host's identity (`ldptrain.identity`), the host's signed-in person is linked to an
ldptrain account by their external id. Nothing is written into Flask-Login's `_user_id`, no
user_loader is installed or replaced, and a host's user object is never taken for ldptrain's.
`sign_in` and `sign_out` start and end sessions for the views.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NamedTuple, TypeVar

from flask import Request, Response, abort, current_app, flash, g, redirect, request, url_for
from flask import session as browser
from flask_login import AnonymousUserMixin
from sqlalchemy import bindparam, select
from werkzeug.local import LocalProxy

from .. import i18n
from ..db import get_session, read
from ..identity import resolve_login_url
from ..models import LoginSession, Role, RoleAssignment, User
from ..services import linked_accounts, sessions

F = TypeVar("F", bound=Callable[..., Any])

#: ldptrain's key in the Flask session: the secret of this browser's server-side session.
SESSION_KEY = "ldp_sid"
#: The "remember me" cookie: the same secret, kept by the browser after it closes.
REMEMBER_COOKIE = "ldp_remember"

_USER = User.__table__
_ROLE = RoleAssignment.__table__
#: What a request reads of its user. Not carried (read from the ORM User if ever asked for):
#: the password hash, which no page needs, and timestamps only sign-in and the account pages
#: read (converting each from SQLite's text costs on every request).
_NOT_CARRIED = {"password_hash", "consent_at", "privacy_version", "created_at", "last_login_at"}
_COLUMNS = tuple(c.key for c in _USER.columns if c.key not in _NOT_CARRIED)

_SESSION = LoginSession.__table__
# Built once: building a statement costs more than running it, and every signed-in request
# runs it. The session by its primary key, its user, their roles: one indexed lookup.
_BY_SESSION = (
    select(*(_USER.c[key] for key in _COLUMNS), sessions.STALE, _ROLE.c.role,
           _ROLE.c.organisation_id.label("role_organisation_id"),
           _ROLE.c.province_code.label("role_province_code"))
    .select_from(_SESSION.join(_USER, _USER.c.id == _SESSION.c.user_id)
                 .outerjoin(_ROLE, _ROLE.c.user_id == _USER.c.id))
    .where(_SESSION.c.id == bindparam("sid"), sessions.LIVE)
    .order_by(_ROLE.c.id))
# Host identity: the linked account by the host's id, with its roles (no ldptrain session).
_BY_EXTERNAL_ID = (
    select(*(_USER.c[key] for key in _COLUMNS), _ROLE.c.role,
           _ROLE.c.organisation_id.label("role_organisation_id"),
           _ROLE.c.province_code.label("role_province_code"))
    .select_from(_USER.outerjoin(_ROLE, _ROLE.c.user_id == _USER.c.id))
    .where(_USER.c.external_id == bindparam("eid"))
    .order_by(_ROLE.c.id))


class Grant(NamedTuple):
    """One RoleAssignment, as `access` reads it."""

    role: str
    organisation_id: int | None
    province_code: str | None


class SignedInUser:
    """Duck-types `models.User` for the signed-in user (Flask-Login's `current_user`)."""

    __slots__ = (*_COLUMNS, "roles", "session_id", "_orm")
    audit_type = "user"  # what the audit log calls it (services take it for a User)

    def __init__(self, values: dict[str, Any], roles: tuple[Grant, ...],
                 session_id: str = "") -> None:
        for key in _COLUMNS:
            object.__setattr__(self, key, values[key])
        object.__setattr__(self, "roles", roles)
        object.__setattr__(self, "session_id", session_id)  # this browser's ldp_session row
        object.__setattr__(self, "_orm", None)

    @property
    def orm(self) -> User:
        """The ORM User (one query by primary key, once per request)."""
        found = object.__getattribute__(self, "_orm")
        if found is None:
            found = get_session().get(User, self.id)  # type: ignore[attr-defined]
            object.__setattr__(self, "_orm", found)
        return found  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        # Only for names we do not carry: relationships, methods added to User later. Private
        # names are not the User's API: probing them (hasattr(x, "__html__"), copy, a proxy's
        # "_get_current_object") must not cost a query.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.orm, name)

    def __setattr__(self, name: str, value: Any) -> None:
        # Services change the user (language, password, consent): write through to the ORM row.
        setattr(self.orm, name, value)
        if name in _COLUMNS:
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"<SignedInUser {self.id}>"  # type: ignore[attr-defined]

    # Flask-Login protocol, as on User
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active) and self.anonymised_at is None  # type: ignore[attr-defined]

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.session_token)  # type: ignore[attr-defined]

    def has_role(self, role: Role | str) -> bool:
        return any(r.role == role for r in self.roles)  # type: ignore[attr-defined]

    def display_name(self, lang: str = "th") -> str:
        name_en: str = self.name_en  # type: ignore[attr-defined]
        return name_en if lang == "en" and name_en else str(self.name_th)  # type: ignore[attr-defined]


class Anonymous(AnonymousUserMixin):
    """Nobody signed in to ldptrain (whoever may be signed in to the host)."""

    id = None
    roles: tuple[Grant, ...] = ()
    language = None
    session_id = ""

    def has_role(self, role: Role | str) -> bool:
        return False


ANONYMOUS = Anonymous()


def current() -> SignedInUser | Anonymous:
    """ldptrain's user of this request (read once per request, kept on `g`)."""
    found = g.get("ldp_who")
    if found is None:
        found = _load_current() or ANONYMOUS
        g.ldp_who = found
    return found  # type: ignore[no-any-return]


#: ldptrain's "who is signed in" for views (templates: `ldp_who`).
who: Any = LocalProxy(current)


def host_identity() -> Any:
    """The host's identity resolver, when ldptrain runs on the host's accounts; else None."""
    return current_app.extensions["ldptrain"].identity


def _load_current() -> SignedInUser | None:
    identity = host_identity()
    if identity is None:
        return from_request(request)
    person = identity()
    if person is None:
        return None
    return load_linked(person)


def load_linked(person: Any) -> SignedInUser | None:
    """The account linked to a host person, with their roles: one query; made on their first
    visit (committed with the request)."""
    rows = read(_BY_EXTERNAL_ID, {"eid": person.external_id})
    if not rows:
        linked_accounts.provision(person)
        rows = read(_BY_EXTERNAL_ID, {"eid": person.external_id})
    width = len(_COLUMNS)
    roles = tuple(Grant(*r[width:]) for r in rows if r[width] is not None)
    user = SignedInUser(dict(zip(_COLUMNS, rows[0][:width], strict=True)), roles)
    return user if user.is_active else None


def login_url() -> str:
    """Where someone who must sign in goes: ldptrain's sign-in page, or the host's."""
    if host_identity() is None:
        return url_for("ldptrain.auth.login", next=_here())
    found = resolve_login_url(host_identity())
    if found:
        return found
    view = getattr(getattr(current_app, "login_manager", None), "login_view", None)
    return url_for(view, next=_here()) if view else ""


def _here() -> str:
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def login_required(view: F) -> F:
    """Views for signed-in people: others are sent to sign in (ldptrain's page or the host's).
    ldptrain's own check: a host's `@login_required` knows nothing of ldptrain's accounts and
    ldptrain's knows nothing of the host's users."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if request.method != "OPTIONS" and not who.is_authenticated:
            target = login_url()
            if not target:
                abort(401)
            if host_identity() is None:
                flash(i18n.gettext("Please sign in to continue."), "info")
            return redirect(target)
        return view(*args, **kwargs)
    return wrapped  # type: ignore[return-value]


def roles_required(*roles: Role) -> Callable[[F], F]:
    """View decorator: signed in and holding at least one of the roles (else 403)."""
    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not any(who.has_role(r) for r in roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped  # type: ignore[return-value]
    return decorator


def model(user: Any) -> User:
    """The ORM User behind `current_user` (or a SignedInUser): for services that inspect the
    model itself (the data export) rather than read its attributes."""
    if hasattr(user, "_get_current_object"):
        user = user._get_current_object()
    return user.orm if isinstance(user, SignedInUser) else user  # type: ignore[no-any-return]


def limits() -> sessions.Limits:
    return sessions.Limits.from_config(current_app.config)


def load(secret: str) -> SignedInUser | None:
    """The active user of the live session with this secret, with their roles: one query.
    Records that the session was used, at most once a minute (the idle timeout's clock)."""
    sid = sessions.digest(secret)
    rows = read(_BY_SESSION, {"sid": sid, **sessions.params(limits())})
    if not rows:
        return None
    width = len(_COLUMNS)  # the user's columns come first, in _COLUMNS order, then STALE
    roles = tuple(Grant(*r[width + 1:]) for r in rows if r[width + 1] is not None)
    user = SignedInUser(dict(zip(_COLUMNS, rows[0][:width], strict=True)), roles, sid)
    if not user.is_active:
        return None
    if rows[0][width]:
        sessions.touch(sid)  # committed with the request (web/transaction.py)
    return user


def _secret(req: Request) -> tuple[str, bool]:
    """This browser's secret, and whether it came from the "remember me" cookie."""
    secret = browser.get(SESSION_KEY)
    if isinstance(secret, str) and secret:
        return secret, False
    return req.cookies.get(REMEMBER_COOKIE, ""), True


def login_manager_loader(_req: Request) -> SignedInUser | None:
    """The request loader of the LoginManager ldptrain installs when the app has none (so
    `current_user` in a standalone app's templates is ldptrain's user)."""
    found = current()
    return found if isinstance(found, SignedInUser) else None


def from_request(req: Request) -> SignedInUser | None:
    """Who is signed in with ldptrain's own accounts on this request, if anyone."""
    secret, remembered = _secret(req)
    if not secret or len(secret) > 100:
        return None
    user = load(secret)
    if user is not None:
        g.ldp_user_id = user.id  # for the access log (web/access_log.py)
    if user is None and remembered:
        g.ldp_remember = ""  # a dead "remember me" cookie: the response deletes it
    return user


def sign_in(user: Any, *, remember: bool = False) -> None:
    """Start a server-side session for `user` in this browser. The browser's previous session
    ends, and the Flask session loses its CSRF secret, so a form token from before the sign-in
    is refused after it."""
    _forget_browser_session()
    secret = sessions.create(user.id, limits(), remember=remember,
                             user_agent=request.user_agent.string,
                             ip=request.remote_addr or "")
    browser[SESSION_KEY] = secret
    g.ldp_remember = secret if remember else ""
    g.ldp_user_id = user.id
    g.pop("ldp_who", None)


def sign_out() -> None:
    """End this browser's session on the server (a copied session or "remember me" cookie stops
    working) and give the browser a fresh CSRF secret."""
    _forget_browser_session()
    g.ldp_remember = ""


def _forget_browser_session() -> None:
    secret, _remembered = _secret(request)
    if secret and len(secret) <= 100:
        sessions.end(sessions.digest(secret))
    # Only ldptrain's own key: Flask-Login's keys belong to the host (its user stays signed in).
    browser.pop(SESSION_KEY, None)
    g.pop("ldp_who", None)
    browser.pop("csrf_token", None)  # Flask-WTF's CSRF secret


def write_cookie(response: Response) -> Response:
    """Set or delete the "remember me" cookie after sign-in, sign-out or a dead cookie. Same
    path, domain and Secure flag as the session cookie; SameSite=Lax, HttpOnly."""
    value = g.pop("ldp_remember", None)
    if value is None:
        return response
    app = current_app
    face = app.session_interface
    secure = bool(face.get_cookie_secure(app)
                  or str(app.config.get("LDPTRAIN_BASE_URL", "")).startswith("https://"))
    where = {"path": face.get_cookie_path(app), "domain": face.get_cookie_domain(app),
             "secure": secure, "httponly": True, "samesite": "Lax"}
    if value:
        response.set_cookie(REMEMBER_COOKIE, value,
                            max_age=int(limits().remember.total_seconds()), **where)
    elif REMEMBER_COOKIE in request.cookies:
        response.delete_cookie(REMEMBER_COOKIE, **where)
    return response
