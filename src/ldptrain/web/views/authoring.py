"""Authoring in the browser (#19): the author's courses, previews of any module, quiz or final as
a trainee would see it (without enrolling), and the editor of a course's Markdown files.

Trainers of a course and admins only (services.authoring.may_author): anyone else with a staff
role gets a 404 for a course that is not theirs, a trainee a 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from ...db import get_session
from ...i18n import gettext as _
from ...models import Course, Role, User
from ...services import authoring
from ..forms.learn import attempt_responses, field_name
from ..language import current_language
from ..params import page_number
from ..signed_in import roles_required, who
from ..transaction import step

bp = Blueprint("authoring", __name__, url_prefix="/author")

AUTHORS = (Role.TRAINER, Role.ADMIN)


T = TypeVar("T")


def _or_404(lookup: Callable[..., T], *args: Any) -> T:
    """A module, quiz or file of the course by name, or the 404 its absence is."""
    try:
        return lookup(*args)
    except authoring.SourceError:
        abort(404)


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
                           sources=authoring.sources_of(found), drafts=authoring.drafts_of(found),
                           versions=authoring.published_versions(found),
                           lang=current_language())


@bp.get("/courses/<course>/m/<module>")
@roles_required(*AUTHORS)
def preview_module(course: str, module: str):  # type: ignore[no-untyped-def]
    found = _course(course)
    lang = current_language()
    shown = _or_404(authoring.published_module, found, module, lang)
    return render_template("ldptrain/author/preview_module.html", course=found, shown=shown,
                           lang=lang)


@bp.get("/courses/<course>/a/<slug>")
@roles_required(*AUTHORS)
def preview_assessment(course: str, slug: str):  # type: ignore[no-untyped-def]
    found = _course(course)
    lang = current_language()
    shown = _or_404(authoring.published_assessment, found, slug, lang)
    return render_template("ldptrain/author/preview_assessment.html", course=found, shown=shown,
                           lang=lang, field_name=field_name, played=None)


@bp.post("/courses/<course>/a/<slug>")
@roles_required(*AUTHORS)
def play_assessment(course: str, slug: str):  # type: ignore[no-untyped-def]
    """"Preview as trainee" played: the author's answers scored and explained, nothing stored."""
    found = _course(course)
    lang = current_language()
    shown = _or_404(authoring.published_assessment, found, slug, lang)
    played = _or_404(authoring.play, found, slug,
                     attempt_responses(request.form, shown.version.questions), lang)
    return render_template("ldptrain/author/preview_assessment.html", course=found, shown=shown,
                           lang=lang, field_name=field_name, played=played)


@bp.get("/courses/<course>/files/<path:path>")
@roles_required(*AUTHORS)
def course_file(course: str, path: str):  # type: ignore[no-untyped-def]
    """Previews link images as the module page does ("../files/..."): the course's own files."""
    _course(course)
    return redirect(url_for("ldptrain.files.course_file", course=course, path=path))


# The editor ------------------------------------------------------------------------------------
# A course's own files are at /edit/<name> and its quizzes' at /quiz/<name>, one folder below the
# course, so a preview's "../files/..." images resolve as on the module page.


def _source(found: Course, area: str, name: str) -> authoring.Source:
    path = f"courses/{found.slug}/{name}" if area == "edit" else f"assessments/{name}"
    return _or_404(authoring.find_source, found, path)


def _editor_url(found: Course, source: authoring.Source, endpoint: str = ".edit") -> str:
    area = "quiz" if source.kind == "assessment" else "edit"
    return url_for(endpoint, course=found.slug, area=area, name=source.name)


def _revision(raw: Any) -> int:
    """The draft revision the page was loaded with (0: none); page_number bounds it."""
    text = str(raw or "").strip()
    return page_number(text) if text and text != "0" else 0


def _editor(found: Course, source: authoring.Source, text: str, revision: int, *,
            status: int = 200, conflict: authoring.DraftConflict | None = None,
            refused: authoring.PublishRefused | None = None):  # type: ignore[no-untyped-def]
    draft = authoring.get_draft(found, source)
    preview = authoring.render_draft(found, source, {source.path: text})
    siblings = {s.path: s for s in authoring.sources_of(found)}
    questions = authoring.bank.questions(text) if source.kind == "assessment" else []
    stats = authoring.bank_statistics(found, source) if questions else {}
    sibling = siblings.get(source.sibling)
    sibling_draft = authoring.get_draft(found, sibling) if sibling is not None else None
    sibling_text = sibling_draft.text if sibling_draft is not None else (
        authoring.published_text(found, sibling) if sibling is not None else "")
    session = get_session()
    return render_template(
        "ldptrain/author/editor.html", course=found, source=source, text=text,
        revision=revision, draft=draft, preview=preview, conflict=conflict, refused=refused,
        sibling=sibling, sibling_text=sibling_text, draft_author=session.get(User, draft.author_id)
        if draft is not None and draft.author_id else None,
        published=authoring.published_text(found, source), lang=current_language(),
        editor_url=_editor_url(found, source),
        max_image_kb=authoring.MAX_IMAGE_BYTES // 1024, questions=questions, stats=stats,
        kinds=authoring.bank.KINDS), status


@bp.get("/courses/<course>/<any(edit, quiz):area>/<name>")
@roles_required(*AUTHORS)
def edit(course: str, area: str, name: str):  # type: ignore[no-untyped-def]
    found = _course(course)
    source = _source(found, area, name)
    draft = authoring.get_draft(found, source)
    if draft is not None:
        return _editor(found, source, draft.text, draft.revision)
    return _editor(found, source, authoring.published_text(found, source), 0)


@bp.post("/courses/<course>/<any(edit, quiz):area>/<name>")
@roles_required(*AUTHORS)
def edit_post(course: str, area: str, name: str):  # type: ignore[no-untyped-def]
    """The editor's buttons, all working without JavaScript: preview (writes nothing), save,
    publish (saves first when the text changed), discard."""
    found = _course(course)
    source = _source(found, area, name)
    text = authoring.normalise(request.form.get("text", ""))
    revision = _revision(request.form.get("revision"))
    action = request.form.get("action", "preview")
    here = _editor_url(found, source)
    bank_move = request.form.get("bank", "")
    if bank_move and source.kind == "assessment":
        return _bank(found, source, text, revision, bank_move)
    if action == "discard":
        with step() as done:
            authoring.discard_draft(who, found, source)
        if done.ok:
            flash(_("The draft was discarded."), "success")
        return redirect(here)
    if action not in ("save", "publish"):
        return _editor(found, source, text, revision)
    draft = authoring.get_draft(found, source)
    if draft is None or draft.revision != revision or draft.text != text:
        with step(show=False) as saved:
            revision = authoring.save_draft(who, found, source, text, revision).revision
        if isinstance(saved.error, authoring.DraftConflict):
            return _editor(found, source, text, saved.error.revision, status=409,
                           conflict=saved.error)
        if saved.error is not None:
            flash(str(saved.error), "error")
            return _editor(found, source, text, revision, status=400)
    if action == "save":
        flash(_("Draft saved. Trainees see it only once it is published."), "success")
        return redirect(here)
    with step(show=False) as published:
        result = authoring.publish_draft(who, found, source, revision)
    if isinstance(published.error, authoring.PublishRefused):
        # The save above stands (200: the request commits); the refusal is shown with its lines.
        return _editor(found, source, text, revision, refused=published.error)
    if published.error is not None:
        flash(str(published.error), "error")
        return _editor(found, source, text, revision)
    if not result.changed:
        flash(_("Nothing changed: the draft is the same as the published text."), "info")
    elif result.number:
        flash(_("Published as version %(n)s. Trainees see it from now on.", n=result.number),
              "success")
    else:
        flash(_("Published. Trainees see it from now on."), "success")
    return redirect(url_for(".course", course=found.slug))


def _bank(found: Course, source: authoring.Source, text: str, revision: int,
          move: str):  # type: ignore[no-untyped-def]
    """A button of the question list: "up:3", "down:3", "retire:3" or "add" (with new_kind)."""
    op, _sep, arg = move.partition(":")
    index = int(arg) if arg.isascii() and arg.isdigit() and len(arg) < 5 else -1
    kind = request.form.get("new_kind", "")
    if op not in ("up", "down", "retire", "add") or (op != "add" and index < 0) or (
            op == "add" and kind not in authoring.bank.KINDS):
        abort(400)
    with step(show=False) as saved:
        authoring.edit_bank(who, found, source, text, revision, op, index, kind)
    if isinstance(saved.error, authoring.DraftConflict):
        return _editor(found, source, text, saved.error.revision, status=409,
                       conflict=saved.error)
    if saved.error is not None:
        flash(str(saved.error), "error")
        return _editor(found, source, text, revision, status=400)
    flash({"up": _("Question moved up."), "down": _("Question moved down."),
           "retire": _("Question retired: it leaves the bank when you publish. Attempts and "
                       "statistics of earlier versions keep it."),
           "add": _("Question added at the end: replace its placeholder text.")}[op]
          + " " + _("Saved as a draft (with its translation)."), "success")
    return redirect(_editor_url(found, source) + "#ldp-bank")


@bp.get("/courses/<course>/<any(edit, quiz):area>/<name>/history")
@roles_required(*AUTHORS)
def history(course: str, area: str, name: str):  # type: ignore[no-untyped-def]
    found = _course(course)
    source = _source(found, area, name)
    entries = authoring.history(found, source)
    return render_template("ldptrain/author/history.html", course=found, source=source,
                           entries=list(reversed(entries)), area=area,
                           editor_url=_editor_url(found, source), lang=current_language())


@bp.get("/courses/<course>/<any(edit, quiz):area>/<name>/history/<ldp_id:key>/source")
@roles_required(*AUTHORS)
def version_source(course: str, area: str, name: str, key: int):  # type: ignore[no-untyped-def]
    """An earlier version's Markdown as a file (export an older version)."""
    found = _course(course)
    source = _source(found, area, name)
    entry = next((e for e in authoring.history(found, source) if e.key == key), None)
    if entry is None:
        abort(404)
    stem = source.name[: -len(".en.md")] if source.english else source.name[:-3]
    suffix = ".en.md" if source.english else ".md"
    response = Response(entry.text, mimetype="text/markdown")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{stem}.v{entry.number or entry.key}{suffix}"')
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/courses/<course>/<any(edit, quiz):area>/<name>/history/<ldp_id:key>/restore")
@roles_required(*AUTHORS)
def restore(course: str, area: str, name: str, key: int):  # type: ignore[no-untyped-def]
    found = _course(course)
    source = _source(found, area, name)
    with step(show=False) as done:
        result = authoring.restore(who, found, source, key)
    back = url_for(".history", course=found.slug, area=area, name=name)
    if isinstance(done.error, authoring.SourceError):
        abort(404)
    if done.error is not None:
        flash(str(done.error), "error")
        for problem in getattr(done.error, "problems", [])[:10]:
            flash(f"{problem.path}:{problem.line}: {problem.message}", "error")
    elif not result.changed:
        flash(_("Nothing changed: that version is the published text."), "info")
    else:
        flash(_("Restored as a new version %(n)s.", n=result.number) if result.number
              else _("Restored."), "success")
    return redirect(back)


@bp.post("/courses/<course>/preview")
@roles_required(*AUTHORS)
def live_preview(course: str):  # type: ignore[no-untyped-def]
    """The editor's live preview (static/js/authoring.js; CSRF header as every POST): the
    draft's problems and rendering as an HTML fragment. Writes nothing."""
    found = _course(course)
    source = _or_404(authoring.find_source, found, request.form.get("path", ""))
    preview = authoring.render_draft(found, source,
                                     {source.path: request.form.get("text", "")})
    return render_template("ldptrain/author/_live.html", preview=preview, source=source,
                           lang=current_language())


@bp.post("/courses/<course>/files")
@roles_required(*AUTHORS)
def upload(course: str):  # type: ignore[no-untyped-def]
    """An image into the course's files (type by its bytes, size capped); the author is told
    the Markdown that shows it. Back to the editor it came from (a path of this course)."""
    found = _course(course)
    back = request.form.get("back", "")
    try:
        source = authoring.find_source(found, back)
        target = _editor_url(found, source)
    except authoring.SourceError:
        target = url_for(".course", course=found.slug)
    sent = request.files.get("image")
    data = sent.read(authoring.MAX_IMAGE_BYTES + 1) if sent is not None else b""
    with step() as done:
        path = authoring.upload_image(who, found, sent.filename or "" if sent else "", data,
                                      replace=request.form.get("replace") == "1")
    if done.ok:
        alt = _("what the image shows")
        flash(_("Image uploaded. Show it in a module with: %(markdown)s",
                markdown=f"![{alt}]({path})"), "success")
    return redirect(target)
