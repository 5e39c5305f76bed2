"""What a report is about (course, province, organisation, view) and whether the reader may see it.

Every report query starts from `organisation_where(scope, filters)`: the reader's Scope
(access.scope_for) intersected with the filters, so no report, export or API call can reach an
organisation outside the scope whatever its URL says.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, Select, and_, select

from ...access import Scope
from ...db import MAX_ID, session
from ...models import (
    Course,
    Enrolment,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationType,
    Province,
)

ATTRIBUTION = "attribution"  # each enrolment under the organisation it happened under
STAFF = "staff"  # today's confirmed members of an organisation, wherever they learned
VIEWS = (ATTRIBUTION, STAFF)


GROUPS = ("province", "type", "organisation")
#: A grouping's column on Organisation, and its name in `enrolment_rows` / certificate rows.
ORG_COLUMN = {"province": Organisation.province_code, "type": Organisation.type,
              "organisation": Organisation.id}
ROW_COLUMN = {"province": "province_code", "type": "org_type", "organisation": "org_id"}


def group_keys(org_id: int, province: str, kind: str) -> dict[str | None, Hashable]:
    """The key an organisation's figures add up under, for each grouping (None: the scope)."""
    return {None: None, "province": province, "type": kind, "organisation": org_id}


class OutOfScope(LookupError):
    """The filters name a province or organisation the reader may not see (or that is unknown)."""


class BadFilter(ValueError):
    """A filter value that cannot be understood (unknown course, view...)."""


@dataclass(frozen=True)
class Filters:
    course_id: int | None = None
    province_code: str | None = None
    organisation_id: int | None = None
    view: str = ATTRIBUTION
    # Month by month only: a Thai fiscal year ("fy2569") or a B.E. calendar year ("2569").
    period: str | None = None

    def but(self, **changes: object) -> Filters:
        return replace(self, **changes)  # type: ignore[arg-type]


def parse_filters(args: Mapping[str, str], **fixed: object) -> Filters:
    """Filters from query-string values (``course`` is a course slug; empty means all)."""
    view = args.get("view") or ATTRIBUTION
    if view not in VIEWS:
        raise BadFilter(f"view must be one of {', '.join(VIEWS)}")
    course_id = None
    slug = (args.get("course") or "").strip()
    if slug:
        course_id = session.scalar(select(Course.id).where(Course.slug == slug))
        if course_id is None:
            raise BadFilter(f"no course {slug!r}")
    province = (args.get("province") or "").strip() or None
    organisation: int | None = None
    raw_org = (args.get("organisation") or "").strip()
    if raw_org:
        # isascii: str.isdigit also accepts "²" and other scripts' digits; MAX_ID: a larger
        # number fails the query on PostgreSQL's 32-bit ids.
        if not (raw_org.isascii() and raw_org.isdigit()) or not 1 <= int(raw_org) <= MAX_ID:
            raise BadFilter(f"organisation must be a number from 1 to {MAX_ID}")
        organisation = int(raw_org)
    period = (args.get("period") or "").strip().lower() or None
    if period is not None and not re.fullmatch(r"(fy)?2[5-9][0-9][0-9]", period):
        raise BadFilter("period must be a fiscal year like fy2569 or a year like 2569")
    found = Filters(course_id=course_id, province_code=province, organisation_id=organisation,
                    view=view, period=period)
    return found.but(**fixed) if fixed else found


def authorise(scope: Scope, filters: Filters) -> None:
    """Raise OutOfScope unless the reader may see what the filters name."""
    if scope.empty:
        raise OutOfScope("nothing in scope")
    if filters.province_code is not None:
        if session.get(Province, filters.province_code) is None:
            raise OutOfScope("unknown province")
        if not scope.covers_province(filters.province_code):
            raise OutOfScope("province out of scope")
    if filters.organisation_id is not None:
        org = session.get(Organisation, filters.organisation_id)
        if org is None or not scope.covers(org):
            raise OutOfScope("organisation out of scope")


def organisation_where(scope: Scope, filters: Filters) -> list[ColumnElement[bool]]:
    """The organisations a report counts: in scope, within the filters, and LAOs (DLA's own
    offices are not the organisations whose capacity is tracked)."""
    clauses: list[ColumnElement[bool]] = [
        scope.organisation_clause(), Organisation.type != OrganisationType.DLA_OFFICE]
    if filters.province_code is not None:
        clauses.append(Organisation.province_code == filters.province_code)
    if filters.organisation_id is not None:
        clauses.append(Organisation.id == filters.organisation_id)
    return clauses


def enrolment_rows(scope: Scope, filters: Filters) -> Select:  # type: ignore[type-arg]
    """One row per enrolment counted, with the organisation it counts for under the chosen view.

    Attribution: Enrolment.organisation_id (NULL while unconfirmed, so never counted).
    Current staff: the trainee's confirmed membership today, whatever the enrolment says.
    """
    columns = (Organisation.id.label("org_id"), Organisation.province_code.label("province_code"),
               Organisation.type.label("org_type"), Enrolment.id.label("enrolment_id"),
               Enrolment.user_id.label("user_id"), Enrolment.course_id.label("course_id"),
               Enrolment.status.label("status"), Enrolment.enrolled_at.label("enrolled_at"),
               Enrolment.completed_at.label("completed_at"),
               Enrolment.best_score.label("best_score"))
    if filters.view == STAFF:
        query = (select(*columns).select_from(Enrolment)
                 .join(Membership, and_(Membership.user_id == Enrolment.user_id,
                                        Membership.status == MembershipStatus.CONFIRMED))
                 .join(Organisation, Organisation.id == Membership.organisation_id))
    else:
        query = (select(*columns).select_from(Enrolment)
                 .join(Organisation, Organisation.id == Enrolment.organisation_id))
    query = query.where(*organisation_where(scope, filters))
    if filters.course_id is not None:
        query = query.where(Enrolment.course_id == filters.course_id)
    return query
