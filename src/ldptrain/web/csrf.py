"""CSRF protection for every state-changing request to ldptrain (Flask-WTF's tokens)."""

from __future__ import annotations

from flask import request
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf

#: The one blueprint that authenticates by bearer token and never by cookie (web/views/api.py).
API_BLUEPRINT = "ldptrain.api"


def guard() -> None:
    """Every POST/PUT/DELETE carries a CSRF token (form field or header), except calls to the
    API blueprint with a bearer token: it reads no cookie, so a forged request gains nothing. A
    Bearer header on any other route (with a session cookie) changes nothing here."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    if (request.blueprint == API_BLUEPRINT
            and request.headers.get("Authorization", "").startswith("Bearer ")):
        return
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
    try:
        validate_csrf(token)
    except Exception as exc:  # wtforms ValidationError; shown as a friendly 400 page
        raise CSRFError(str(exc)) from exc


def csrf_token() -> str:
    """The token for this request's forms (Flask-WTF signs the session's secret once per
    request and returns the same token for the rest of it)."""
    return str(generate_csrf())
