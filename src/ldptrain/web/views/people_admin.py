"""Administrators manage accounts from the person page: roles, a new invitation or a reset link
(through the outbox), deactivate and reactivate; and the staff list by role. Routes join the
people blueprint (/people/...)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ...db import get_session
from ...i18n import gettext as _
from ...models import Role, User
from ...services import account_admin, mail, roles
from ..signed_in import roles_required, who
from ..transaction import step
from .people import bp


def role_labels() -> dict[str, str]:
    return {role.value: roles.role_label(role) for role in Role}


def _person(user_id: int) -> User:
    found = get_session().get(User, user_id)
    if found is None:
        abort(404)
    return found


def _back(user_id: int):  # type: ignore[no-untyped-def]
    return redirect(url_for(".person", user_id=user_id))



@bp.post("/<ldp_id:user_id>/link")
@roles_required(Role.ADMIN)
def send_link(user_id: int):  # type: ignore[no-untyped-def]
    person = _person(user_id)
    purpose = "welcome" if request.form.get("purpose") == "welcome" else "reset"
    with step() as done:
        account_admin.send_link(person, who, purpose)
    if done.ok:
        if not mail.configured():
            flash(_("No mail server is configured: the link is waiting in the mail outbox. "
                    "Hand it to %(email)s yourself.", email=person.email), "warning")
        elif purpose == "welcome":
            flash(_("A new invitation has been sent to %(email)s.", email=person.email),
                  "success")
        else:
            flash(_("A password reset link has been sent to %(email)s.", email=person.email),
                  "success")
    return _back(user_id)


@bp.post("/<ldp_id:user_id>/deactivate")
@roles_required(Role.ADMIN)
def deactivate(user_id: int):  # type: ignore[no-untyped-def]
    person = _person(user_id)
    with step() as done:
        account_admin.deactivate(person, who)
    if done.ok:
        flash(_("The account has been deactivated and signed out everywhere."), "success")
    return _back(user_id)


@bp.post("/<ldp_id:user_id>/reactivate")
@roles_required(Role.ADMIN)
def reactivate(user_id: int):  # type: ignore[no-untyped-def]
    person = _person(user_id)
    with step() as done:
        account_admin.reactivate(person, who)
    if done.ok:
        flash(_("The account has been reactivated."), "success")
    return _back(user_id)


@bp.get("/staff")
@roles_required(Role.ADMIN)
def staff():  # type: ignore[no-untyped-def]
    role = request.args.get("role", "")
    if role not in {r.value for r in Role} or role == Role.TRAINEE:
        role = ""
    return render_template("ldptrain/people/staff.html", staff=account_admin.staff(role),
                           role=role, role_labels=role_labels())
