"""What ldptrain's templates call: language, translations, URLs, CSRF, role checks, who is
signed in. Given by the blueprint's context processor only, so a host's templates and Jinja
globals are untouched outside ldptrain's pages."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for

from .. import access, i18n
from ..lru import app_lru
from . import headers, signed_in, static
from .csrf import csrf_token
from .language import current_language, follows_host

_URL_TYPES = (str, int)


def cached_url_for(endpoint: str, **values: Any) -> str:
    """Flask's url_for for templates, remembering the URLs it built: werkzeug builds each anew
    (5-10 us) and a page has a dozen or more. Only plain calls are remembered (an absolute
    endpoint, str or int values, no _external/_anchor/...), keyed by what the request's URL
    adapter builds from (host, script root, scheme), and only while the app has no
    url_defaults function that could change them; anything else goes straight to Flask."""
    app = current_app
    if endpoint == "ldptrain.static" and "v" not in values:
        # The file's content hash: a year in the browser's cache, a new URL when it changes.
        values = {**values, "v": static.version(str(values.get("filename", "")))}
    if not request or endpoint[:1] == "." or any(app.url_default_functions.values()):
        return url_for(endpoint, **values)
    for name, value in values.items():
        if name[:1] == "_" or type(value) not in _URL_TYPES:
            return url_for(endpoint, **values)
    # What the request's URL adapter builds from: host, script root, scheme.
    key = (endpoint, *values.items(), request.host, request.script_root, request.scheme)
    urls = app_lru("urls", 20_000)
    found: str | None = urls.get(key)
    if found is None:
        found = url_for(endpoint, **values)
        urls.put(key, found)
    return found


def template_helpers() -> dict[str, Any]:
    gettext, ngettext = i18n.bound_gettext()
    return {
        "ldp_lang": current_language,
        "ldp_who": signed_in.who,
        "ldp_host_accounts": signed_in.host_identity() is not None,
        "ldp_language_switch": not follows_host(),
        "ldp_csp_nonce": headers.csp_nonce,
        "url_for": cached_url_for,
        "_": gettext,
        "ngettext": ngettext,
        "csrf_token": csrf_token,
        "ldp_follows_organisations": access.follows_organisations,
        "ldp_records_workshops": access.records_workshops,
    }
