"""Security headers on ldptrain's responses (only under ldptrain's prefix: a host's own pages
keep the host's headers).

The Content-Security-Policy allows only what ldptrain serves itself. A host whose layout wraps
ldptrain's pages adds its own sources with LDPTRAIN_CSP_EXTRA (a dict of directive -> sources,
e.g. ``{"script-src": ["https://cdn.host.example"]}``) and marks its inline scripts with
``nonce="{{ ldp_csp_nonce() }}"``: the nonce is made for the request when a template asks for it,
and only then added to script-src and style-src.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, g

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


def security_headers(response: Any) -> Any:
    """Each header unless the view set its own."""
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = policy()
    for name, value in _OTHER_HEADERS:
        if name not in response.headers:
            response.headers[name] = value
    return response
