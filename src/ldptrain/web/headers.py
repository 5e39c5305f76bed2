"""Security headers on ldptrain's responses."""

from __future__ import annotations

from typing import Any

#: Every asset is served by the app itself (no CDN), so pages can forbid everything else: no
#: inline or foreign script, no framing by other sites, forms post only to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'self'; form-action 'self'"
)

_SECURITY_HEADERS = (("Content-Security-Policy", CONTENT_SECURITY_POLICY),
                     ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"))


def security_headers(response: Any) -> Any:
    """Each header unless the view set its own."""
    for name, value in _SECURITY_HEADERS:
        if name not in response.headers:
            response.headers[name] = value
    return response
