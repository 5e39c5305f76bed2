"""Plain keyset-paginated lists for the API: organisations in scope, and the certificates issued
under them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ...access import Scope
from ...db import session
from ...models import Certificate, Course, Organisation, User
from .filters import Filters, authorise, organisation_where

STATUSES = ("valid", "revoked", "superseded")


def certificate_page(scope: Scope, filters: Filters, *, status: str | None = None,
                     after: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Up to `limit` certificates with id > `after`, oldest id first."""
    authorise(scope, filters)
    query = (select(Certificate, User.name_th, User.name_en, Course.slug, Organisation.code)
             .join(Organisation, Organisation.id == Certificate.organisation_id)
             .join(User, User.id == Certificate.user_id)
             .outerjoin(Course, Course.id == Certificate.course_id)
             .where(*organisation_where(scope, filters)))
    if filters.course_id is not None:
        query = query.where(Certificate.course_id == filters.course_id)
    if status is not None:
        query = query.where(Certificate.status == status)
    if after is not None:
        query = query.where(Certificate.id > after)
    rows = session.execute(query.order_by(Certificate.id).limit(limit))
    return [{"id": c.id, "serial": c.serial, "kind": c.kind, "status": c.status,
             "user_id": c.user_id, "name_th": th, "name_en": en, "course": slug,
             "organisation_id": c.organisation_id, "organisation_code": code,
             "completed_at": c.completed_at, "issued_at": c.issued_at,
             "expires_at": c.expires_at, "revoked_at": c.revoked_at}
            for c, th, en, slug, code in rows]


def organisation_page(scope: Scope, filters: Filters, *, after: int | None = None,
                      limit: int = 100) -> list[dict[str, Any]]:
    """Up to `limit` organisations in scope with id > `after`, by id."""
    authorise(scope, filters)
    query = select(Organisation).where(*organisation_where(scope, filters))
    if after is not None:
        query = query.where(Organisation.id > after)
    return [{"id": o.id, "code": o.code, "name_th": o.name_th, "name_en": o.name_en,
             "type": o.type, "province_code": o.province_code, "active": o.active}
            for o in session.scalars(query.order_by(Organisation.id).limit(limit))]
