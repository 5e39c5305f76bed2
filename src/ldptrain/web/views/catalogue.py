"""The course catalogue: the list, a course's page, enrolment and withdrawal."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from ...i18n import gettext as _
from ...services import catalogue, certificates, enrolment, progress
from ..language import current_language
from ..signed_in import login_required, who
from ..transaction import step

bp = Blueprint("catalogue", __name__)


def _course_or_404(slug: str):  # type: ignore[no-untyped-def]
    found = catalogue.get_course(slug)
    if found is None:
        abort(404)
    return found


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    user = who if who.is_authenticated else None
    return render_template("ldptrain/catalogue/index.html", cards=catalogue.cards(user))


@bp.get("/courses/<slug>/")
def course(slug: str):  # type: ignore[no-untyped-def]
    found = _course_or_404(slug)
    entries = progress.outline(found.id)
    mine = (enrolment.get_enrolment(who, found)
            if who.is_authenticated else None)
    needs = progress.requirements(mine, entries=entries) if mine is not None else None
    missing = (enrolment.missing_prerequisites(who, found)
               if who.is_authenticated and mine is None else [])
    lang = current_language()
    held = (certificates.holder_row_for_course(who.id, found.id)
            if mine is not None else None)
    return render_template(
        "ldptrain/catalogue/course.html", course=found, entries=entries, enrolment=mine,
        needs=needs, prerequisites=catalogue.prerequisites_of(found), missing=missing,
        missing_names=", ".join(c.title(lang) for c in missing), certificate=held)


@bp.post("/courses/<slug>/enrol")
@login_required
def enrol(slug: str):  # type: ignore[no-untyped-def]
    found = _course_or_404(slug)
    with step() as done:
        enrolment.enrol(who, found, lang=current_language())
    if done.ok:
        flash(_("You are enrolled. Start with the first module."), "success")
    return redirect(url_for(".course", slug=slug))


@bp.post("/courses/<slug>/withdraw")
@login_required
def withdraw(slug: str):  # type: ignore[no-untyped-def]
    found = _course_or_404(slug)
    mine = enrolment.get_enrolment(who, found)
    if mine is None:
        abort(404)
    with step() as done:
        enrolment.withdraw(mine, actor=who)
    if done.ok:
        flash(_("You have left the course. Your progress is kept if you enrol again."), "info")
    return redirect(url_for(".course", slug=slug))


@bp.get("/courses/<slug>/resume")
@login_required
def resume(slug: str):  # type: ignore[no-untyped-def]
    """Back to the module the trainee last opened, else the first one not yet complete."""
    found = _course_or_404(slug)
    mine = enrolment.get_enrolment(who, found)
    entries = progress.outline(found.id)
    if not enrolment.is_open(mine) or not entries:
        return redirect(url_for(".course", slug=slug))
    assert mine is not None
    target = next((e for e in entries if e.module_id == mine.last_module_id), None)
    if target is None:
        done = progress.progress_rows(mine)
        target = next((e for e in entries if not (e.module_id in done
                                                  and done[e.module_id].completed_at)),
                      entries[0])
    return redirect(url_for("ldptrain.learn.module", course=slug, module=target.slug))
