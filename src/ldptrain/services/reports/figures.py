"""The dashboard's figures for a scope, overall or broken down by province, type or organisation.

Organisations in scope and valid certificates are counted live (a certificate's validity changes
with time alone, as it expires). What comes from enrolments is read from the tallies the
database keeps per organisation (reports/tally.py) in the attribution view, and counted live
over the enrolments in the current-staff view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, literal, or_, select

from ...access import Scope
from ...db import session, utcnow
from ...models import (
    Certificate,
    CertificateStatus,
    EnrolmentStatus,
    Membership,
    MembershipStatus,
    Organisation,
)
from . import tally
from .filters import (
    ATTRIBUTION,
    GROUPS,
    ORG_COLUMN,
    ROW_COLUMN,
    STAFF,
    Filters,
    enrolment_rows,
    organisation_where,
)
from .median import duration_days, medians


@dataclass
class Figures:
    """The numbers for one group (or the whole scope: key None)."""

    key: Hashable = None
    organisations: int = 0  # in scope
    orgs_enrolled: int = 0  # with >= 1 trainee enrolled
    orgs_completed: int = 0
    orgs_certified: int = 0
    trainees_enrolled: int = 0  # distinct people
    trainees_in_progress: int = 0
    trainees_completed: int = 0
    trainees_certified: int = 0
    enrolments: int = 0
    completions: int = 0
    avg_best_score: float | None = None
    median_days: float | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def completion_rate(self) -> float | None:
        """Completed enrolments as a share of enrolments (None when nobody enrolled)."""
        return self.completions / self.enrolments if self.enrolments else None

    def share(self, count: int) -> float | None:
        return count / self.organisations if self.organisations else None


def valid_certificates(scope: Scope, filters: Filters, now: dt.datetime | None = None):  # type: ignore[no-untyped-def]
    """Valid, unexpired course certificates counted under the view's organisation."""
    now = now or utcnow()
    columns = (Organisation.id.label("org_id"), Organisation.province_code.label("province_code"),
               Organisation.type.label("org_type"), Certificate.user_id.label("user_id"),
               Certificate.issued_at.label("issued_at"))
    if filters.view == STAFF:
        query = (select(*columns).select_from(Certificate)
                 .join(Membership, and_(Membership.user_id == Certificate.user_id,
                                        Membership.status == MembershipStatus.CONFIRMED))
                 .join(Organisation, Organisation.id == Membership.organisation_id))
    else:
        query = (select(*columns).select_from(Certificate)
                 .join(Organisation, Organisation.id == Certificate.organisation_id))
    query = query.where(*organisation_where(scope, filters),
                        Certificate.status == CertificateStatus.VALID,
                        Certificate.kind == "course",
                        or_(Certificate.expires_at.is_(None), Certificate.expires_at > now))
    if filters.course_id is not None:
        query = query.where(Certificate.course_id == filters.course_id)
    return query


def figures(scope: Scope, filters: Filters, group: str | None = None) -> dict[Hashable, Figures]:
    """Figures per group key (`group` in GROUPS), or {None: overall} when group is None.

    Every organisation in scope gets an entry, so groups with no activity show as zeros. The
    attribution view reads the enrolment tallies; the current-staff view (counted under each
    trainee's organisation today, which no running total can follow) counts live."""
    if group is not None and group not in GROUPS:
        raise ValueError(group)
    result: dict[Hashable, Figures] = {}

    def entry(_group: str | None, key: Hashable) -> Figures:
        return result.setdefault(key, Figures(key=key))

    add_organisation_counts(scope, filters, group, entry)
    if filters.view == ATTRIBUTION:
        tally.add_enrolment_figures(scope, filters, (group,), entry)
    else:
        _add_live_enrolment_figures(scope, filters, group, entry)
    add_certificate_counts(scope, filters, group, entry)
    if group is None:
        result.setdefault(None, Figures())
    return result


def add_organisation_counts(scope: Scope, filters: Filters, group: str | None,
                            entry: tally.Entry) -> None:
    """How many organisations are in scope, per key of `group`."""
    org_key = ORG_COLUMN[group] if group else literal(None)
    org_q = select(org_key, func.count()).where(*organisation_where(scope, filters))
    if group:
        org_q = org_q.group_by(org_key)
    for key, count in session.execute(org_q):
        entry(group, key).organisations = count


def add_certificate_counts(scope: Scope, filters: Filters, group: str | None,
                           entry: tally.Entry) -> None:
    """Organisations and people holding a valid certificate, per key of `group` (counted live:
    validity changes with time alone, as certificates expire)."""
    certs = valid_certificates(scope, filters).subquery()
    ckey = certs.c[ROW_COLUMN[group]] if group else literal(None)
    cert_q = select(ckey, func.count(func.distinct(certs.c.org_id)),
                    func.count(func.distinct(certs.c.user_id)))
    if group:
        cert_q = cert_q.group_by(ckey)
    for k, orgs, people in session.execute(cert_q):
        item = entry(group, k)
        item.orgs_certified, item.trainees_certified = orgs, people


def _add_live_enrolment_figures(scope: Scope, filters: Filters, group: str | None,
                                entry: tally.Entry) -> None:
    rows = enrolment_rows(scope, filters).subquery()
    key = rows.c[ROW_COLUMN[group]] if group else literal(None)
    completed = rows.c.status == EnrolmentStatus.COMPLETED
    active = rows.c.status == EnrolmentStatus.ACTIVE
    enrol_q = select(
        key, func.count(func.distinct(rows.c.org_id)),
        func.count(func.distinct(case((completed, rows.c.org_id)))),
        func.count(func.distinct(rows.c.user_id)),
        func.count(func.distinct(case((active, rows.c.user_id)))),
        func.count(func.distinct(case((completed, rows.c.user_id)))),
        func.count(), func.count(case((completed, 1))), func.avg(rows.c.best_score))
    if group:
        enrol_q = enrol_q.group_by(key)
    for k, oe, oc, te, tp, tc, n, done, avg in session.execute(enrol_q):
        item = entry(group, k)
        item.orgs_enrolled, item.orgs_completed = oe, oc
        item.trainees_enrolled, item.trainees_in_progress, item.trainees_completed = te, tp, tc
        item.enrolments, item.completions = n, done or 0
        item.avg_best_score = float(avg) if avg is not None else None

    dialect = session.get_bind().dialect.name
    base = enrolment_rows(scope, filters)
    timed = base.add_columns(duration_days(base.selected_columns.enrolled_at,
                                           base.selected_columns.completed_at,
                                           dialect).label("days"))
    for k, days in medians(timed, "days", ROW_COLUMN[group] if group else None).items():
        entry(group, k).median_days = days


def overall(scope: Scope, filters: Filters) -> Figures:
    return figures(scope, filters)[None]
