"""Wire the web side into an app: login, language, CSRF, blueprints, error pages."""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    session,
    url_for,
)
from flask.globals import _cv_request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from werkzeug.exceptions import HTTPException

from . import access, i18n, limits, signed_in
from .certificates.badges import KEYS_PATH
from .lru import LRU
from .resources import STATIC, bundled


def _load_user(token: str) -> signed_in.SignedInUser | None:
    # Runs on every signed-in request: one light query for the user and their roles.
    return signed_in.load(token)


def _csrf_guard() -> None:
    """Every state-changing request to ldptrain carries a CSRF token (form field or header),
    except API calls authenticated by a bearer token."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
    try:
        validate_csrf(token)
    except Exception as exc:  # wtforms ValidationError; shown as a friendly 400 page
        raise CSRFError(str(exc)) from exc


#: Every asset is served by the app itself (no CDN), so pages can forbid everything else: no
#: inline or foreign script, no framing by other sites, forms post only to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'self'; form-action 'self'"
)


_SECURITY_HEADERS = (("Content-Security-Policy", CONTENT_SECURITY_POLICY),
                     ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"))


def _security_headers(response: Any) -> Any:
    """Each header unless the view set its own. (Read off the header list once: werkzeug's
    `setdefault` raises and catches an exception per missing header.)"""
    present = {name.lower() for name, _value in response.headers.items()}
    for name, value in _SECURITY_HEADERS:
        if name.lower() not in present:
            response.headers.add(name, value)
    return response


#: Signed CSRF tokens by (signing key, field, the session's raw token). Flask-WTF signs the
#: session's token afresh (HMAC with a timestamp) for every page; reusing a signature for up to a
#: minute gives the same protection (it is only ever handed to the session holding that raw
#: token, and validated exactly as before) except that its age, checked against
#: WTF_CSRF_TIME_LIMIT, starts up to a minute earlier.
_SIGNED_CSRF: LRU[tuple[str, str, str], tuple[str, float]] = LRU(4096)


def csrf_token() -> str:
    """Flask-WTF's `generate_csrf`, reusing a recent signature of the same session token."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    if field in g:
        return str(g.get(field))
    raw = session.get(field)
    if not isinstance(raw, str):
        return str(generate_csrf())  # makes the session's token
    limit = config.get("WTF_CSRF_TIME_LIMIT", 3600)
    reuse = min(60.0, limit / 10) if limit else 60.0
    key = (str(config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key), field, raw)
    now = time.monotonic()
    hit = _SIGNED_CSRF.get(key)
    if hit is not None and now - hit[1] < reuse:
        token = hit[0]
        setattr(g, field, token)  # what generate_csrf (forms) returns for the rest of the request
        return token
    token = str(generate_csrf())
    _SIGNED_CSRF.put(key, (token, now))
    return token


_URL_CACHE_MAX = 20_000
_URL_TYPES = (str, int)


def cached_url_for(endpoint: str, **values: Any) -> str:
    """Flask's url_for for templates, remembering the URLs it built: werkzeug builds each anew
    (5-10 us) and a page has a dozen or more. Only plain calls are remembered (an absolute
    endpoint, str or int values, no _external/_anchor/...), keyed by what the request's URL
    adapter builds from (host, script root, subdomain, scheme), and only while the app has no
    url_defaults function that could change them; anything else goes straight to Flask."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    plain = endpoint[:1] != "." and not any(app.url_default_functions.values())
    if plain:
        for name, value in values.items():
            if name[:1] == "_" or type(value) not in _URL_TYPES:
                plain = False
                break
    ctx = _cv_request.get(None)
    if not plain or ctx is None:
        return url_for(endpoint, **values)
    adapter = ctx.url_adapter
    key = (endpoint, *values.items(), adapter.server_name, adapter.script_name,
           adapter.subdomain, adapter.url_scheme)
    cache = app.extensions["ldptrain"].extras.setdefault("urls", {})
    found: str | None = cache.get(key)
    if found is None:
        found = url_for(endpoint, **values)
        if len(cache) >= _URL_CACHE_MAX:
            cache.clear()
        cache[key] = found
    return found


def template_helpers() -> dict[str, Any]:
    """What ldptrain's templates call: language, translations, CSRF, role checks."""
    gettext, ngettext = i18n.bound_gettext()
    return {
        "ldp_lang": i18n.current_language,
        "url_for": cached_url_for,
        "_": gettext,
        "ngettext": ngettext,
        "csrf_token": csrf_token,
        "ldp_follows_organisations": access.follows_organisations,
        "ldp_records_workshops": access.records_workshops,
    }


def error_page(error: HTTPException) -> Any:
    if request.accept_mimetypes.best == "application/json" or request.path.startswith(
        request.script_root + "/api/"
    ):
        return jsonify(error=error.name, message=error.description), error.code
    return render_template("ldptrain/error.html", error=error), error.code


def setup_web(app: Flask, prefix: str) -> None:
    from .services import certificates  # noqa: F401  (connects the completion hook)

    i18n.init_babel(app)
    limits.init_app(app)
    if not hasattr(app, "login_manager"):
        manager = LoginManager(app)
        manager.login_view = "ldptrain.auth.login"
        # "basic", not "strong": phones hop between Wi-Fi and mobile data all day.
        manager.session_protection = "basic"
        manager.login_message = i18n.lazy_gettext("Please sign in to continue.")
        manager.user_loader(_load_user)

    from .views import register_views

    bp = Blueprint(
        "ldptrain", __name__,
        template_folder=str(bundled("templates")),
        static_folder=str(STATIC), static_url_path="/static",
    )
    bp.before_request(_csrf_guard)
    bp.after_request(_security_headers)
    register_views(bp)

    bp.context_processor(template_helpers)

    app.add_template_filter(i18n.format_date, "ldp_date")
    app.add_template_filter(i18n.format_datetime, "ldp_datetime")

    # Only errors raised inside ldptrain get our pages: a host keeps its own handlers.
    for code in (400, 403, 404, 405, 410, 413, 429, 500):
        bp.register_error_handler(code, error_page)
    bp.register_error_handler(CSRFError, error_page)
    app.register_blueprint(bp, url_prefix=prefix or None)
    # Open Badges verifiers look for the issuer's keys at the site root, whatever the mount.
    if KEYS_PATH not in {r.rule for r in app.url_map.iter_rules()}:
        from .views.certificates import issuers_pem, key_pem, keys

        app.add_url_rule(KEYS_PATH, endpoint="ldptrain_certificate_keys", view_func=keys)
        app.add_url_rule("/.well-known/ldptrain-certificate-key.pem",
                         endpoint="ldptrain_certificate_key_pem", view_func=key_pem)
        app.add_url_rule("/.well-known/ldptrain-certificate-issuers.pem",
                         endpoint="ldptrain_certificate_issuers_pem", view_func=issuers_pem)
