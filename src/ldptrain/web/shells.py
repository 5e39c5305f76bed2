"""Pages rendered once per worker with holes for what is personal ("donut" caching).

A module page is ~20 KB of HTML, nearly all of it the same for every trainee who sees the same
module version, in the same language, with the same menu. Rendering it with Jinja cost more CPU
than everything else on the page put together. So the first request renders the page with a
marker in each hole (the CSRF token, the progress figure...), splits it there and remembers the
pieces; later requests join the pieces around their own values.

Safe by construction, not by review of the templates: a shell is only ever made of ldptrain's
own templates, rendered from nothing but what this module hands them.
- Every template of the page (extends, includes, imports, followed through) must be served by
  ldptrain's own loader: a host's override of any of them (README: "your templates win") means
  the page is rendered in full, with the host's context processors, for every request.
- No context processor runs (a host's could read the real user). The context is the view's
  (nothing personal), ldptrain's template helpers, the holes, and stand-ins for `current_user`,
  `session`, `g` and `request` that abandon the shell when read. Only what the key holds can be
  read: "signed in", the staff menu, the request's path and script root.
- A hole's value can only be printed: comparing it, testing it, counting, arithmetic, a filter,
  an attribute abandon the shell (a branch on the progress figure would otherwise be decided
  once for everyone). Jinja has no way to ask "is this printed?", so a hole that a template
  first joins into other text (`~`) and then compares is not caught; ldptrain's templates only
  print holes, and host templates never get here.
- A shell is abandoned (the page rendered in full for each request, from then on for that key)
  on any error while building it, and when a marker did not reach the output intact.
- The key holds everything else the page is built from: the view's key (content versions, the
  outline stamp, the state of the module), the language, the URL, the menu. A request with
  flashed messages or a query string is rendered in full, as is every page when
  LDPTRAIN_PAGE_SHELLS is 0.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, get_flashed_messages, render_template, request
from jinja2 import Environment, TemplateNotFound, meta, nodes
from markupsafe import Markup, escape

from .. import access
from ..lru import app_lru
from . import signed_in
from .csrf import csrf_token
from .language import current_language
from .templating import template_helpers

#: Random per worker: no page text can contain a marker by accident.
_NONCE = secrets.token_hex(8)
_MARK = re.compile(f"\x02{_NONCE}:(\\w+)\x03")
#: The blueprint whose loader serves ldptrain's own templates (web/__init__.py).
_OURS = "ldptrain"


class Abandoned(Exception):  # noqa: N818  (a signal, not a failure)
    """The template read something personal or used a hole's value: no shell for this page.
    Not an AttributeError or TypeError: Jinja turns those into empty values or defaults."""


def _refuse(*_args: Any, **_kwargs: Any) -> Any:
    raise Abandoned("a hole's value was used, not printed")


# Every operation Python or Jinja can apply to a value: comparing, testing, counting,
# iterating, indexing, arithmetic, numeric conversion, calling, hashing.
_OPERATIONS = (
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__bool__",
    "__len__", "__iter__", "__reversed__", "__contains__", "__getitem__", "__call__",
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__matmul__",
    "__rmatmul__", "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__",
    "__rmod__", "__divmod__", "__rdivmod__", "__pow__", "__rpow__", "__neg__", "__pos__",
    "__abs__", "__invert__", "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__",
    "__lshift__", "__rlshift__", "__rshift__", "__rrshift__", "__int__", "__float__",
    "__complex__", "__index__", "__round__", "__trunc__", "__floor__", "__ceil__",
)


def _guarded(cls: type) -> type:
    for name in _OPERATIONS:
        setattr(cls, name, _refuse)
    return cls


@_guarded
class _HoleText(str):
    """A hole as text (`str(hole)`, `|string`, `%s`): prints the marker when joined into the
    page, refuses every method and operation."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        if name == "__html__":  # markupsafe.escape looks for it
            return lambda: Markup(str.__str__(self))
        raise Abandoned(f"a hole's text was used: .{name}")

    def __format__(self, spec: str) -> str:
        if spec:
            raise Abandoned("a hole's text was formatted")
        return str.__str__(self)


@_guarded
class Hole:
    """What a template sees in place of a personal value while its shell is built."""

    __slots__ = ("marker",)

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "marker", f"\x02{_NONCE}:{name}\x03")

    def __getattribute__(self, name: str) -> Any:
        if name == "__html__":  # markupsafe.escape looks for it: the one way to print a hole
            return lambda: Markup(object.__getattribute__(self, "marker"))
        raise Abandoned(f"a hole's .{name} was read")

    def __str__(self) -> str:
        return _HoleText(object.__getattribute__(self, "marker"))

    def __format__(self, spec: str) -> str:
        if spec:
            raise Abandoned("a hole was formatted")
        return str(self)

    def __repr__(self) -> str:
        return "<hole>"


@_guarded
class Guard:
    """`session`, `g`, `current_user` or `request` while a shell is built: reading anything but
    the few `allowed` names (values the key holds) abandons the shell, as does printing it."""

    def __init__(self, name: str, allowed: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_guards", name)
        object.__setattr__(self, "_allows", allowed or {})

    def __getattr__(self, name: str) -> Any:
        allowed = object.__getattribute__(self, "_allows")
        if name in allowed:
            return allowed[name]
        raise Abandoned(f"{object.__getattribute__(self, '_guards')}.{name} was read")

    def __str__(self) -> str:
        raise Abandoned(f"{object.__getattribute__(self, '_guards')} was printed")

    def __html__(self) -> str:
        raise Abandoned(f"{object.__getattribute__(self, '_guards')} was printed")


def _shell_user() -> Guard:
    """`ldp_who` (and `current_user`) while a shell is built: only "signed in" (the staff menu
    is in the key)."""
    return Guard("current_user", {"is_authenticated": True, "is_anonymous": False,
                                  "is_active": True})


def _shell_request(path: str, script_root: str) -> Guard:
    """`request` while a shell is built: its path and script root, both in the key (shells are
    only built for requests without a query string)."""
    return Guard("request", {"path": path, "script_root": script_root, "query_string": b""})


#: Stored for a key whose page cannot have a shell, so it is not tried again.
_IN_FULL: tuple[str, ...] = ()


def _menu(user: Any) -> tuple[bool, bool]:
    return access.follows_organisations(user), access.records_workshops(user)


def render(template: str, key: Hashable, context: Callable[[], dict[str, Any]],
           holes: dict[str, Any]) -> str:
    """`render_template(template, **context(), **holes)` for a signed-in user, from a remembered
    shell when one exists for `key` (then `context` is not called). The context must hold
    nothing personal: what is personal goes in `holes` (printed as they are, escaped) or in
    `key`."""
    size = int(current_app.config.get("LDPTRAIN_PAGE_SHELLS", 0))
    # Flashed messages are read here once; the template gets the same list (Flask keeps it on
    # the request).
    if size <= 0 or request.query_string or get_flashed_messages():
        return render_template(template, **context(), **holes)
    path, script_root = request.path, request.script_root
    menu = _menu(signed_in.current())
    full_key = (template, key, current_language(), script_root, path, menu)
    shells = app_lru("page_shells", size)
    pieces: tuple[str, ...] | None = shells.get(full_key)
    if pieces is _IN_FULL:
        return render_template(template, **context(), **holes)
    if pieces is None:
        values = context()
        pieces = _build(template, values, holes, menu, path, script_root)
        shells.put(full_key, pieces or _IN_FULL)
        if not pieces:
            return render_template(template, **values, **holes)
    filled = {name: str(escape(value)) for name, value in holes.items()}
    filled["csrf_token"] = csrf_token()
    out = list(pieces)
    for i in range(1, len(out), 2):
        out[i] = filled[out[i]]
    return "".join(out)


def _build(template: str, context: dict[str, Any], holes: dict[str, Any],
           menu: tuple[bool, bool], path: str, script_root: str) -> tuple[str, ...] | None:
    """The page split at its holes: static text at even places, hole names at odd ones; None
    when the page cannot have a shell (see the module's docstring)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    foreign = _not_ours(app, template)
    if foreign:
        app.logger.info("page shell of %s: %s; rendered in full", template, foreign)
        return None
    marker = Hole("csrf_token")
    values = {
        **template_helpers(), **context, **{name: Hole(name) for name in holes},
        "csrf_token": lambda: marker,
        "current_user": _shell_user(), "ldp_who": _shell_user(),
        "session": Guard("session"), "g": Guard("g"),
        "request": _shell_request(path, script_root),
        "get_flashed_messages": lambda **_: [],  # shells are built only without flashes
        "ldp_follows_organisations": lambda _user: menu[0],
        "ldp_records_workshops": lambda _user: menu[1],
    }
    try:
        # Straight from the environment: no context processor runs.
        html = app.jinja_env.get_template(template).render(values)
    except Exception as error:  # Abandoned, or anything the template does with a stand-in
        app.logger.info("page shell of %s: %s; rendered in full", template, error)
        return None
    pieces = tuple(_MARK.split(html))
    if (set(pieces[1::2]) - {"csrf_token"} != set(holes)
            or any(_NONCE in text for text in pieces[::2])):
        app.logger.warning("page shell of %s: a hole did not survive; not cached", template)
        return None
    return pieces


def _not_ours(app: Flask, template: str) -> str:
    """Why the page's templates are not all ldptrain's own, as served; "" when they are."""
    env: Environment = app.jinja_env
    ours = app.blueprints[_OURS].jinja_loader
    if env.loader is None or ours is None:
        return "no template loader"
    seen, todo = {template}, [template]
    while todo:
        name = todo.pop()
        try:
            served = env.loader.get_source(env, name)
            own = ours.get_source(env, name)
        except TemplateNotFound:
            return f"{name} is not one of ldptrain's templates"
        if served[:2] != own[:2]:
            return f"{name} is overridden"
        tree = env.parse(own[0], name)
        # An import without context sees the environment's globals: the real request, session
        # and g.
        for node in tree.find_all((nodes.Import, nodes.FromImport)):
            if not node.with_context:
                return f"{name} imports without context"
        for found in meta.find_referenced_templates(tree):
            if found is None:
                return f"{name} names a template at run time"
            if found not in seen:
                seen.add(found)
                todo.append(found)
    return ""
