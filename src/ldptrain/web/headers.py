"""Security headers on every ldptrain response: pages, errors (a 404 under the prefix, a 413 from
the body cap), static files and the well-known files.

Registered on the app (not the blueprint) so responses no view produced get them too; when
mounted, only paths under ldptrain's prefix (and its well-known files) are touched: a host's pages
keep the host's headers.

The Content-Security-Policy allows only what ldptrain serves itself. A host whose layout wraps
ldptrain's pages adds its own sources with LDPTRAIN_CSP_EXTRA (a dict of directive -> sources,
e.g. ``{"script-src": ["https://cdn.host.example"]}``) and marks its inline scripts with
``nonce="{{ ldp_csp_nonce() }}"``: the nonce is made for the request when a template asks for it,
and only then added to script-src.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, current_app, g, request
from flask import session as browser

from .signed_in import REMEMBER_COOKIE, SESSION_KEY

#: Every asset is served by the app itself (no CDN), so pages can forbid everything else: no
#: inline or foreign script, no framing by other sites, forms post only to us.
POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'", "'unsafe-inline'"),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "frame-ancestors": ("'self'",),
    "form-action": ("'self'",),
}


def _render(policy: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}" for name, values in policy.items())


CONTENT_SECURITY_POLICY = _render(POLICY)
_OTHER_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"))
HSTS = "max-age=31536000"
WELL_KNOWN = "/.well-known/ldptrain-"


def csp_nonce() -> str:
    """This request's nonce for inline scripts of a host's layout (made on first use)."""
    found = g.get("ldp_csp_nonce")
    if found is None:
        found = secrets.token_urlsafe(16)
        g.ldp_csp_nonce = found
    return str(found)


def policy() -> str:
    """ldptrain's policy with the host's extra sources (LDPTRAIN_CSP_EXTRA) and this request's
    nonce, if a template used one."""
    extra = extra_sources(current_app.config.get("LDPTRAIN_CSP_EXTRA"))
    nonce = g.get("ldp_csp_nonce")
    if not extra and nonce is None:
        return CONTENT_SECURITY_POLICY
    merged = dict(POLICY)
    for name, added in extra.items():
        have = merged.get(name, ())
        merged[name] = (*have, *(source for source in added if source not in have))
    if nonce is not None:
        # Scripts only: a nonce in style-src would switch off 'unsafe-inline' (style attributes).
        merged["script-src"] = (*merged["script-src"], f"'nonce-{nonce}'")
    return _render(merged)


def extra_sources(value: Any) -> dict[str, tuple[str, ...]]:
    """LDPTRAIN_CSP_EXTRA as a dict, or as text from the environment:
    ``"script-src https://cdn.example; style-src https://cdn.example"``."""
    if not value:
        return {}
    if isinstance(value, str):
        found: dict[str, tuple[str, ...]] = {}
        for part in value.split(";"):
            words = part.split()
            if words:
                found[words[0]] = tuple(words[1:])
        return found
    return {name: (sources,) if isinstance(sources, str) else tuple(sources)
            for name, sources in dict(value).items()}


def _ours(prefix: str) -> bool:
    path = request.path
    return (not prefix or path == prefix or path.startswith(prefix + "/")
            or path.startswith(WELL_KNOWN))


def _personal(prefix: str) -> bool:
    """Kept out of every cache: anything a signed-in browser gets (told by the session secret it
    carries, no query), the API, and downloads (exports, certificate bundles)."""
    if request.endpoint and request.endpoint.endswith(".static"):
        return False
    return (SESSION_KEY in browser or REMEMBER_COOKIE in request.cookies
            or "HTTP_AUTHORIZATION" in request.environ
            or request.path.startswith(f"{prefix}/api/"))


def security_headers(response: Any, prefix: str = "") -> Any:
    """Each header unless the view set its own."""
    # One pass over the response's headers: asking Werkzeug's Headers for a name it lacks
    # raises and catches an exception each time, a measurable share of every page (ADR 0006).
    present = {name.lower(): value for name, value in response.headers.items()}
    headers = response.headers
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", policy())
    for name, value in _OTHER_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if _personal(prefix) or "attachment" in present.get("content-disposition", ""):
        headers["Cache-Control"] = "no-store"
    if ("strict-transport-security" not in present
            and str(current_app.config.get("LDPTRAIN_BASE_URL", "")).startswith("https://")):
        headers.add("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask, prefix: str) -> None:
    def add_headers(response: Any) -> Any:
        return security_headers(response, prefix) if _ours(prefix) else response

    app.after_request(add_headers)
