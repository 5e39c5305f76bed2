"""Assessments: the overview with past attempts, starting, the attempt page (save, autosave,
submit) and the result. Every rule lives in services.attempts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from ...db import get_session, utcnow
from ...i18n import gettext as _
from ...models import AssessmentVersion, AttemptStatus, Course, Enrolment
from ...services import attempts, catalogue, certificates, enrolment, progress
from ..forms.learn import attempt_responses, confirmed, field_name, wants_submit
from ..language import current_language
from ..signed_in import login_required, who
from ..transaction import step

bp = Blueprint("assess", __name__)


def _course_and_assessment(course: str, slug: str):  # type: ignore[no-untyped-def]
    found = catalogue.get_course(course)
    item = attempts.assessment_in_course(found, slug) if found is not None else None
    if found is None or item is None:
        abort(404)
    return found, item


@bp.get("/courses/<course>/a/<slug>")
@login_required
def overview(course: str, slug: str):  # type: ignore[no-untyped-def]
    found, item = _course_and_assessment(course, slug)
    closed = attempts.close_expired(who, item)
    if closed:
        flash(_("Time ran out on your last attempt; it was scored with the answers you had "
                "saved."), "info")
    mine = enrolment.get_enrolment(who, found)
    status = progress.assessment_statuses(who.id, {item.id})[item.id]
    return render_template(
        "ldptrain/assess/overview.html", course=found, assessment=item,
        version=item.current_version, status=status, enrolment=mine,
        wait=attempts.final_wait(mine, item) if enrolment.is_open(mine) else None,
        can_take=enrolment.is_open(mine), attempts=attempts.attempts_of(who, item),
        open_attempt=attempts.open_attempt(who, item), lang=current_language())


@bp.post("/courses/<course>/a/<slug>/start")
@login_required
def start(course: str, slug: str):  # type: ignore[no-untyped-def]
    found, item = _course_and_assessment(course, slug)
    with step() as done:
        attempt = attempts.start(who, item,
                                 enrolment.get_enrolment(who, found))
    if not done.ok:
        return redirect(url_for(".overview", course=course, slug=slug))
    return redirect(url_for(".attempt", attempt_id=attempt.id))


def _attempt_or_404(attempt_id: int):  # type: ignore[no-untyped-def]
    found = attempts.get_attempt(attempt_id, who)
    if found is None:
        abort(404)
    session = get_session()
    enrolled = session.get(Enrolment, found.enrolment_id) if found.enrolment_id else None
    course = session.get(Course, enrolled.course_id) if enrolled else None
    version = session.get(AssessmentVersion, found.assessment_version_id)
    if course is None or version is None:
        abort(404)
    return found, course, version


@bp.get("/attempts/<ldp_id:attempt_id>")
@login_required
def attempt(attempt_id: int):  # type: ignore[no-untyped-def]
    found, course, version = _attempt_or_404(attempt_id)
    lang = current_language()
    if found.status == AttemptStatus.IN_PROGRESS and attempts.is_late(found, utcnow()):
        attempts.submit(found)
        flash(_("Time ran out; your attempt was scored with the answers you had saved."), "info")
    if found.status == AttemptStatus.IN_PROGRESS:
        return render_template(
            "ldptrain/assess/attempt.html", attempt=found, course=course, version=version,
            items=attempts.items(found, lang), field_name=field_name,
            seconds_left=attempts.seconds_left(found), lang=lang)
    shown = attempts.disclosure(found)
    mine = get_session().get(Enrolment, found.enrolment_id)
    # The pass that completed the course issued a certificate: the page leads straight to it.
    held = (certificates.holder_row_for_course(mine.user_id, course.id)
            if mine is not None and mine.completed_at is not None else None)
    return render_template(
        "ldptrain/assess/result.html", attempt=found, course=course, version=version,
        items=attempts.items(found, lang, shown=shown), shown=shown, lang=lang,
        status=progress.assessment_statuses(who.id, {found.assessment_id})[
            found.assessment_id], enrolment=mine, certificate=held)


@bp.post("/attempts/<ldp_id:attempt_id>")
@login_required
def answer(attempt_id: int):  # type: ignore[no-untyped-def]
    """Without JavaScript: the "save" and "submit" buttons of the attempt form."""
    found, _course, _version = _attempt_or_404(attempt_id)
    here = url_for(".attempt", attempt_id=attempt_id)
    if found.status != AttemptStatus.IN_PROGRESS:
        flash(_("This attempt has already been submitted."), "info")
        return redirect(here)
    questions = [q for q, _order in attempts.layout_questions(found)]
    saved = attempts.save_answers(found, attempt_responses(request.form, questions))
    if wants_submit(request.form) and saved and not confirmed(request.form):
        # Questions left blank: list them and ask once before scoring (works without script).
        lang = current_language()
        views = attempts.items(found, lang)
        blank = attempts.unanswered(views)
        if blank:
            return render_template(
                "ldptrain/assess/attempt.html", attempt=found, course=_course, version=_version,
                items=views, field_name=field_name, seconds_left=attempts.seconds_left(found),
                lang=lang, unanswered=blank)
    if wants_submit(request.form) or not saved:
        attempts.submit(found)
        if not saved:
            flash(_("Time ran out; your attempt was scored with the answers you had saved."),
                  "info")
        return redirect(here)
    flash(_("Your answers are saved."), "success")
    return redirect(here)


@bp.post("/attempts/<ldp_id:attempt_id>/autosave")
@login_required
def autosave(attempt_id: int):  # type: ignore[no-untyped-def]
    """With JavaScript: the whole form, posted on every change (header X-CSRFToken)."""
    found, _course, _version = _attempt_or_404(attempt_id)
    if found.status != AttemptStatus.IN_PROGRESS:
        return jsonify(saved=False, reason="submitted",
                       message=_("This attempt has already been submitted.")), 409
    questions = [q for q, _order in attempts.layout_questions(found)]
    saved = attempts.save_answers(found, attempt_responses(request.form, questions))
    if not saved:
        return jsonify(saved=False, reason="time_up",
                       message=_("Time is up: this answer was not saved.")), 409
    return jsonify(saved=True, seconds_left=attempts.seconds_left(found),
                   message=_("Saved"))
