"""Granting and removing roles, and trainers' course assignments. The rules are in
``access.may_grant`` / ``access.may_assign_trainers``; every change is audit-logged with who,
when and from where (``ip``: the caller passes the client's address, "" from the command line)."""

from __future__ import annotations

from sqlalchemy import select

from .. import access
from ..db import session
from ..i18n import lazy_gettext as _l
from ..models import Course, Organisation, Province, Role, RoleAssignment, TrainerAssignment, User
from .accounts import AccountError
from .audit import record

ROLE_LABELS = {Role.TRAINEE: _l("Trainee"), Role.TRAINER: _l("Trainer"),
               Role.COORDINATOR: _l("Coordinator"),
               Role.PROVINCIAL_OFFICER: _l("Provincial officer"), Role.ADMIN: _l("Administrator")}


class GrantRefused(AccountError):
    """The actor may not make this change (the message says why)."""


def role_label(role: str) -> str:
    label = ROLE_LABELS.get(Role(role)) if role in Role.__members__.values() else None
    return str(label) if label else role


def check_grant(actor: User | None, role: Role | str, organisation: Organisation | None) -> None:
    if not access.may_grant(actor, role, organisation):
        if role == Role.TRAINEE:
            raise GrantRefused(_l("You may only create trainees of organisations in your "
                                  "scope."))
        raise GrantRefused(_l("Only an administrator can give the role “%(role)s”.",
                              role=role_label(str(role))))


def grant_role(person: User, role: Role, *, actor: User | None, province_code: str | None = None,
               ip: str = "") -> RoleAssignment:
    """Give ``person`` a role. A coordinator coordinates their current organisation; a
    provincial officer needs ``province_code``."""
    organisation = session.get(Organisation, person.organisation_id) \
        if person.organisation_id else None
    check_grant(actor, role, organisation)
    organisation_id = None
    if role == Role.COORDINATOR:
        if organisation is None:
            raise GrantRefused(_l("A coordinator needs an organisation: this person has none."))
        organisation_id = organisation.id
    if role == Role.PROVINCIAL_OFFICER:
        if not province_code or session.get(Province, province_code) is None:
            raise GrantRefused(_l("Choose the province this officer works for."))
    else:
        province_code = None
    for held in person.roles:
        if (held.role == role and held.organisation_id == organisation_id
                and held.province_code == province_code):
            raise GrantRefused(_l("This person already has that role."))
    assignment = RoleAssignment(role=role, organisation_id=organisation_id,
                                province_code=province_code)
    person.roles.append(assignment)
    session.flush()
    record("role.grant", actor=actor, target=person, organisation_id=organisation_id, ip=ip,
           details={"role": str(role), "province_code": province_code})
    return assignment


def remove_role(person: User, assignment_id: int, *, actor: User | None, ip: str = "") -> None:
    """Take a staff role away (admins). Nobody removes their own admin role: a locked-out
    country is not recoverable from the web."""
    if not access.may_assign_trainers(actor):  # the same authority: admins
        raise GrantRefused(_l("Only an administrator can remove roles."))
    found = next((r for r in person.roles if r.id == assignment_id), None)
    if found is None or found.role == Role.TRAINEE:
        raise GrantRefused(_l("That role cannot be removed here."))
    if actor is not None and actor.id == person.id and found.role == Role.ADMIN:
        raise GrantRefused(_l("You cannot remove your own administrator role."))
    person.roles.remove(found)
    if found.role == Role.TRAINER:
        for row in assignments_of(person):
            session.delete(row)
    session.flush()
    record("role.remove", actor=actor, target=person, organisation_id=found.organisation_id,
           ip=ip, details={"role": found.role, "province_code": found.province_code})


# --- trainer assignments --------------------------------------------------------------------
def assignments_of(person: User) -> list[TrainerAssignment]:
    return list(session.scalars(select(TrainerAssignment).where(
        TrainerAssignment.user_id == person.id).order_by(TrainerAssignment.id)))


def assign_trainer(person: User, course: Course, *, actor: User | None,
                   province_code: str | None = None, ip: str = "") -> TrainerAssignment:
    """Let a trainer record workshops of ``course`` (in one province, or anywhere)."""
    if not access.may_assign_trainers(actor):
        raise GrantRefused(_l("Only an administrator can assign trainers."))
    if not person.has_role(Role.TRAINER):
        raise GrantRefused(_l("Give this person the trainer role first."))
    province_code = province_code or None
    if province_code is not None and session.get(Province, province_code) is None:
        raise GrantRefused(_l("Unknown province."))
    for row in assignments_of(person):
        # NULL never equals NULL in a unique constraint, so "anywhere" is checked here.
        if row.course_id == course.id and row.province_code == province_code:
            raise GrantRefused(_l("This trainer already has that assignment."))
    row = TrainerAssignment(user_id=person.id, course_id=course.id, province_code=province_code,
                            created_by_id=actor.id if actor is not None else None)
    session.add(row)
    session.flush()
    record("trainer.assign", actor=actor, target=person, ip=ip,
           details={"course": course.slug, "province_code": province_code})
    return row


def unassign_trainer(person: User, assignment_id: int, *, actor: User | None,
                     ip: str = "") -> None:
    if not access.may_assign_trainers(actor):
        raise GrantRefused(_l("Only an administrator can assign trainers."))
    row = session.get(TrainerAssignment, assignment_id)
    if row is None or row.user_id != person.id:
        raise GrantRefused(_l("That assignment does not exist."))
    course = session.get(Course, row.course_id)
    session.delete(row)
    session.flush()
    record("trainer.unassign", actor=actor, target=person, ip=ip,
           details={"course": course.slug if course else row.course_id,
                    "province_code": row.province_code})


def provinces() -> list[Province]:
    return list(session.scalars(select(Province).order_by(Province.name_th)))


def assignment_rows(person: User) -> list[tuple[TrainerAssignment, Course, Province | None]]:
    """A trainer's assignments with their course and province, for the person page."""
    rows = session.execute(
        select(TrainerAssignment, Course, Province)
        .join(Course, Course.id == TrainerAssignment.course_id)
        .outerjoin(Province, Province.code == TrainerAssignment.province_code)
        .where(TrainerAssignment.user_id == person.id).order_by(Course.order, Course.id))
    return [(a, c, p) for a, c, p in rows]
