"""The web layer: everything that knows about requests, sessions and the signed-in user.

`setup_web` wires it into an app: sign-in, language, CSRF, the transaction boundary, blueprints
and error pages. Views (`web/views`) parse the request, call a service and render; services never
import anything from here.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError

from .. import i18n
from ..certificates.badges import KEYS_PATH
from ..resources import bundled
from . import access_log, csrf, headers, language, limits, params, signed_in, static, transaction
from .errors import error_page
from .templating import template_helpers

__all__ = ["error_page", "setup_web", "template_helpers"]


def setup_web(app: Flask, prefix: str) -> None:
    from ..services import certificates  # noqa: F401  (connects the completion hook)

    language.init_babel(app)
    # Before the limiter: its pass reads the form, which the body cap must already bound.
    params.init_app(app)
    limits.init_app(app)

    own_accounts = app.extensions["ldptrain"].identity is None
    if own_accounts and not hasattr(app, "login_manager"):
        # Only for an app without a LoginManager of its own, so that `current_user` in a
        # standalone app's templates is ldptrain's user. ldptrain itself reads `signed_in.who`
        # and never this manager; a host that adds its own later simply replaces it.
        manager = LoginManager(app)
        manager.login_view = "ldptrain.auth.login"
        # Sessions live on the server (signed_in.py, ADR 0009): no IP/user-agent binding on
        # top ("strong" would sign out phones hopping between Wi-Fi and mobile data).
        manager.session_protection = None
        manager.login_message = i18n.lazy_gettext("Please sign in to continue.")
        # A request loader only: nothing of ldptrain's goes into Flask-Login's `_user_id`.
        manager.request_loader(signed_in.login_manager_loader)

    from .views import register_views

    bp = Blueprint("ldptrain", __name__, template_folder=str(bundled("templates")))
    # `ldptrain.static`, under content-hashed URLs cached for a year (web/static.py).
    bp.add_url_rule("/static/<path:filename>", endpoint="static", view_func=static.serve)
    # Registered first so it runs last, on the finished response: gzip/brotli for ldptrain's
    # own pages, CSS, JS and SVG only (a host's other responses are left alone).
    bp.after_request(static.compressor().after_request)
    access_log.init_blueprint(bp)  # times and logs everything below
    bp.before_request(params.refuse_control_characters)
    bp.before_request(language.choose)
    bp.before_request(csrf.guard)
    transaction.init_blueprint(bp)
    bp.after_request(signed_in.write_cookie)
    register_views(bp)

    bp.context_processor(template_helpers)

    app.add_template_filter(language.format_date, "ldp_date")
    app.add_template_filter(language.format_datetime, "ldp_datetime")

    # Only errors raised inside ldptrain get our pages: a host keeps its own handlers.
    for code in (400, 403, 404, 405, 410, 413, 429, 500):
        bp.register_error_handler(code, error_page)
    bp.register_error_handler(CSRFError, error_page)
    # The issuer's keys at the well-known paths: under the prefix (ldptrain adds no route
    # outside its mount), or at the site root when the host asks (LDPTRAIN_WELL_KNOWN_AT_ROOT).
    from .views.certificates import issuers_pem, key_pem, keys

    root = bool(app.config.get("LDPTRAIN_WELL_KNOWN_AT_ROOT")) or not prefix
    target = app if root else bp
    if not root or KEYS_PATH not in {r.rule for r in app.url_map.iter_rules()}:
        name = "ldptrain_" if root else ""
        target.add_url_rule(KEYS_PATH, endpoint=f"{name}certificate_keys", view_func=keys)
        target.add_url_rule("/.well-known/ldptrain-certificate-key.pem",
                            endpoint=f"{name}certificate_key_pem", view_func=key_pem)
        target.add_url_rule("/.well-known/ldptrain-certificate-issuers.pem",
                            endpoint=f"{name}certificate_issuers_pem", view_func=issuers_pem)
    app.register_blueprint(bp, url_prefix=prefix or None)
    # On the app, not the blueprint: errors outside any view (a 404 under the prefix, a 413 from
    # the body cap) and the well-known files get the headers too.
    headers.init_app(app, prefix)
