"""Friendly error pages (JSON for the API), never a stack trace."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException


def error_page(error: HTTPException) -> Any:
    if request.accept_mimetypes.best == "application/json" or request.path.startswith(
        request.script_root + "/api/"
    ):
        return jsonify(error=error.name, message=error.description), error.code
    return render_template("ldptrain/error.html", error=error), error.code
