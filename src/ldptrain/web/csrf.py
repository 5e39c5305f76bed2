"""CSRF protection for every state-changing request to ldptrain (Flask-WTF's tokens)."""

from __future__ import annotations

from flask import request
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf


def guard() -> None:
    """Every POST/PUT/DELETE carries a CSRF token (form field or header), except API calls
    authenticated by a bearer token."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    if request.headers.get("Authorization", "").startswith("Bearer "):
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
