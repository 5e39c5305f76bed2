"""Learning: module pages, "mark complete", and the trainee's own "my learning" page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ...i18n import gettext as _
from ...services import catalogue, certificates, engagement, enrolment, progress
from .. import shells
from ..language import current_language
from ..signed_in import login_required, who
from ..transaction import step

bp = Blueprint("learn", __name__)


def _find(outline: progress.Outline, module_slug: str) -> int:
    index = next((i for i, e in enumerate(outline.entries) if e.slug == module_slug), None)
    if index is None:
        abort(404)
    return index


@bp.get("/courses/<course>/m/<module>")
@login_required
def module(course: str, module: str):  # type: ignore[no-untyped-def]
    state = progress.module_page(who.id, course)
    if state is None:
        abort(404)
    index = _find(state.outline, module)
    mine, found, entries = state.enrolment, state.outline.course, state.outline.entries
    if not enrolment.is_open(mine):
        flash(_("Enrol in the course to read its modules."), "info")
        return redirect(url_for("ldptrain.catalogue.course", slug=course))
    assert mine is not None
    entry = entries[index]
    progress.visit(mine, entry, state.progress.get(entry.module_id), rows=state.progress,
                   entries=entries)
    needs = progress.requirements(mine, entries=entries, rows=state.progress, course=found)
    if found.min_time_percent and needs.all_met and not needs.completed:
        # The minimum time was reached after the last quiz was passed: complete the course now.
        progress.complete_when_time_met(mine.id)
    this = needs.modules[index]
    quiz_slug = this.assessment.slug if this.assessment else None
    # Under the course's minimum-time rule: how long is left here (a hole, it changes as the
    # trainee reads; whether to say it at all is in the shell's key), and whether the quiz is
    # already passed so only the time is missing.
    waiting = bool(this.minutes_left and not this.complete)
    quiz_passed = bool(waiting and this.assessment and this.assessment.passed)
    holes: dict[str, Any] = {"percent": needs.percent}
    if waiting:
        holes["minutes_left"] = this.minutes_left
    final_slug = needs.final.slug if needs.final else None

    def context() -> dict[str, Any]:
        # Nothing personal: the page is remembered per worker with holes for the progress
        # figure and the CSRF token (shells.py); the rest of its state is in the key.
        version = catalogue.module_version(entry.version_id, entry.version_hash,
                                           state.outline.stamp)
        if version is None:
            abort(404)
        lang = current_language()
        return {"course": found, "entries": entries, "entry": entry, "version": version,
                "lang": lang, "html": catalogue.module_html(version, lang, found.language),
                "toc": catalogue.module_toc(version, lang, found.language),
                "complete": this.complete, "quiz_slug": quiz_slug, "final_slug": final_slug,
                "quiz_passed": quiz_passed, "waiting": waiting,
                "heartbeat_ms": int(engagement.heartbeat_seconds() * 1000),
                "previous": entries[index - 1] if index > 0 else None,
                "next": entries[index + 1] if index + 1 < len(entries) else None}

    page = shells.render(
        "ldptrain/learn/module.html",
        (entry.version_id, entry.version_hash, state.outline.stamp, this.complete, quiz_slug,
         final_slug, quiz_passed, waiting),
        context, holes)
    # The request's transaction commits after rendering (web/transaction.py): a host session
    # that expires on commit would otherwise reload everything. A revisit writes nothing.
    return page


@bp.post("/courses/<course>/m/<module>/complete")
@login_required
def complete(course: str, module: str):  # type: ignore[no-untyped-def]
    outline = progress.course_with_outline(course)
    if outline is None:
        abort(404)
    index = _find(outline, module)
    entries = outline.entries
    mine = enrolment.get_enrolment(who, outline.course)
    if mine is None:
        abort(404)
    with step() as done:
        progress.mark_complete(mine, entries[index])
    if not done.ok:
        return redirect(url_for(".module", course=course, module=module))
    if mine.completed_at is not None:
        flash(_("Congratulations: you have completed the course."), "success")
        return redirect(url_for("ldptrain.catalogue.course", slug=course))
    flash(_("Module marked complete."), "success")
    if index + 1 < len(entries):
        return redirect(url_for(".module", course=course, module=entries[index + 1].slug))
    return redirect(url_for("ldptrain.catalogue.course", slug=course))


@bp.post("/courses/<course>/m/<module>/seen")
@login_required
def seen(course: str, module: str):  # type: ignore[no-untyped-def]
    """The heartbeat of a visible module page (static/js/engagement.js; CSRF header as every
    POST). `resume=1`: the page was hidden until now, so the clock restarts without credit."""
    found = progress.beat(who.id, course, module,
                          count=request.form.get("resume") != "1")
    if found is None:
        abort(404)
    return "", 204


@bp.get("/me")
@login_required
def my_learning():  # type: ignore[no-untyped-def]
    mine = enrolment.enrolments_of(who)
    courses = catalogue.courses_by_id({e.course_id for e in mine})
    rows = [(e, courses[e.course_id], progress.requirements(e))
            for e in mine if e.course_id in courses]
    rows.sort(key=lambda r: (r[0].status == "withdrawn", r[1].order, r[1].slug))
    return render_template("ldptrain/learn/my_learning.html", rows=rows,
                           spent=engagement.seconds_by_enrolment(e.id for e in mine),
                           certificates=certificates.holder_rows([who.id]))
