"""Pages rendered once per worker with holes for what is personal ("donut" caching).

A module page is ~20 KB of HTML, nearly all of it the same for every trainee who sees the same
module version, in the same language, with the same menu. Rendering it with Jinja cost more CPU
than everything else on the page put together. So the first request renders the page with a
marker in each hole (the CSRF token, the progress figure...), splits it there and remembers the
pieces; later requests join the pieces around their own values.

What cannot leak from one user's page into another's:
- the shell is rendered from the context the view passes plus a stand-in `current_user` that
  only says "signed in"; a template that reads anything else of the user (a host's override
  showing the user's name) stops the shell, and that page is rendered in full from then on;
- the key holds everything else the page is built from: the view's key (content versions,
  the outline stamp, the state of the module), the language, the URL, the menu;
- a request with flashed messages, or a query string, is rendered in full, as is every page
  when LDPTRAIN_PAGE_SHELLS is 0.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app, render_template, request, session
from flask_login import current_user
from markupsafe import Markup, escape

from .. import access
from ..lru import app_lru
from .csrf import csrf_token
from .language import current_language

#: Random per worker: no page text can contain a marker by accident.
_NONCE = secrets.token_hex(8)
_MARK = re.compile(f"\x02{_NONCE}:(\\w+)\x03")


def _marker(name: str) -> Markup:
    return Markup(f"\x02{_NONCE}:{name}\x03")


class ReadsTheUser(Exception):
    """The template read something of the user: its pages are rendered in full."""


class ShellUser:
    """`current_user` while a shell is rendered: only "signed in" (which staff menu to show is
    in the key); reading anything else (a host's template showing the user's name, say) stops
    the shell."""

    is_authenticated = True
    is_anonymous = False
    is_active = True

    def __getattr__(self, name: str) -> Any:
        # Not an AttributeError: Jinja would print that as an empty value.
        raise ReadsTheUser(name)


#: Stored for a key whose template reads the user, so it is not tried again.
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
    req = request._get_current_object()  # type: ignore[attr-defined]
    if size <= 0 or "_flashes" in session or req.query_string:
        return render_template(template, **context(), **holes)
    menu = _menu(current_user._get_current_object())
    full_key = (template, key, current_language(), req.script_root, req.path, menu)
    shells = app_lru("page_shells", size)
    pieces: tuple[str, ...] | None = shells.get(full_key)
    if pieces is _IN_FULL:
        return render_template(template, **context(), **holes)
    if pieces is None:
        values = context()
        pieces = _build(template, values, holes, menu)
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
           menu: tuple[bool, bool]) -> tuple[str, ...] | None:
    """The page split at its holes: static text at even places, hole names at odd ones; None
    when the template reads the user, or reshaped a hole's value (a filter, arithmetic) so that
    its marker did not survive to the output."""
    marked: dict[str, Any] = {name: _marker(name) for name in holes}
    csrf: Callable[[], Markup] = lambda: _marker("csrf_token")  # noqa: E731
    try:
        html = render_template(template, **context, **marked, csrf_token=csrf,
                               current_user=ShellUser(),
                               ldp_follows_organisations=lambda _user: menu[0],
                               ldp_records_workshops=lambda _user: menu[1])
    except ReadsTheUser as read:
        current_app.logger.info("page shell of %s: the template reads current_user.%s; "
                                "rendered in full", template, read)
        return None
    pieces = tuple(_MARK.split(html))
    if set(pieces[1::2]) - {"csrf_token"} != set(holes):
        current_app.logger.warning("page shell of %s: a hole did not survive; not cached",
                                   template)
        return None
    return pieces
