"""What an administrator does to someone else's account: send them a password link (a new
invitation or a reset), deactivate and reactivate, and list the staff by role. Role changes are
in `services/roles.py` (the grant rules in access.may_grant). Every action is audit-logged; the
caller commits (a view's request, a command)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..db import session
from ..i18n import gettext as _
from ..models import Role, RoleAssignment, User
from . import sessions
from .accounts import AccountError, send_password_link
from .audit import record


def _require_admin(actor: Any) -> None:
    if not actor.has_role(Role.ADMIN):
        raise AccountError(_("Only an administrator may do this."))


def send_link(user: User, actor: Any, purpose: str = "reset") -> str:
    """Queue a password link for ``user`` in the outbox: ``welcome`` (a new invitation, 7
    days) or ``reset`` (1 hour). Returns the link. Links already sent keep working until the
    password is set."""
    _require_admin(actor)
    if not user.is_active:
        raise AccountError(_("This account is deactivated: reactivate it first."))
    link = send_password_link(user, "welcome" if purpose == "welcome" else "reset")
    record("user.invitation_resend" if purpose == "welcome" else "user.reset_link_sent",
           actor=actor, target=user, organisation_id=user.organisation_id)
    return link


def deactivate(user: User, actor: Any) -> int:
    """The person can no longer sign in; every session of theirs ends now. Their records stay.
    Returns how many sessions ended."""
    _require_admin(actor)
    if user.id == actor.id:
        raise AccountError(_("You cannot deactivate your own account."))
    if not user.active:
        return 0
    user.active = False
    ended = sessions.end_all_for_user(user.id)
    record("user.deactivate", actor=actor, target=user, organisation_id=user.organisation_id,
           details={"sessions_ended": ended})
    return ended


def reactivate(user: User, actor: Any) -> None:
    """The person may sign in again with their password (an anonymised account stays closed)."""
    _require_admin(actor)
    if user.anonymised_at is not None:
        raise AccountError(_("An anonymised account cannot be reactivated."))
    if user.active:
        return
    user.active = True
    record("user.reactivate", actor=actor, target=user, organisation_id=user.organisation_id)


def staff(role: str = "") -> list[tuple[User, list[RoleAssignment]]]:
    """Everyone holding a staff role (or the one ``role``), with those assignments."""
    wanted = [Role(role)] if role in {r.value for r in Role} and role != Role.TRAINEE else \
        [r for r in Role if r != Role.TRAINEE]
    rows = session.execute(
        select(User, RoleAssignment).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role.in_(wanted))
        .order_by(User.name_th, User.id, RoleAssignment.role)).all()
    found: dict[int, tuple[User, list[RoleAssignment]]] = {}
    for user, assignment in rows:
        found.setdefault(user.id, (user, []))[1].append(assignment)
    return list(found.values())
