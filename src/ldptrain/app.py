"""The standalone app: the first host that mounts LDPTrain, at "/", on an instance folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Response, request, send_from_directory
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .extension import LDPTrain
from .resources import STATIC
from .web.cookie_session import RememberingSessionInterface


def instance_folder(path: str | os.PathLike[str] | None = None) -> Path:
    """``--instance``, else LDPTRAIN_INSTANCE, else ./instance."""
    chosen = path or os.environ.get("LDPTRAIN_INSTANCE") or "instance"
    folder = Path(chosen).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _secret_key(folder: Path) -> str:
    """The instance's own secret, made once with owner-only permissions; never a default."""
    key_file = folder / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def create_app(overrides: dict[str, Any] | None = None, *,
               instance_path: str | os.PathLike[str] | None = None) -> Flask:
    folder = instance_folder(instance_path)
    app = Flask("ldptrain", instance_path=str(folder), static_folder=None)
    app.config.update(config.from_environ())
    app.config.update(overrides or {})
    if not app.config.get("LDPTRAIN_DATABASE_URL"):
        app.config["LDPTRAIN_DATABASE_URL"] = f"sqlite:///{folder / 'ldptrain.sqlite3'}"
    app.config["SECRET_KEY"] = app.config.get("LDPTRAIN_SECRET_KEY") or _secret_key(folder)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    # Flask's defaults hold the key with None, so setdefault would change nothing: a cookie
    # without SameSite travels with cross-site form posts.
    for key in ("SESSION_COOKIE_SAMESITE", "REMEMBER_COOKIE_SAMESITE"):
        if not app.config.get(key):
            app.config[key] = "Lax"
    app.config.setdefault("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)
    if str(app.config.get("LDPTRAIN_BASE_URL", "")).startswith("https://"):
        # Served over TLS: cookies never travel over plain HTTP.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True

    # Verify a repeated session cookie once (#5); standalone only, a host keeps its own interface.
    app.session_interface = RememberingSessionInterface()
    LDPTrain(app, url_prefix="")
    # Standalone, ldptrain is the whole site: URLs outside every blueprint (a mistyped address)
    # get the same friendly page as errors inside it.
    from .web import error_page, template_helpers

    @app.context_processor
    def helpers_outside_ldptrain() -> dict[str, Any]:
        # Pages of ldptrain's blueprint get them from the blueprint: not twice per page.
        if request and (request.blueprint or "").split(".")[0] == "ldptrain":
            return {}
        return template_helpers()

    for code in (404, 405):
        app.register_error_handler(code, error_page)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        # Browsers ask for it on their own; the SVG icon, not the 404 page. A day's cache: the
        # URL is fixed (pages link the content-hashed /static/favicon.svg).
        response = send_from_directory(STATIC, "favicon.svg", mimetype="image/svg+xml",
                                       max_age=24 * 3600)
        return response
    proxies = int(app.config.get("LDPTRAIN_TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    return app
