"""The course catalogue."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..services import catalogue

bp = Blueprint("catalogue", __name__)


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    return render_template("ldptrain/catalogue/index.html", courses=catalogue.list_courses())


@bp.get("/courses/<slug>/")
def course(slug: str):  # type: ignore[no-untyped-def]
    found = catalogue.get_course(slug)
    if found is None:
        abort(404)
    return render_template("ldptrain/catalogue/course.html", course=found)
