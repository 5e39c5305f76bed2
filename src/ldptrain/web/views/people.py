"""People: confirming claims to an organisation, the people in one's scope, bulk accounts from
CSV, and anonymising a departed user (admins)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ...db import get_session
from ...i18n import gettext as _
from ...models import Membership, Role, User
from ...services import mail, membership, privacy, user_import
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
    page = max(request.args.get("page", 1, type=int) or 1, 1)
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


@bp.post("/memberships/<int:membership_id>/confirm")
@roles_required(*MANAGERS)
def confirm(membership_id: int):  # type: ignore[no-untyped-def]
    return _decide(membership_id, True)


@bp.post("/memberships/<int:membership_id>/reject")
@roles_required(*MANAGERS)
def reject(membership_id: int):  # type: ignore[no-untyped-def]
    return _decide(membership_id, False)


@bp.get("/<int:user_id>")
@roles_required(*MANAGERS)
def person(user_id: int):  # type: ignore[no-untyped-def]
    found = get_session().get(User, user_id)
    if found is None or not membership.can_see_person(who, found):
        abort(404)
    return render_template("ldptrain/people/person.html", person=found,
                           history=membership.history(found),
                           kept=privacy.counts_for_user(found),
                           can_anonymise=who.has_role(Role.ADMIN)
                           and found.id != who.id and found.anonymised_at is None)


@bp.post("/<int:user_id>/anonymise")
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
@roles_required(Role.COORDINATOR, Role.ADMIN)
def bulk_import():  # type: ignore[no-untyped-def]
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        name = upload.filename or "upload.csv"
        with step(show=False) as done:
            text = user_import.decode(upload.read(), name)
            result = user_import.import_users(text, name, actor=who,
                                              language=who.language)
        if isinstance(done.error, user_import.ImportFailed):
            problems = done.error.problems
        else:
            user_import.send_invitations(result.created)  # stored with the accounts
            if mail.configured():
                flash(_("%(n)s accounts created. Each person will be e-mailed a link to choose "
                        "a password.", n=len(result.created)), "success")
            else:
                flash(_("%(n)s accounts created. No mail server is configured, so the password "
                        "links were not e-mailed: an administrator finds them in the outbox.",
                        n=len(result.created)), "warning")
            return redirect(url_for(".index"))
    return render_template("ldptrain/people/import.html", form=form, problems=problems,
                           columns=user_import.COLUMNS, roles=sorted(user_import.ROLES))
