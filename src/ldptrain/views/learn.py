"""The trainee's own learning."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("learn", __name__)


@bp.get("/me")
@login_required
def my_learning():  # type: ignore[no-untyped-def]
    return render_template("ldptrain/learn/my_learning.html")
