"""Attribution-view figures read from the enrolment tallies, and the recount that checks them.

The tallies (models/tally.py) hold per-organisation running totals that database triggers keep
in the same transaction as every enrolment change. A national page then reads a few thousand
per-organisation rows instead of scanning every enrolment four times: organisations are joined
at read time, so scope, filters and grouping work exactly as in the live queries.

People are counted per (trainee, organisation) row and added up; a trainee with rows under
several organisations of one group (a transfer within a province, say) would be counted once per
organisation, so those few trainees are read separately and the surplus taken off.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, or_, select, text
from sqlalchemy.engine import Connection

from ...access import Scope
from ...db import session
from ...models import (
    DERIVED,
    TALLIES,
    CourseTally,
    DurationTally,
    Enrolment,
    EnrolmentStatus,
    MonthTally,
    Organisation,
    OrganisationTally,
    OrganisationType,
    RegionDurationTally,
    RegionMonthTally,
    TraineeTally,
    UserTally,
)
from .filters import ORG_COLUMN, Filters, group_keys, organisation_where
from .median import duration_days


def month_of(column: Any, dialect: str) -> ColumnElement[str]:
    """'YYYY-MM' of a UTC timestamp in Thai time (UTC+7, no daylight saving); the same
    definition as the triggers in migration 0002."""
    if dialect == "postgresql":
        local = func.timezone("UTC", column).op("+")(text("interval '7 hours'"))
        return func.to_char(local, "YYYY-MM")
    return func.strftime("%Y-%m", column, "+7 hours")


Entry = Callable[[str | None, Hashable], Any]  # (group, key) -> Figures


def add_enrolment_figures(scope: Scope, filters: Filters, groups: Sequence[str | None],
                          entry: Entry) -> None:
    """Fill, for each group and key, what comes from enrolments: organisations with trainees
    enrolled and completed, enrolments, completions, trainees enrolled / in progress / completed,
    average best score and median days to complete."""
    where = organisation_where(scope, filters)
    course = filters.course_id
    # Per organisation when organisations are a grouping; otherwise per (province, type) cell,
    # a hundred-odd rows to add up instead of one per organisation.
    per_org = "organisation" in groups
    org_id = Organisation.id if per_org else literal(None)
    cell = (Organisation.province_code, Organisation.type)
    if course is None:
        t = OrganisationTally
        columns: tuple[Any, ...] = (t.enrolments, t.completed, t.best_score_sum,
                                    t.best_score_count, t.trainees, t.trainees_active,
                                    t.trainees_completed)
        query = (select().select_from(t).join(Organisation, Organisation.id == t.organisation_id)
                 .where(*where, t.enrolments > 0))
    else:
        # One enrolment per trainee and course: with a course chosen, people = enrolments.
        c = CourseTally
        columns = (c.enrolments, c.completed, c.best_score_sum, c.best_score_count,
                   c.enrolments, c.active, c.completed)
        query = (select().select_from(c).join(Organisation, Organisation.id == c.organisation_id)
                 .where(*where, c.course_id == course, c.enrolments > 0))
    completed_here = columns[1] > 0
    if per_org:
        query = query.add_columns(org_id, *cell, literal(1), case((completed_here, 1), else_=0),
                                  *columns)
    else:
        query = query.add_columns(org_id, *cell, func.count(),
                                  func.count(case((completed_here, 1))),
                                  *map(func.sum, columns)).group_by(*cell)
    totals: dict[tuple[str | None, Hashable], list[float]] = {}
    for org, province, kind, *values in session.execute(query):
        keys = group_keys(org, province, kind)
        for group in groups:
            acc = totals.get((group, keys[group]))
            if acc is None:
                totals[group, keys[group]] = [float(v or 0) for v in values]
            else:
                for i, v in enumerate(values):
                    acc[i] += float(v or 0)
    for (group, key), acc in totals.items():
        item = entry(group, key)
        (orgs, orgs_done, n, done, best_sum, best_n, people, active, completed) = acc
        item.orgs_enrolled += int(orgs)
        item.orgs_completed += int(orgs_done)
        item.enrolments += int(n)
        item.completions += int(done)
        item.trainees_enrolled += int(people)
        item.trainees_in_progress += int(active)
        item.trainees_completed += int(completed)
        item.avg_best_score = best_sum / best_n if best_n else None

    if course is None:
        _deduplicate_people(where, groups, entry)
    _add_medians(scope, filters, groups, entry)


def _deduplicate_people(where: list[ColumnElement[bool]], groups: Sequence[str | None],
                        entry: Entry) -> None:
    """People were added up organisation by organisation; a trainee counted under several
    organisations of one group was counted once per organisation. Take off the surplus (the
    few such trainees are found by index through UserTally)."""
    spread = select(UserTally.user_id).where(UserTally.organisations > 1)
    rows = (select(TraineeTally.user_id, Organisation.id, Organisation.province_code,
                   Organisation.type, TraineeTally.active > 0, TraineeTally.completed > 0)
            .join(Organisation, Organisation.id == TraineeTally.organisation_id)
            .where(*where, TraineeTally.enrolments > 0, TraineeTally.user_id.in_(spread)))
    per_user: dict[int, list[tuple[dict[str | None, Hashable], bool, bool]]] = (
        defaultdict(list))
    for user_id, org_id, province, kind, active, completed in session.execute(rows):
        per_user[user_id].append((group_keys(org_id, province, kind), bool(active),
                                  bool(completed)))
    for found in per_user.values():
        for group in groups:
            if group == "organisation":  # one row per (trainee, organisation): never twice
                continue
            for attr, chosen in (("trainees_enrolled", found),
                                 ("trainees_in_progress", [r for r in found if r[1]]),
                                 ("trainees_completed", [r for r in found if r[2]])):
                for key, times in Counter(r[0][group] for r in chosen).items():
                    if times > 1:
                        item = entry(group, key)
                        setattr(item, attr, getattr(item, attr) - (times - 1))


def _regional(scope: Scope, filters: Filters) -> bool:
    """Whether the reader's scope and the filters cover whole provinces (or the country), so the
    per-province tallies can answer."""
    return filters.organisation_id is None and not scope.organisation_ids and bool(
        scope.country or scope.province_codes)


def _region_where(scope: Scope, filters: Filters, table: Any) -> list[ColumnElement[bool]]:
    clauses = [] if scope.country else [table.province_code.in_(sorted(scope.province_codes))]
    if filters.province_code is not None:
        clauses.append(table.province_code == filters.province_code)
    if filters.course_id is not None:
        clauses.append(table.course_id == filters.course_id)
    return clauses


def _add_medians(scope: Scope, filters: Filters, groups: Sequence[str | None],
                 entry: Entry) -> None:
    where = organisation_where(scope, filters)
    regional = _regional(scope, filters)
    for group in groups:
        if regional and group != "organisation":
            r = RegionDurationTally
            key = {"province": r.province_code, "type": r.org_type}.get(group or "")
            columns = ([key] if key is not None else []) + [r.days]
            query = (select(*columns, func.sum(r.completions))
                     .where(*_region_where(scope, filters, r), r.completions > 0))
        else:
            d = DurationTally
            key = ORG_COLUMN[group] if group else None
            columns = ([key] if key is not None else []) + [d.days]
            query = (select(*columns, func.sum(d.completions))
                     .join(Organisation, Organisation.id == d.organisation_id)
                     .where(*where, d.completions > 0))
            if filters.course_id is not None:
                query = query.where(d.course_id == filters.course_id)
        query = query.group_by(*columns).order_by(*columns)
        histograms: dict[Hashable, list[tuple[int, int]]] = defaultdict(list)
        for row in session.execute(query):
            k = row[0] if key is not None else None
            histograms[k].append((row[-2], int(row[-1])))
        for k, histogram in histograms.items():
            entry(group, k).median_days = weighted_median(histogram)


def weighted_median(histogram: Iterable[tuple[float, int]]) -> float | None:
    """The median of values given as (value, count) in ascending order, interpolating between
    the two middle values for an even count (as PostgreSQL's percentile_cont(0.5))."""
    pairs = list(histogram)
    total = sum(n for _, n in pairs)
    if not total:
        return None
    low_at, high_at = (total - 1) // 2, total // 2
    seen, low = 0, None
    for value, n in pairs:
        if low is None and seen + n > low_at:
            low = float(value)
        if seen + n > high_at:
            return (low + float(value)) / 2  # type: ignore[operator]
        seen += n
    return None  # unreachable: counts add up to total


def monthly_counts(scope: Scope, filters: Filters, first_month: str) -> dict[str, tuple[int, int]]:
    """{'YYYY-MM': (enrolments, completions)} from `first_month` on."""
    if _regional(scope, filters):
        r = RegionMonthTally
        query = (select(r.month, func.sum(r.enrolments), func.sum(r.completions))
                 .where(*_region_where(scope, filters, r), r.month >= first_month)
                 .group_by(r.month))
    else:
        m = MonthTally
        query = (select(m.month, func.sum(m.enrolments), func.sum(m.completions))
                 .join(Organisation, Organisation.id == m.organisation_id)
                 .where(*organisation_where(scope, filters), m.month >= first_month)
                 .group_by(m.month))
        if filters.course_id is not None:
            query = query.where(m.course_id == filters.course_id)
    return {month: (int(e or 0), int(c or 0)) for month, e, c in session.execute(query)}


# --- The recount -------------------------------------------------------------------------------

TABLES = {model.__tablename__: model.__table__ for model in TALLIES}

def _recounted(conn: Connection) -> dict[str, set[tuple[Any, ...]]]:
    """Every tally row, counted afresh from the enrolments (zero rows left out)."""
    dialect = conn.dialect.name
    e = Enrolment
    counted = e.organisation_id.is_not(None)
    active = func.sum(case((e.status == EnrolmentStatus.ACTIVE, 1), else_=0))
    completed = func.sum(case((e.status == EnrolmentStatus.COMPLETED, 1), else_=0))
    out: dict[str, set[tuple[Any, ...]]] = {}
    out[CourseTally.__tablename__] = set(map(tuple, conn.execute(
        select(e.organisation_id, e.course_id, func.count(), active, completed,
               func.coalesce(func.sum(e.best_score), 0.0), func.count(e.best_score))
        .where(counted).group_by(e.organisation_id, e.course_id))))
    trainees = set(map(tuple, conn.execute(
        select(e.user_id, e.organisation_id, func.count(), active, completed)
        .where(counted).group_by(e.user_id, e.organisation_id))))
    out[TraineeTally.__tablename__] = trainees
    people: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    spread: Counter[int] = Counter()
    for user_id, org_id, _n, a, d in trainees:
        people[org_id][0] += 1
        people[org_id][1] += 1 if a else 0
        people[org_id][2] += 1 if d else 0
        spread[user_id] += 1
    out[UserTally.__tablename__] = set(spread.items())
    out[OrganisationTally.__tablename__] = {
        (*row, *people[row[0]]) for row in conn.execute(
            select(e.organisation_id, func.count(), completed,
                   func.coalesce(func.sum(e.best_score), 0.0), func.count(e.best_score))
            .where(counted).group_by(e.organisation_id))}
    months: Counter[tuple[Any, ...]] = Counter()
    for column, slot in ((e.enrolled_at, 0), (e.completed_at, 1)):
        month = month_of(column, dialect)
        for o, c, m, n in conn.execute(
                select(e.organisation_id, e.course_id, month, func.count())
                .where(counted, column.is_not(None)).group_by(e.organisation_id, e.course_id,
                                                               month)):
            months[o, c, m, slot] += n
    by_month: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for (o, c, m, slot), n in months.items():
        by_month[o, c, m][slot] = n
    out[MonthTally.__tablename__] = {(*k, *v) for k, v in by_month.items()}
    days = duration_days(e.enrolled_at, e.completed_at, dialect)
    out[DurationTally.__tablename__] = set(map(tuple, conn.execute(
        select(e.organisation_id, e.course_id, days, func.count())
        .where(counted, e.completed_at.is_not(None))
        .group_by(e.organisation_id, e.course_id, days))))
    # Per province, over LAOs only, from the per-organisation rows.
    places = {org_id: (province, kind) for org_id, province, kind in conn.execute(
        select(Organisation.id, Organisation.province_code, Organisation.type))}
    lao = {k: v for k, v in places.items() if v[1] != OrganisationType.DLA_OFFICE}
    region_months: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for o, c, m, n_e, n_c in out[MonthTally.__tablename__]:
        if o in lao:
            totals = region_months[lao[o][0], c, m]
            totals[0] += n_e
            totals[1] += n_c
    out[RegionMonthTally.__tablename__] = {(*k, *v) for k, v in region_months.items()}
    region_days: Counter[tuple[Any, ...]] = Counter()
    for o, c, d, n in out[DurationTally.__tablename__]:
        if o in lao:
            region_days[(*lao[o], c, d)] += n
    out[RegionDurationTally.__tablename__] = {(*k, n) for k, n in region_days.items()}
    return out


def _stored(conn: Connection) -> dict[str, set[tuple[Any, ...]]]:
    out: dict[str, set[tuple[Any, ...]]] = {}
    for model in TALLIES:
        table = model.__table__
        columns = list(table.columns)  # type: ignore[attr-defined]
        counts = [c for c in columns if not c.primary_key and c.name != "best_score_sum"]
        rows = conn.execute(select(*columns).where(or_(*[c != 0 for c in counts])))
        out[table.name] = set(map(tuple, rows))  # type: ignore[attr-defined]
    return out


def _comparable(name: str, rows: set[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    """Rows with score sums rounded: added and taken off one by one, a running float sum
    differs from a fresh sum in its last bits."""
    columns = [c.name for c in TABLES[name].columns]  # type: ignore[attr-defined]
    if "best_score_sum" not in columns:
        return rows
    at = columns.index("best_score_sum")
    return {(*r[:at], round(float(r[at]), 6), *r[at + 1:]) for r in rows}


def differences(conn: Connection) -> dict[str, tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]]:
    """{table: (rows only in the tally, rows only in the recount)} for every tally that
    disagrees with a recount from the enrolments; empty when all agree."""
    recounted = _recounted(conn)
    found = {}
    for name, rows in _stored(conn).items():
        ours, theirs = _comparable(name, rows), _comparable(name, recounted[name])
        if ours != theirs:
            found[name] = (ours - theirs, theirs - ours)
    return found


def rebuild(conn: Connection) -> None:
    """Replace every tally with a recount (to repair drift found by `differences`, or after a
    load that bypassed the triggers). What triggers derive from other tallies (the people
    counts, UserTally, the per-province tallies) they fill again as the rows go in."""
    recounted = _recounted(conn)
    # TraineeTally first: its trigger adjusts the others as its rows go, which are next to go.
    for model in sorted(TALLIES, key=lambda m: m is not TraineeTally):
        conn.execute(model.__table__.delete())  # type: ignore[attr-defined]
    for model in TALLIES:
        if model in DERIVED:
            continue
        table = model.__table__
        names = [c.name for c in table.columns]  # type: ignore[attr-defined]
        rows = [dict(zip(names, row, strict=True)) for row in recounted[table.name]]  # type: ignore[attr-defined]
        if model is OrganisationTally:
            for row in rows:
                row.update(trainees=0, trainees_active=0, trainees_completed=0)
        if rows:
            conn.execute(table.insert(), rows)  # type: ignore[attr-defined]
