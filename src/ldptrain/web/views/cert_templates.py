"""A course's own certificate template, for admins (#19): edit the HTML/CSS as a draft, preview
it as a signed sample certificate with the verifier's verdict, publish it when that verdict is
GENUINE (services.cert_templates does the rules)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ...db import get_session
from ...i18n import gettext as _
from ...models import Course, Role
from ...services import cert_templates
from ..signed_in import roles_required, who
from ..transaction import step

bp = Blueprint("cert_templates", __name__)


def _course(slug: str) -> Course:
    found = get_session().scalar(select(Course).where(Course.slug == slug))
    return found if found is not None else abort(404)


def _page(course: Course, *, text: str | None = None, reasons: list[str] | None = None,
          verdict: cert_templates.Preview | None = None, status: int = 200) -> Any:
    return render_template(
        "ldptrain/cert_templates/edit.html", course=course,
        text=cert_templates.editable_text(course) if text is None else text,
        draft=cert_templates.draft_of(course), published=cert_templates.published_of(course.id),
        history=cert_templates.history_of(course), reasons=reasons or [], verdict=verdict,
    ), status


@bp.get("/admin/certificate-templates")
@roles_required(Role.ADMIN)
def index() -> str:
    courses = get_session().scalars(
        select(Course).where(Course.retired.is_(False)).order_by(Course.order, Course.slug))
    return render_template("ldptrain/cert_templates/index.html", courses=list(courses),
                           published={c.id: cert_templates.published_of(c.id)
                                      for c in get_session().scalars(select(Course))})


@bp.get("/admin/courses/<slug>/certificate-template")
@roles_required(Role.ADMIN)
def edit(slug: str) -> Any:
    return _page(_course(slug))


@bp.post("/admin/courses/<slug>/certificate-template")
@roles_required(Role.ADMIN)
def save(slug: str) -> Any:
    """Save the draft; with action=preview, also make the sample certificate and show whether
    it verifies. A refused text stays in the editor with the reasons."""
    course = _course(slug)
    text = request.form.get("html", "")
    with step(show=False) as done:
        draft = cert_templates.save_draft(who, course, text, ip=request.remote_addr or "")
    if not done.ok:
        error = done.error
        return _page(course, text=text, reasons=getattr(error, "reasons", []) or [str(error)],
                     status=422)
    if request.form.get("action") == "preview":
        return _page(course, verdict=cert_templates.preview(course, draft.html))
    flash(_("Draft saved."), "success")
    return redirect(url_for(".edit", slug=slug))


@bp.get("/admin/courses/<slug>/certificate-template/preview.pdf")
@roles_required(Role.ADMIN)
def preview_pdf(slug: str) -> Any:
    """The sample certificate made with the draft (else the published or default template)."""
    course = _course(slug)
    result = cert_templates.preview(course, cert_templates.editable_text(course))
    if result.pdf is None:
        return _page(course, verdict=result, status=422)
    return Response(result.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="certificate-template-{course.slug}.pdf"',
        "Cache-Control": "private, no-store"})


@bp.post("/admin/courses/<slug>/certificate-template/publish")
@roles_required(Role.ADMIN)
def publish(slug: str) -> Any:
    course = _course(slug)
    with step(show=False) as done:
        cert_templates.publish(who, course, ip=request.remote_addr or "")
    if not done.ok:
        error = done.error
        flash(str(error), "error")
        return _page(course, reasons=getattr(error, "reasons", []), status=422)
    flash(_("Published: new certificates of this course use this template."), "success")
    return redirect(url_for(".edit", slug=slug))


@bp.post("/admin/courses/<slug>/certificate-template/discard")
@roles_required(Role.ADMIN)
def discard(slug: str) -> Any:
    course = _course(slug)
    cert_templates.discard_draft(who, course, ip=request.remote_addr or "")
    flash(_("Draft discarded."), "success")
    return redirect(url_for(".edit", slug=slug))
