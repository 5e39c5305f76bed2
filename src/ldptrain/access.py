"""Who may see what, who may grant what, who may record completion: in one place.

Every query that lists people, progress or certificates takes its WHERE clause from a Scope, so a
coordinator sees their organisation, a provincial officer their province, an admin the country.

Granting roles (`may_grant`, the only rule; docs/security-roles.md):
- an admin grants any role: trainer, coordinator, provincial officer, admin (staff roles);
- a coordinator creates and confirms trainees of their own organisation only;
- a provincial officer does so for the organisations of their province;
- nobody else grants anything. The command line (actor None) acts with an admin's authority:
  whoever runs it already holds the database and the keys.

Recording workshop (blended) completion (`completion_scope`): an admin for anyone; a trainer
assigned to the course (ldp_trainer_assignment) for trainees whose confirmed organisation is in
one of the assignment's provinces, or anywhere when an assignment names no province.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false, select, true
from werkzeug.local import LocalProxy

from .db import session
from .models import Organisation, Role, User


@dataclass(frozen=True)
class Scope:
    """What a user may read: the whole country, some provinces, some organisations, or nothing."""

    country: bool = False
    province_codes: frozenset[str] = field(default_factory=frozenset)
    organisation_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.country or self.province_codes or self.organisation_ids)

    def organisation_clause(self) -> ColumnElement[bool]:
        """A WHERE clause on Organisation (join it into the query)."""
        if self.country:
            return true()
        clauses = []
        if self.province_codes:
            clauses.append(Organisation.province_code.in_(sorted(self.province_codes)))
        if self.organisation_ids:
            clauses.append(Organisation.id.in_(sorted(self.organisation_ids)))
        if not clauses:
            return false()
        clause = clauses[0]
        for extra in clauses[1:]:
            clause = clause | extra
        return clause

    def covers(self, organisation: Organisation | None) -> bool:
        if organisation is None:
            return self.country
        return (self.country or organisation.province_code in self.province_codes
                or organisation.id in self.organisation_ids)

    def covers_province(self, province_code: str) -> bool:
        return self.country or province_code in self.province_codes


def scope_for(user: User) -> Scope:
    """The organisations whose records a user may read (beyond their own)."""
    if not user.is_authenticated or not user.is_active:
        return Scope()
    if user.has_role(Role.ADMIN):
        return Scope(country=True)
    provinces = {r.province_code for r in user.roles
                 if r.role == Role.PROVINCIAL_OFFICER and r.province_code}
    orgs = {r.organisation_id for r in user.roles
            if r.role == Role.COORDINATOR and r.organisation_id}
    return Scope(province_codes=frozenset(provinces), organisation_ids=frozenset(orgs))


#: Roles only an admin grants.
STAFF_ROLES: tuple[Role, ...] = (Role.TRAINER, Role.COORDINATOR, Role.PROVINCIAL_OFFICER,
                                 Role.ADMIN)


def may_grant(actor: User | None, role: Role | str,
              organisation: Organisation | None = None) -> bool:
    """May ``actor`` give ``role`` to a person of ``organisation`` (their confirmed one, or the
    one an account is being created in)? ``actor`` None is the command line."""
    if actor is None:
        return True
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.has_role(Role.ADMIN):
        return role in (Role.TRAINEE, *STAFF_ROLES)
    if role != Role.TRAINEE or organisation is None:
        return False
    # Coordinators: their organisation; provincial officers: their province's organisations.
    return scope_for(actor).covers(organisation)


def grantable_roles(actor: User | None) -> tuple[Role, ...]:
    """What ``actor`` may give at all (for forms; `may_grant` decides each case)."""
    if actor is None or actor.has_role(Role.ADMIN):
        return (Role.TRAINEE, *STAFF_ROLES)
    if follows_organisations(actor):
        return (Role.TRAINEE,)
    return ()


def may_assign_trainers(actor: User | None) -> bool:
    """Trainer assignments are staff grants: admins (and the command line) only."""
    return actor is None or (actor.is_active and actor.has_role(Role.ADMIN))


def completion_scope(actor: User, course_id: int) -> Scope:
    """Whose workshop completion of a course ``actor`` may record (see the module docstring)."""
    from .models import TrainerAssignment

    if not actor.is_authenticated or not actor.is_active:
        return Scope()
    if actor.has_role(Role.ADMIN):
        return Scope(country=True)
    if not actor.has_role(Role.TRAINER):
        return Scope()
    provinces = list(session.scalars(select(TrainerAssignment.province_code).where(
        TrainerAssignment.user_id == actor.id, TrainerAssignment.course_id == course_id)))
    if not provinces:
        return Scope()
    if any(code is None for code in provinces):
        return Scope(country=True)
    return Scope(province_codes=frozenset(c for c in provinces if c))


def assigned_course_ids(actor: User) -> set[int] | None:
    """Courses ``actor`` may record workshops for: None means every course (admins)."""
    from .models import TrainerAssignment

    if actor.has_role(Role.ADMIN):
        return None
    if not actor.has_role(Role.TRAINER):
        return set()
    return set(session.scalars(select(TrainerAssignment.course_id).where(
        TrainerAssignment.user_id == actor.id)))


def can_view_user(viewer: User, person: User) -> bool:
    """Oneself always; others when their current organisation is in the viewer's scope."""
    if viewer.id == person.id:
        return True
    return scope_for(viewer).covers(person.organisation)


def membership_confirmers(organisation: Organisation) -> list[User]:
    """Who confirms a claim to an organisation: its coordinators, else the province's officers."""
    from .models import RoleAssignment

    coordinators = list(session.scalars(
        select(User).join(RoleAssignment).where(
            RoleAssignment.role == Role.COORDINATOR,
            RoleAssignment.organisation_id == organisation.id, User.active.is_(True))))
    if coordinators:
        return coordinators
    return list(session.scalars(
        select(User).join(RoleAssignment).where(
            RoleAssignment.role == Role.PROVINCIAL_OFFICER,
            RoleAssignment.province_code == organisation.province_code,
            User.active.is_(True))))


def can_confirm_membership(viewer: User, organisation: Organisation) -> bool:
    if viewer.has_role(Role.ADMIN):
        return True
    return any(u.id == viewer.id for u in membership_confirmers(organisation))


def _roles_of(user: Any) -> set[str]:
    """The user's role names; templates pass Flask-Login's proxy, so resolve it once."""
    if isinstance(user, LocalProxy):
        user = user._get_current_object()
    if not user.is_authenticated:
        return set()
    return {str(r.role) for r in user.roles}


def follows_organisations(user: User) -> bool:
    """Coordinators, provincial officers and admins: people, dashboards, expiring certificates."""
    return not _roles_of(user).isdisjoint(
        (Role.COORDINATOR, Role.PROVINCIAL_OFFICER, Role.ADMIN))


def records_workshops(user: User) -> bool:
    """Trainers and admins record in-person (blended) workshops."""
    return not _roles_of(user).isdisjoint((Role.TRAINER, Role.ADMIN))
