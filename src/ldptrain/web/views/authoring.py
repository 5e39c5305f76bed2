"""Authoring in the browser (#19): the author's courses, previews of any module, quiz or final as
a trainee would see it (without enrolling), and the editor of a course's Markdown files.

Trainers of a course and admins only (services.authoring.may_author): anyone else with a staff
role gets a 404 for a course that is not theirs, a trainee a 403."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from ...models import Course, Role
from ...services import authoring
from ..language import current_language
from ..signed_in import roles_required, who

bp = Blueprint("authoring", __name__, url_prefix="/author")

AUTHORS = (Role.TRAINER, Role.ADMIN)


def _course(slug: str) -> Course:
    found = authoring.authored_course(who, slug)
    if found is None:
        abort(404)
    return found


@bp.get("/")
@roles_required(*AUTHORS)
def index():  # type: ignore[no-untyped-def]
    return render_template("ldptrain/author/index.html", courses=authoring.authored_courses(who),
                           lang=current_language())


@bp.get("/courses/<course>/")
@roles_required(*AUTHORS)
def course(course: str):  # type: ignore[no-untyped-def]
    found = _course(course)
    return render_template("ldptrain/author/course.html", course=found,
                           sources=authoring.sources_of(found), lang=current_language())


@bp.get("/courses/<course>/m/<module>")
@roles_required(*AUTHORS)
def preview_module(course: str, module: str):  # type: ignore[no-untyped-def]
    found = _course(course)
    lang = current_language()
    try:
        shown = authoring.published_module(found, module, lang)
    except authoring.SourceError:
        abort(404)
    return render_template("ldptrain/author/preview_module.html", course=found, shown=shown,
                           lang=lang)


@bp.get("/courses/<course>/a/<slug>")
@roles_required(*AUTHORS)
def preview_assessment(course: str, slug: str):  # type: ignore[no-untyped-def]
    found = _course(course)
    lang = current_language()
    try:
        shown = authoring.published_assessment(found, slug, lang)
    except authoring.SourceError:
        abort(404)
    return render_template("ldptrain/author/preview_assessment.html", course=found, shown=shown,
                           lang=lang)


@bp.get("/courses/<course>/files/<path:path>")
@roles_required(*AUTHORS)
def course_file(course: str, path: str):  # type: ignore[no-untyped-def]
    """Previews link images as the module page does ("../files/..."): the course's own files."""
    _course(course)
    return redirect(url_for("ldptrain.files.course_file", course=course, path=path))
