"""Security headers on every ldptrain response: pages, errors (a 404 under the prefix, a 413 from
the body cap), static files and the well-known files at the site root.

Registered on the app (not the blueprint) so responses no view produced get them too; when
mounted, only paths under ldptrain's prefix (and its well-known files) are touched: a host's pages
are the host's concern.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from flask import session as browser

from .signed_in import REMEMBER_COOKIE, SESSION_KEY

#: Every asset is served by the app itself (no CDN), so pages can forbid everything else: no
#: inline or foreign script, no framing by other sites, forms post only to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'self'; form-action 'self'"
)

_SECURITY_HEADERS = (("Content-Security-Policy", CONTENT_SECURITY_POLICY),
                     ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"))
HSTS = "max-age=31536000"
WELL_KNOWN = "/.well-known/ldptrain-"


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
            or "Authorization" in request.headers
            or request.path.startswith(f"{prefix}/api/"))


def security_headers(response: Any, prefix: str = "") -> Any:
    """Each header unless the view set its own."""
    for name, value in _SECURITY_HEADERS:
        if name not in response.headers:
            response.headers[name] = value
    if _personal(prefix) or "attachment" in response.headers.get("Content-Disposition", ""):
        response.headers["Cache-Control"] = "no-store"
    if str(current_app.config.get("LDPTRAIN_BASE_URL", "")).startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask, prefix: str) -> None:
    def add_headers(response: Any) -> Any:
        return security_headers(response, prefix) if _ours(prefix) else response

    app.after_request(add_headers)
