"""Several breakdowns in one pass: overall, by province, by type, by organisation together.

On PostgreSQL one query per record kind does every grouping at once (GROUPING SETS), medians
included, so a dashboard page scans enrolments once instead of once per table. Other databases
get `figures()` once per grouping: the same numbers, more queries.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from sqlalchemy import case, func, select, text, tuple_

from ...access import Scope
from ...db import session
from ...models import EnrolmentStatus
from .figures import _ORG_COLUMN, _ROW_COLUMN, GROUPS, Figures, figures, valid_certificates
from .filters import Filters, enrolment_rows, organisation_where
from .median import duration_days

Breakdowns = dict[str | None, dict[Hashable, Figures]]


def figures_by(scope: Scope, filters: Filters, groups: Sequence[str | None]) -> Breakdowns:
    """{group: {key: Figures}} for each group in `groups` (None: the whole scope)."""
    for group in groups:
        if group is not None and group not in GROUPS:
            raise ValueError(group)
    if session.get_bind().dialect.name != "postgresql" or len(groups) < 2:
        return {group: figures(scope, filters, group) for group in groups}
    result: Breakdowns = {group: {} for group in groups}

    def sets(columns: dict[str | None, object]):  # type: ignore[no-untyped-def]
        return func.grouping_sets(*[tuple_(c) if g else text("()")  # type: ignore[arg-type]
                                    for g, c in columns.items()])

    def entry(group: str | None, key: Hashable) -> Figures:
        return result[group].setdefault(key, Figures(key=key))

    def rows_of(query, columns):  # type: ignore[no-untyped-def]
        """(group, key, values) for each row, telling the grouping sets apart."""
        named = [g for g in columns if g]
        for row in session.execute(query):
            flags = row[len(named):2 * len(named)]
            found = [g for g, flag in zip(named, flags, strict=True) if flag == 0]
            group = found[0] if found else None
            key = row[named.index(group)] if group else None
            yield group, key, row[2 * len(named):]

    # Organisations in scope.
    org_cols = {g: (_ORG_COLUMN[g] if g else None) for g in groups}
    named = [c for c in org_cols.values() if c is not None]
    org_q = (select(*named, *[func.grouping(c) for c in named], func.count())
             .where(*organisation_where(scope, filters)).group_by(sets(org_cols)))
    for group, key, (count,) in rows_of(org_q, org_cols):
        entry(group, key).organisations = count

    # Enrolments, with the median time to complete.
    base = enrolment_rows(scope, filters)
    base = base.add_columns(duration_days(base.selected_columns.enrolled_at,
                                          base.selected_columns.completed_at,
                                          "postgresql").label("days"))
    rows = base.subquery()
    cols = {g: (rows.c[_ROW_COLUMN[g]] if g else None) for g in groups}
    named = [c for c in cols.values() if c is not None]
    completed = rows.c.status == EnrolmentStatus.COMPLETED
    active = rows.c.status == EnrolmentStatus.ACTIVE
    enrol_q = select(
        *named, *[func.grouping(c) for c in named],
        func.count(func.distinct(rows.c.org_id)),
        func.count(func.distinct(case((completed, rows.c.org_id)))),
        func.count(func.distinct(rows.c.user_id)),
        func.count(func.distinct(case((active, rows.c.user_id)))),
        func.count(func.distinct(case((completed, rows.c.user_id)))),
        func.count(), func.count(case((completed, 1))), func.avg(rows.c.best_score),
        func.percentile_cont(0.5).within_group(rows.c.days.asc()),
    ).group_by(sets(cols))
    for group, key, values in rows_of(enrol_q, cols):
        oe, oc, te, tp, tc, n, done, avg, median = values
        item = entry(group, key)
        item.orgs_enrolled, item.orgs_completed = oe, oc
        item.trainees_enrolled, item.trainees_in_progress, item.trainees_completed = te, tp, tc
        item.enrolments, item.completions = n, done or 0
        item.avg_best_score = float(avg) if avg is not None else None
        item.median_days = float(median) if median is not None else None

    # Valid certificates.
    certs = valid_certificates(scope, filters).subquery()
    cols = {g: (certs.c[_ROW_COLUMN[g]] if g else None) for g in groups}
    named = [c for c in cols.values() if c is not None]
    cert_q = select(*named, *[func.grouping(c) for c in named],
                    func.count(func.distinct(certs.c.org_id)),
                    func.count(func.distinct(certs.c.user_id))).group_by(sets(cols))
    for group, key, (orgs, people) in rows_of(cert_q, cols):
        item = entry(group, key)
        item.orgs_certified, item.trainees_certified = orgs, people

    if None in result:
        result[None].setdefault(None, Figures())
    return result


__all__ = ["Breakdowns", "figures_by"]
