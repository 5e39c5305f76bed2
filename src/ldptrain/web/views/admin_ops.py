"""Staff pages for running the site (admins only): background jobs and the mail outbox."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup, escape

from ...db import get_session
from ...i18n import gettext as _
from ...i18n import ngettext
from ...models import JobState, MailStatus, OutboxMessage, Role
from ...services import jobs, mail
from ..signed_in import roles_required, who
from ..transaction import step

bp = Blueprint("admin_ops", __name__, url_prefix="/admin")
_URL = re.compile(r"https?://[^\s<>\"']+")


def _private(page: str) -> Any:
    """Messages and job errors hold names, addresses and password links: never cached."""
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


def linkify(text: str) -> Markup:
    """Plain text with its web addresses made clickable (the text is escaped first)."""
    out, last = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;)")
        out.append(escape(text[last:match.start()]))
        out.append(Markup('<a href="{0}" rel="noreferrer">{0}</a>').format(url))
        last = match.start() + len(url)
    out.append(escape(text[last:]))
    return Markup("").join(out)


@bp.get("/jobs")
@roles_required(Role.ADMIN)
def job_list():  # type: ignore[no-untyped-def]
    state = request.args.get("state", "")
    if state not in {s.value for s in JobState}:
        state = ""
    found = jobs.listing(state)
    return _private(render_template(
        "ldptrain/admin/jobs.html", jobs=found, state=state, states=[s.value for s in JobState],
        counts=jobs.counts(), retryable={j.id for j in found if jobs.retryable(j)}))


@bp.post("/jobs/<ldp_id:job_id>/retry")
@roles_required(Role.ADMIN)
def job_retry(job_id: int):  # type: ignore[no-untyped-def]
    with step() as done:
        jobs.retry(job_id, who)
    if done.ok:
        flash(_("Job %(id)s has been queued again.", id=job_id), "success")
    return redirect(url_for(".job_list", state=request.args.get("state", "")))


@bp.get("/outbox")
@roles_required(Role.ADMIN)
def outbox():  # type: ignore[no-untyped-def]
    status = request.args.get("status", "")
    if status not in {s.value for s in MailStatus}:
        status = ""
    return _private(render_template(
        "ldptrain/admin/outbox.html", messages=mail.listing(status), status=status,
        statuses=[s.value for s in MailStatus], mail_configured=mail.configured(),
        waiting=mail.waiting_counts(), resendable=[s.value for s in mail.RESENDABLE]))


@bp.post("/outbox/<ldp_id:message_id>/resend")
@roles_required(Role.ADMIN)
def outbox_resend(message_id: int):  # type: ignore[no-untyped-def]
    with step() as done:
        mail.resend(message_id, who)
    if done.ok:
        flash(_("Message %(id)s is queued to be sent.", id=message_id), "success")
    return redirect(url_for(".outbox", status=request.args.get("status", "")))


@bp.post("/outbox/resend")
@roles_required(Role.ADMIN)
def outbox_resend_all():  # type: ignore[no-untyped-def]
    status = request.form.get("status", "")
    with step() as done:
        count = mail.resend_all(status, who)
    if done.ok:
        flash(ngettext("%(num)s message is queued to be sent.",
                       "%(num)s messages are queued to be sent.", count), "success")
    return redirect(url_for(".outbox"))


@bp.get("/outbox/<ldp_id:message_id>")
@roles_required(Role.ADMIN)
def outbox_message(message_id: int):  # type: ignore[no-untyped-def]
    message = get_session().get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return _private(render_template("ldptrain/admin/outbox_message.html", message=message,
                                    body=linkify(message.body_text)))
