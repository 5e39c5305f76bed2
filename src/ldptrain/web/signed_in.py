"""The signed-in user of a request, loaded with one light Core query.

Every signed-in page needs the user and their roles; building ORM objects for them (a joined
eager load of roles and organisation) cost more CPU than the rest of a small page. `SignedInUser`
carries the user's columns and roles, read fresh from the database on every request (nothing is
cached across requests, so a role or password change in another worker counts at once). Anything
else (the organisation, relationships) is read from the ORM User, loaded on first use, and
attribute writes go to that ORM User too, so services that take a `User` work unchanged.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import bindparam, select

from ..db import get_session, read
from ..models import Role, RoleAssignment, User

_USER = User.__table__
_ROLE = RoleAssignment.__table__
#: What a request reads of its user. Not carried (read from the ORM User if ever asked for):
#: the password hash, which no page needs, and timestamps only sign-in and the account pages
#: read (converting each from SQLite's text costs on every request).
_NOT_CARRIED = {"password_hash", "consent_at", "privacy_version", "created_at", "last_login_at"}
_COLUMNS = tuple(c.key for c in _USER.columns if c.key not in _NOT_CARRIED)

# Built once: building a statement costs more than running it, and every signed-in request
# runs it.
_BY_TOKEN = (
    select(*(_USER.c[key] for key in _COLUMNS), _ROLE.c.role,
           _ROLE.c.organisation_id.label("role_organisation_id"),
           _ROLE.c.province_code.label("role_province_code"))
    .select_from(_USER.outerjoin(_ROLE, _ROLE.c.user_id == _USER.c.id))
    .where(_USER.c.session_token == bindparam("token"))
    .order_by(_ROLE.c.id))


class Grant(NamedTuple):
    """One RoleAssignment, as `access` reads it."""

    role: str
    organisation_id: int | None
    province_code: str | None


class SignedInUser:
    """Duck-types `models.User` for the signed-in user (Flask-Login's `current_user`)."""

    __slots__ = (*_COLUMNS, "roles", "_orm")
    audit_type = "user"  # what the audit log calls it (services take it for a User)

    def __init__(self, values: dict[str, Any], roles: tuple[Grant, ...]) -> None:
        for key in _COLUMNS:
            object.__setattr__(self, key, values[key])
        object.__setattr__(self, "roles", roles)
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


def model(user: Any) -> User:
    """The ORM User behind `current_user` (or a SignedInUser): for services that inspect the
    model itself (the data export) rather than read its attributes."""
    if hasattr(user, "_get_current_object"):
        user = user._get_current_object()
    return user.orm if isinstance(user, SignedInUser) else user  # type: ignore[no-any-return]


def load(token: str) -> SignedInUser | None:
    """The active user whose session token this is, with their roles: one query."""
    rows = read(_BY_TOKEN, {"token": token})
    if not rows:
        return None
    width = len(_COLUMNS)  # the user's columns come first, in _COLUMNS order
    roles = tuple(Grant(*r[width:]) for r in rows if r[width] is not None)
    user = SignedInUser(dict(zip(_COLUMNS, rows[0][:width], strict=True)), roles)
    return user if user.is_active else None
