"""Personal data (PDPA, B.E. 2562): what we hold about a person, and anonymising a departed user.

The export finds every table that points at the user by a ``user_id`` column, so a table added
later (by any area) shows up without changes here; progress and answers are reached through the
user's enrolments and attempts. Anonymisation replaces the identifying fields and closes the
account but keeps enrolments, completions and certificates with the organisation they counted
for, so figures per organisation do not change.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Table, inspect, or_, select

from ..db import Base, session, utcnow
from ..i18n import gettext as _
from ..models import (
    AssessmentAttempt,
    AttemptAnswer,
    AuditEvent,
    Enrolment,
    Membership,
    MembershipStatus,
    ModuleProgress,
    User,
    new_session_token,
)
from . import mail, sessions
from .audit import record
from .errors import ServiceError

#: Never shown or exported: secrets, not personal data about the person (also any ``*_hash``).
HIDDEN = {"password_hash", "session_token", "signature"}
#: Sections listed first, in this order, under these keys; other tables follow by table name.
KNOWN = {"ldp_membership": "memberships", "ldp_role_assignment": "roles",
         "ldp_enrolment": "enrolments", "ldp_assessment_attempt": "attempts",
         "ldp_certificate": "certificates"}


class PrivacyError(ServiceError, ValueError):
    pass


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _row(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {attr.key: _plain(getattr(obj, attr.key)) for attr in mapper.column_attrs
            if attr.key not in HIDDEN and not attr.key.endswith("_hash")}


def _user_tables() -> list[tuple[str, type[Any]]]:
    """Mapped classes with a ``user_id`` foreign key to the user table."""
    found = []
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        if not isinstance(table, Table):
            continue
        column = table.c.get("user_id")
        if column is None or not any(fk.column.table.name == User.__tablename__
                                     for fk in column.foreign_keys):
            continue
        found.append((table.name, mapper.class_))
    order = list(KNOWN)
    return sorted(found, key=lambda t: (order.index(t[0]) if t[0] in order else len(order), t[0]))


def export(user: User) -> dict[str, Any]:
    """Everything stored about ``user``, as JSON-ready data."""
    data: dict[str, Any] = {"profile": _row(user)}
    for table, cls in _user_tables():
        rows = session.scalars(select(cls).where(cls.user_id == user.id)
                               .order_by(*inspect(cls).primary_key))
        data[KNOWN.get(table, table.removeprefix("ldp_"))] = [_row(r) for r in rows]
    enrolment_ids = [e["id"] for e in data.get("enrolments", [])]
    attempt_ids = [a["id"] for a in data.get("attempts", [])]
    data["module_progress"] = [_row(p) for p in session.scalars(
        select(ModuleProgress).where(ModuleProgress.enrolment_id.in_(enrolment_ids or [-1]))
        .order_by(ModuleProgress.id))]
    data["answers"] = [_row(a) for a in session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(attempt_ids or [-1]))
        .order_by(AttemptAnswer.id))]
    data["activity"] = [_row(e) for e in session.scalars(
        select(AuditEvent).where(or_(
            AuditEvent.actor_id == user.id,
            (AuditEvent.target_type == "user") & (AuditEvent.target_id == str(user.id))))
        .order_by(AuditEvent.at, AuditEvent.id))]
    data["exported_at"] = utcnow().isoformat()
    return data


def export_download(user: User) -> dict[str, Any]:
    """The export, with a note in the audit log that the person took a copy."""
    record("privacy.export", actor=user, target=user)
    return export(user)


def placeholder_name(user_id: int) -> tuple[str, str]:
    return f"ผู้ใช้ที่ลบข้อมูลแล้ว #{user_id}", f"Deleted user #{user_id}"


def anonymise(user: User, actor: User) -> None:
    """Replace name, e-mail and position, clear the password and close every session; keep
    results and their organisation so aggregate figures stay right."""
    if user.anonymised_at is not None:
        raise PrivacyError(_("This account has already been anonymised."))
    if user.id == actor.id:
        raise PrivacyError(_("You cannot anonymise your own account."))
    now = utcnow()
    mail.forget_user(user, user.email)  # stored messages hold the name, address and links
    user.name_th, user.name_en = placeholder_name(user.id)
    user.email = f"deleted-{user.id}@anonymised.invalid"
    user.position = ""
    user.password_hash = ""
    # Unique and never given out, so no cookie or link can match it again.
    user.session_token = "x-" + new_session_token()
    sessions.end_all_for_user(user.id)
    user.active = False
    user.anonymised_at = now
    for claim in session.scalars(select(Membership).where(
            Membership.user_id == user.id, Membership.status == MembershipStatus.PENDING)):
        claim.status = MembershipStatus.ENDED
        claim.ended_at = now
    session.flush()
    # No personal data in the log entry: the id is enough to tie it to the account.
    record("user.anonymise", actor=actor, target=user, organisation_id=user.organisation_id)


def counts_for_user(user: User) -> dict[str, int]:
    """How many records the anonymisation keeps (shown before an admin confirms)."""
    enrolments = session.scalars(select(Enrolment.id).where(Enrolment.user_id == user.id)).all()
    attempts = session.scalars(select(AssessmentAttempt.id)
                               .where(AssessmentAttempt.user_id == user.id)).all()
    return {"enrolments": len(enrolments), "attempts": len(attempts)}
