"""Membership of organisations: claims, confirmation, rejection and transfers (โอนย้าย).

A self-registered trainee's claim is PENDING until a confirmer (the organisation's coordinator,
or a provincial officer where it has none: ``access.membership_confirmers``) confirms it. Only
then do their results count for the organisation: enrolments made while the claim was pending
get the organisation, and ``User.organisation_id`` follows the confirmed membership. A transfer
is a new claim; the old membership ends when the new one is confirmed, and enrolments made
under the old organisation keep it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, func, or_, select, update

from .. import access
from ..db import session, utcnow
from ..i18n import gettext as _
from ..models import (
    Certificate,
    Enrolment,
    Membership,
    MembershipStatus,
    Organisation,
    Role,
    RoleAssignment,
    User,
)
from ..thai import nfc
from .audit import record
from .errors import ServiceError


class MembershipError(ServiceError, ValueError):
    """The request does not fit the membership's state; the message is for people."""


class NotAllowed(PermissionError):
    """The actor may not decide on this membership (the view answers 403)."""


def current_membership(user: User) -> Membership | None:
    return session.scalar(
        select(Membership).where(Membership.user_id == user.id,
                                 Membership.status == MembershipStatus.CONFIRMED)
        .order_by(Membership.confirmed_at.desc()).limit(1))


def pending_membership(user: User) -> Membership | None:
    return session.scalar(
        select(Membership).where(Membership.user_id == user.id,
                                 Membership.status == MembershipStatus.PENDING)
        .order_by(Membership.started_at.desc()).limit(1))


def history(user: User) -> list[Membership]:
    return list(session.scalars(select(Membership).where(Membership.user_id == user.id)
                                .order_by(Membership.started_at, Membership.id)))


def request_membership(user: User, organisation: Organisation, *,
                       actor: User | None = None) -> Membership:
    """A claim to belong to ``organisation`` (sign-up or transfer); replaces an earlier pending
    claim of the same person."""
    if not organisation.active:
        raise MembershipError(_("Choose your organisation from the list."))
    current = current_membership(user)
    if current is not None and current.organisation_id == organisation.id:
        raise MembershipError(_("You are already a member of this organisation."))
    now = utcnow()
    for old in session.scalars(select(Membership).where(
            Membership.user_id == user.id, Membership.status == MembershipStatus.PENDING)):
        old.status = MembershipStatus.ENDED  # withdrawn in favour of the new claim
        old.ended_at = now
    claim = Membership(user_id=user.id, organisation_id=organisation.id,
                       status=MembershipStatus.PENDING, started_at=now)
    session.add(claim)
    session.flush()
    action = "membership.transfer_request" if current is not None else "membership.request"
    record(action, actor=actor or user, target=claim, organisation_id=organisation.id,
           details={"user_id": user.id,
                    "from_organisation_id": current.organisation_id if current else None})
    return claim


def withdraw(user: User) -> None:
    """The trainee cancels their own pending claim."""
    claim = pending_membership(user)
    if claim is None:
        raise MembershipError(_("There is no request waiting."))
    claim.status = MembershipStatus.ENDED
    claim.ended_at = utcnow()
    record("membership.withdraw", actor=user, target=claim,
           organisation_id=claim.organisation_id)


def _decidable(membership: Membership, actor: User) -> None:
    if not access.can_confirm_membership(actor, membership.organisation):
        raise NotAllowed("not a confirmer of this organisation")
    if membership.status != MembershipStatus.PENDING:
        raise MembershipError(_("This request has already been decided."))


def _end_confirmed(user_id: int, now: object) -> None:
    for old in session.scalars(select(Membership).where(
            Membership.user_id == user_id, Membership.status == MembershipStatus.CONFIRMED)):
        old.status = MembershipStatus.ENDED
        old.ended_at = now  # type: ignore[assignment]


def confirm(membership: Membership, actor: User) -> int:
    """Confirm a claim; returns how many enrolments now count for the organisation."""
    _decidable(membership, actor)
    return _make_current(membership, actor)


def _make_current(membership: Membership, actor: User | None) -> int:
    now = utcnow()
    user = session.get(User, membership.user_id)
    assert user is not None
    _end_confirmed(user.id, now)
    membership.status = MembershipStatus.CONFIRMED
    membership.confirmed_at = now
    membership.confirmed_by_id = actor.id if actor is not None else None
    user.organisation_id = membership.organisation_id
    # Results from while the claim was pending, not yet counted anywhere, count here now.
    enrolment_ids = list(session.scalars(select(Enrolment.id).where(
        Enrolment.user_id == user.id, Enrolment.organisation_id.is_(None),
        Enrolment.enrolled_at >= membership.started_at)))
    if enrolment_ids:
        session.execute(update(Enrolment).where(Enrolment.id.in_(enrolment_ids))
                        .values(organisation_id=membership.organisation_id))
    session.execute(
        update(Certificate).where(
            Certificate.user_id == user.id, Certificate.organisation_id.is_(None),
            or_(Certificate.enrolment_id.in_(enrolment_ids or [-1]),
                (Certificate.enrolment_id.is_(None)
                 & (Certificate.issued_at >= membership.started_at))))
        .values(organisation_id=membership.organisation_id)
        .execution_options(synchronize_session="fetch"))
    session.flush()
    record("membership.confirm", actor=actor, target=membership,
           organisation_id=membership.organisation_id,
           details={"user_id": user.id, "enrolments_attributed": len(enrolment_ids)})
    return len(enrolment_ids)


def reject(membership: Membership, actor: User) -> None:
    _decidable(membership, actor)
    membership.status = MembershipStatus.REJECTED
    membership.ended_at = utcnow()
    membership.confirmed_by_id = actor.id  # who decided
    record("membership.reject", actor=actor, target=membership,
           organisation_id=membership.organisation_id, details={"user_id": membership.user_id})


def add_confirmed(user: User, organisation: Organisation, actor: User | None) -> Membership:
    """A membership that needs no claim: accounts created in bulk by a coordinator or admin."""
    claim = Membership(user_id=user.id, organisation_id=organisation.id,
                       status=MembershipStatus.PENDING, started_at=utcnow())
    session.add(claim)
    session.flush()
    _make_current(claim, actor)
    return claim


# --- what a confirmer sees ----------------------------------------------------------------
def confirmable_organisation_ids(viewer: User, organisation_ids: Iterable[int]) -> set[int]:
    """Of these organisations, those whose claims ``viewer`` may decide (one query, not one per
    row; the same rule as ``access.membership_confirmers``)."""
    ids = set(organisation_ids)
    if not ids or not viewer.is_active:
        return set()
    if viewer.has_role(Role.ADMIN):
        return ids
    own = {r.organisation_id for r in viewer.roles
           if r.role == Role.COORDINATOR and r.organisation_id in ids}
    provinces = {r.province_code for r in viewer.roles
                 if r.role == Role.PROVINCIAL_OFFICER and r.province_code}
    if provinces:
        with_coordinator = set(session.scalars(
            select(RoleAssignment.organisation_id).join(User).where(
                RoleAssignment.role == Role.COORDINATOR, User.active.is_(True),
                RoleAssignment.organisation_id.in_(sorted(ids)))))
        in_province = set(session.scalars(select(Organisation.id).where(
            Organisation.id.in_(sorted(ids)),
            Organisation.province_code.in_(sorted(provinces)))))
        own |= in_province - with_coordinator
    return own


def pending_in_scope(viewer: User, limit: int = 200) -> list[Membership]:
    scope = access.scope_for(viewer)
    if scope.empty:
        return []
    stmt = (select(Membership).join(Organisation, Membership.organisation_id == Organisation.id)
            .where(Membership.status == MembershipStatus.PENDING, scope.organisation_clause())
            .order_by(Membership.started_at).limit(limit))
    return list(session.scalars(stmt))


def _people_query(viewer: User, query: str) -> Select[User] | None:
    scope = access.scope_for(viewer)
    if scope.empty:
        return None
    stmt = (select(User).join(Organisation, User.organisation_id == Organisation.id)
            .where(scope.organisation_clause(), User.anonymised_at.is_(None)))
    q = nfc(query.strip())
    if q:
        pattern = f"%{q}%"
        stmt = stmt.where(User.name_th.ilike(pattern) | User.name_en.ilike(pattern)
                          | User.email.ilike(pattern) | Organisation.name_th.ilike(pattern)
                          | Organisation.code.ilike(pattern))
    return stmt


def people_in_scope(viewer: User, query: str = "", *, limit: int = 50,
                    offset: int = 0) -> tuple[list[User], int]:
    """People whose current organisation the viewer may see, and how many there are."""
    stmt = _people_query(viewer, query)
    if stmt is None:
        return [], 0
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.order_by(Organisation.name_th, User.name_th, User.id)
                           .limit(limit).offset(offset))
    return list(rows), total


def people_by_id(ids: Iterable[int]) -> dict[int, User]:
    """Users by id in one query (the claimants listed on the people page)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def can_see_person(viewer: User, person: User) -> bool:
    """Their current organisation is in scope, or they have a claim waiting in scope."""
    if access.can_view_user(viewer, person):
        return True
    scope = access.scope_for(viewer)
    claim = pending_membership(person)
    return claim is not None and scope.covers(claim.organisation)
