"""Several breakdowns together: overall, by province, by type, by organisation.

The attribution view adds its enrolment figures up from the tallies (reports/tally.py) for every
grouping at once. On PostgreSQL, organisations in scope, valid certificates (live: validity
changes as certificates expire) and, in the current-staff view, the live enrolment figures take
one query per record kind for every grouping (GROUPING SETS); elsewhere one per grouping.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from sqlalchemy import case, func, select, text, tuple_

from ...access import Scope
from ...db import session
from ...models import EnrolmentStatus
from . import tally
from .figures import (
    Figures,
    add_certificate_counts,
    add_organisation_counts,
    figures,
    valid_certificates,
)
from .filters import (
    ATTRIBUTION,
    GROUPS,
    ORG_COLUMN,
    ROW_COLUMN,
    Filters,
    enrolment_rows,
    group_keys,
    organisation_where,
)
from .median import duration_days

Breakdowns = dict[str | None, dict[Hashable, Figures]]


def figures_by(scope: Scope, filters: Filters, groups: Sequence[str | None]) -> Breakdowns:
    """{group: {key: Figures}} for each group in `groups` (None: the whole scope)."""
    for group in groups:
        if group is not None and group not in GROUPS:
            raise ValueError(group)
    grouping_sets = session.get_bind().dialect.name == "postgresql" and len(groups) > 1
    if not grouping_sets and filters.view != ATTRIBUTION:
        return {group: figures(scope, filters, group) for group in groups}
    result: Breakdowns = {group: {} for group in groups}

    def entry(group: str | None, key: Hashable) -> Figures:
        return result[group].setdefault(key, Figures(key=key))

    if grouping_sets:
        _organisations(scope, filters, groups, entry)
    else:
        for group in groups:
            add_organisation_counts(scope, filters, group, entry)
    if filters.view == ATTRIBUTION:
        tally.add_enrolment_figures(scope, filters, groups, entry)
    else:
        _live_enrolment_figures(scope, filters, groups, entry)
    if grouping_sets:
        _certificates(scope, filters, groups, entry)
    else:
        for group in groups:
            add_certificate_counts(scope, filters, group, entry)
    if None in result:
        result[None].setdefault(None, Figures())
    return result


def _sets(columns: Mapping[str | None, Any]):  # type: ignore[no-untyped-def]
    return func.grouping_sets(*[tuple_(c) if g else text("()")  # type: ignore[arg-type]
                                for g, c in columns.items()])


def _rows_of(query, columns):  # type: ignore[no-untyped-def]
    """(group, key, values) for each row of a GROUPING SETS query, telling the sets apart."""
    named = [g for g in columns if g]
    for row in session.execute(query):
        flags = row[len(named):2 * len(named)]
        found = [g for g, flag in zip(named, flags, strict=True) if flag == 0]
        group = found[0] if found else None
        key = row[named.index(group)] if group else None
        yield group, key, row[2 * len(named):]


def _organisations(scope: Scope, filters: Filters, groups: Sequence[str | None],
                   entry: tally.Entry) -> None:
    org_cols: dict[str | None, Any] = {g: (ORG_COLUMN[g] if g else None) for g in groups}
    named: list[Any] = [c for c in org_cols.values() if c is not None]
    org_q = (select(*named, *[func.grouping(c) for c in named], func.count())
             .where(*organisation_where(scope, filters)).group_by(_sets(org_cols)))
    for group, key, (count,) in _rows_of(org_q, org_cols):
        entry(group, key).organisations = count


def _certificates(scope: Scope, filters: Filters, groups: Sequence[str | None],
                  entry: tally.Entry) -> None:
    certs = valid_certificates(scope, filters).subquery()
    cols: dict[str | None, Any] = {g: (certs.c[ROW_COLUMN[g]] if g else None) for g in groups}
    named = [c for c in cols.values() if c is not None]
    cert_q = select(*named, *[func.grouping(c) for c in named],
                    func.count(func.distinct(certs.c.org_id)),
                    func.count(func.distinct(certs.c.user_id))).group_by(_sets(cols))
    for group, key, (orgs, people) in _rows_of(cert_q, cols):
        item = entry(group, key)
        item.orgs_certified, item.trainees_certified = orgs, people


def _live_enrolment_figures(scope: Scope, filters: Filters, groups: Sequence[str | None],
                            entry: tally.Entry) -> None:
    """The current-staff view on PostgreSQL: every grouping in one pass per kind of figure."""
    # Enrolments per organisation (a hash aggregate, no DISTINCT): organisation counts,
    # enrolments, completions and scores add up from here to every grouping.
    base = enrolment_rows(scope, filters)
    base = base.add_columns(duration_days(base.selected_columns.enrolled_at,
                                          base.selected_columns.completed_at,
                                          "postgresql").label("days"))
    rows = base.subquery()
    completed = rows.c.status == EnrolmentStatus.COMPLETED
    active = rows.c.status == EnrolmentStatus.ACTIVE
    sums: dict[tuple[str | None, Hashable], list[float]] = {}
    per_org = select(rows.c.org_id, rows.c.province_code, rows.c.org_type, func.count(),
                     func.count(case((completed, 1))), func.sum(rows.c.best_score),
                     func.count(rows.c.best_score)).group_by(
        rows.c.org_id, rows.c.province_code, rows.c.org_type)
    for org_id, province, kind, n, done, best_sum, best_n in session.execute(per_org):
        keys = group_keys(org_id, province, kind)
        for group in groups:
            item = entry(group, keys[group])
            item.orgs_enrolled += 1
            item.orgs_completed += 1 if done else 0
            item.enrolments += n
            item.completions += done
            acc = sums.setdefault((group, keys[group]), [0.0, 0])
            acc[0] += float(best_sum or 0)
            acc[1] += best_n
    for (group, key), (total, count) in sums.items():
        entry(group, key).avg_best_score = total / count if count else None

    # Distinct people need DISTINCT (a trainee may have enrolments in several groups).
    cols: dict[str | None, Any] = {g: (rows.c[ROW_COLUMN[g]] if g else None) for g in groups}
    named = [c for c in cols.values() if c is not None]
    people_q = select(
        *named, *[func.grouping(c) for c in named],
        func.count(func.distinct(rows.c.user_id)),
        func.count(func.distinct(case((active, rows.c.user_id)))),
        func.count(func.distinct(case((completed, rows.c.user_id))))).group_by(_sets(cols))
    for group, key, (te, tp, tc) in _rows_of(people_q, cols):
        item = entry(group, key)
        item.trainees_enrolled, item.trainees_in_progress, item.trainees_completed = te, tp, tc

    # Median time to complete, over completed enrolments only.
    median_q = (select(*named, *[func.grouping(c) for c in named],
                       func.percentile_cont(0.5).within_group(rows.c.days.asc()))
                .where(rows.c.completed_at.is_not(None)).group_by(_sets(cols)))
    for group, key, (median,) in _rows_of(median_q, cols):
        entry(group, key).median_days = float(median) if median is not None else None


__all__ = ["Breakdowns", "figures_by"]
