"""Trainers and admins record completion by in-person (blended) workshops."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from ...i18n import gettext as _
from ...models import Role
from ...services import blended, catalogue
from ...services import certificates as certs
from ..forms.workshops import WorkshopForm
from ..language import current_language
from ..signed_in import roles_required, who
from ..transaction import step

bp = Blueprint("workshops", __name__)


@bp.route("/workshops/new", methods=["GET", "POST"])
@roles_required(Role.TRAINER, Role.ADMIN)
def new():  # type: ignore[no-untyped-def]
    form = WorkshopForm()
    courses = {c.slug: c for c in blended.courses_for(who, catalogue.list_courses())}
    form.course.choices = [(slug, c.title(current_language())) for slug, c in courses.items()]
    problems: list[str] = []
    if form.validate_on_submit():
        emails = [e for e in re.split(r"[\s,;]+", form.emails.data or "") if e]
        with step(show=False) as done:
            report = blended.record_workshop(
                course=courses[form.course.data], held_on=form.held_on.data,
                place=form.place.data or "", note=form.note.data or "", emails=emails,
                hours=float(form.hours.data) if form.hours.data is not None else None,
                actor=who, ip=request.remote_addr or "")
        if isinstance(done.error, blended.WorkshopError):
            problems = done.error.problems
        else:
            course = courses[form.course.data]
            flash(_("Recorded: %(done)s completed, %(already)s had already completed.",
                    done=len(report.completed), already=len(report.already)), "success")
            problem = certs.signatory_problem(current_app.config, course)
            if problem and report.completed and course.certificate:
                flash(problem, "error")  # the completions stand; the certificates wait
            return redirect(url_for(".index"))
    return render_template("ldptrain/workshops/new.html", form=form, problems=problems)


@bp.get("/workshops")
@roles_required(Role.TRAINER, Role.ADMIN)
def index():  # type: ignore[no-untyped-def]
    return render_template("ldptrain/workshops/index.html",
                           workshops=blended.workshops(who))
