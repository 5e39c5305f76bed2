"""Host identity: ldptrain inside a host that signs its own people in (issue #20).

``LDPTrain(app, identity=HostIdentity(current_user, external_id=..., email=..., name=...))``:
ldptrain's own sign-in and sign-up pages are then off (they send people to the host's login),
and each host user is linked, on their first visit, to an ldptrain account by a stable external
id (``ldp_user.external_id``). The host's user object is only ever read through the getters
given here; ldptrain never treats it as one of its own users.

Any callable that returns a `HostPerson` (or None: nobody signed in) also works:
``LDPTrain(app, identity=my_resolver)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: A getter: the name of an attribute of the host's user, or a function of that user.
Getter = str | Callable[[Any], Any]


@dataclass(frozen=True)
class HostPerson:
    """What ldptrain needs of the host's signed-in user."""

    external_id: str  # stable and unique in the host (never reused for another person)
    email: str = ""
    name: str = ""
    language: str | None = None  # "th" or "en" for a new account; None: ldptrain's default


def _get(user: Any, getter: Getter | None) -> Any:
    if getter is None:
        return None
    return getter(user) if callable(getter) else getattr(user, getter, None)


class HostIdentity:
    """Reads the host's signed-in user.

    `user`: the host's current user (Flask-Login's ``current_user`` proxy, or any object with
    ``is_authenticated``), or a function returning it. `external_id`, `email`, `name` and
    `language`: attribute names or functions of that user. `login_url`: where ldptrain sends
    people who must sign in (a URL, or a function returning one; the default: the host
    LoginManager's ``login_view``)."""

    def __init__(self, user: Any, *, external_id: Getter = "id", email: Getter = "email",
                 name: Getter = "name", language: Getter | None = None,
                 login_url: str | Callable[[], str] | None = None) -> None:
        self.user = user
        self.external_id = external_id
        self.email = email
        self.name = name
        self.language = language
        self.login_url = login_url

    def _host_user(self) -> Any:
        user = self.user
        # A LocalProxy forwards attribute access (and would forward a call too): read it as is.
        if not hasattr(user, "is_authenticated") and callable(user):
            user = user()
        return user

    def __call__(self) -> HostPerson | None:
        user = self._host_user()
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        key = _get(user, self.external_id)
        if key is None or str(key) == "":
            return None
        lang = _get(user, self.language)
        return HostPerson(external_id=str(key), email=str(_get(user, self.email) or ""),
                          name=str(_get(user, self.name) or ""),
                          language=str(lang) if lang else None)


def resolve_login_url(identity: Any) -> str | None:
    """Where the host signs people in, if the identity says so."""
    target = getattr(identity, "login_url", None)
    if target is None:
        return None
    return str(target() if callable(target) else target)
