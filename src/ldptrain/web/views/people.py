"""People: confirming claims to an organisation, the people in one's scope, bulk accounts from
CSV, and anonymising a departed user (admins)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ...access import STAFF_ROLES, may_assign_trainers
from ...db import get_session
from ...i18n import gettext as _
from ...models import Course, Membership, Role, User
from ...services import catalogue, mail, membership, privacy, roles, user_import
from .. import params
from ..forms.people import ImportForm
from ..signed_in import roles_required, who
from ..transaction import step

bp = Blueprint("people", __name__, url_prefix="/people")
PAGE_SIZE = 50
MANAGERS = (Role.COORDINATOR, Role.PROVINCIAL_OFFICER, Role.ADMIN)


@bp.get("/")
@roles_required(*MANAGERS)
def index():  # type: ignore[no-untyped-def]
    query = request.args.get("q", "")
    page = params.page_number(request.args.get("page"))
    pending = membership.pending_in_scope(who)
    decidable = membership.confirmable_organisation_ids(
        who, {m.organisation_id for m in pending})
    people, total = membership.people_in_scope(who, query, limit=PAGE_SIZE,
                                               offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "ldptrain/people/index.html", pending=pending, decidable=decidable, people=people,
        total=total, query=query, page=page, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        users=membership.people_by_id(m.user_id for m in pending))


def _decide(membership_id: int, confirm: bool):  # type: ignore[no-untyped-def]
    claim = get_session().get(Membership, membership_id)
    if claim is None:
        abort(404)
    with step() as done:
        try:
            if confirm:
                membership.confirm(claim, who)
            else:
                membership.reject(claim, who)
        except membership.NotAllowed:
            abort(403)
    if done.ok:
        person = get_session().get(User, claim.user_id)
        name = person.display_name() if person else ""
        flash(_("Confirmed: %(name)s.", name=name) if confirm
              else _("Rejected: %(name)s.", name=name), "success")
    return redirect(url_for(".index"))


@bp.post("/memberships/<ldp_id:membership_id>/confirm")
@roles_required(*MANAGERS)
def confirm(membership_id: int):  # type: ignore[no-untyped-def]
    return _decide(membership_id, True)


@bp.post("/memberships/<ldp_id:membership_id>/reject")
@roles_required(*MANAGERS)
def reject(membership_id: int):  # type: ignore[no-untyped-def]
    return _decide(membership_id, False)


@bp.get("/<ldp_id:user_id>")
@roles_required(*MANAGERS)
def person(user_id: int):  # type: ignore[no-untyped-def]
    found = get_session().get(User, user_id)
    if found is None or not membership.can_see_person(who, found):
        abort(404)
    admin = may_assign_trainers(who)
    is_admin = who.has_role(Role.ADMIN)
    return render_template("ldptrain/people/person.html", person=found,
                           history=membership.history(found),
                           kept=privacy.counts_for_user(found),
                           can_anonymise=who.has_role(Role.ADMIN)
                           and found.id != who.id and found.anonymised_at is None,
                           can_grant=admin, staff_roles=STAFF_ROLES,
                           role_label=roles.role_label,
                           assignments=roles.assignment_rows(found),
                           courses=catalogue.list_courses() if admin else [],
                           provinces=roles.provinces() if admin else [],
                           is_admin=is_admin, is_self=found.id == who.id)


def _person_in_scope(user_id: int) -> User:
    found = get_session().get(User, user_id)
    if found is None or not membership.can_see_person(who, found):
        abort(404)
    return found


def _client_ip() -> str:
    return request.remote_addr or ""


# Role grants and trainer assignments. The views take any manager so that the one rule in
# access.may_grant answers (a coordinator's attempt is refused there and says why).
@bp.post("/<ldp_id:user_id>/roles")
@roles_required(*MANAGERS)
def grant_role(user_id: int):  # type: ignore[no-untyped-def]
    found = _person_in_scope(user_id)
    try:
        role = Role(request.form.get("role", ""))
    except ValueError:
        flash(_("Choose a role."), "error")
        return redirect(url_for(".person", user_id=user_id))
    with step() as done:
        roles.grant_role(found, role, actor=who,
                         province_code=request.form.get("province_code") or None,
                         ip=_client_ip())
    if done.ok:
        flash(_("Role given: %(role)s.", role=roles.role_label(role)), "success")
    return redirect(url_for(".person", user_id=user_id))


@bp.post("/<ldp_id:user_id>/roles/<ldp_id:assignment_id>/remove")
@roles_required(*MANAGERS)
def remove_role(user_id: int, assignment_id: int):  # type: ignore[no-untyped-def]
    found = _person_in_scope(user_id)
    with step() as done:
        roles.remove_role(found, assignment_id, actor=who, ip=_client_ip())
    if done.ok:
        flash(_("The role was removed."), "success")
    return redirect(url_for(".person", user_id=user_id))


@bp.post("/<ldp_id:user_id>/assignments")
@roles_required(*MANAGERS)
def assign(user_id: int):  # type: ignore[no-untyped-def]
    found = _person_in_scope(user_id)
    course = get_session().get(Course, params.parse_id(request.form.get("course_id")) or 0)
    if course is None:
        flash(_("Choose a course."), "error")
        return redirect(url_for(".person", user_id=user_id))
    with step() as done:
        roles.assign_trainer(found, course, actor=who,
                             province_code=request.form.get("province_code") or None,
                             ip=_client_ip())
    if done.ok:
        flash(_("The trainer may now record workshops of this course."), "success")
    return redirect(url_for(".person", user_id=user_id))


@bp.post("/<ldp_id:user_id>/assignments/<ldp_id:assignment_id>/remove")
@roles_required(*MANAGERS)
def unassign(user_id: int, assignment_id: int):  # type: ignore[no-untyped-def]
    found = _person_in_scope(user_id)
    with step() as done:
        roles.unassign_trainer(found, assignment_id, actor=who, ip=_client_ip())
    if done.ok:
        flash(_("The assignment was removed."), "success")
    return redirect(url_for(".person", user_id=user_id))


@bp.post("/<ldp_id:user_id>/anonymise")
@roles_required(Role.ADMIN)
def anonymise(user_id: int):  # type: ignore[no-untyped-def]
    found = get_session().get(User, user_id)
    if found is None:
        abort(404)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm."), "error")
        return redirect(url_for(".person", user_id=user_id))
    with step() as done:
        privacy.anonymise(found, who)
    if done.ok:
        flash(_("The account has been anonymised; its results still count for its "
                "organisation."), "success")
    return redirect(url_for(".person", user_id=user_id))


@bp.route("/import", methods=["GET", "POST"])
@params.accepts_upload("LDPTRAIN_MAX_UPLOAD_BYTES")
@roles_required(*MANAGERS)
def bulk_import():  # type: ignore[no-untyped-def]
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        name = upload.filename or "upload.csv"
        with step(show=False) as done:
            text = user_import.decode(upload.read(), name)
            result = user_import.import_users(text, name, actor=who,
                                              language=who.language,
                                              ip=request.remote_addr or "")
        if isinstance(done.error, user_import.ImportFailed):
            problems = done.error.problems
        else:
            user_import.send_invitations(result.created)  # stored with the accounts
            if mail.configured():
                flash(_("%(n)s accounts created. Each person will be e-mailed a link to choose "
                        "a password.", n=result.accepted), "success")
            else:
                flash(_("%(n)s accounts created. No mail server is configured, so the password "
                        "links were not e-mailed: an administrator finds them in the outbox.",
                        n=result.accepted), "warning")
            return redirect(url_for(".index"))
    return render_template("ldptrain/people/import.html", form=form, problems=problems,
                           columns=user_import.COLUMNS, roles=sorted(user_import.ROLES))
