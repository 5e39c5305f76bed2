"""Median time to complete, in days: in SQL where the database can, else over a sorted stream.

One function, two paths: PostgreSQL's `percentile_cont(0.5)` (interpolates between the two middle
values), and on SQLite the same definition computed in Python while the sorted column streams past,
so at most two values per group are ever held.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, cast, func, literal, select

from ...db import session

SECONDS_PER_DAY = 86400


def duration_days(start: Any, end: Any, dialect: str) -> ColumnElement[int]:
    """Whole days from `start` to `end`, rounded down, on either backend. "Days to complete"
    is counted this way everywhere (the tally triggers of migration 0002 included), so a
    trainee who finishes within 24 hours took 0 days."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", end - start) / SECONDS_PER_DAY), Integer)
    seconds = (cast(func.strftime("%s", end), Integer)
               - cast(func.strftime("%s", start), Integer))
    # Integer division rounds down (a duration is never negative).
    return seconds.self_group().op("/")(SECONDS_PER_DAY)


def medians(rows: Select, value: str, group: str | None) -> dict[Hashable, float]:  # type: ignore[type-arg]
    """The median of column `value` of subquery-able `rows` per `group` column (None: overall,
    keyed None). Rows whose value is NULL are left out."""
    sub = rows.subquery()
    val = sub.c[value]
    key = sub.c[group] if group else literal(None)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        query = (select(key.label("k"), func.percentile_cont(0.5).within_group(val.asc()))
                 .where(val.is_not(None)))
        if group:
            query = query.group_by(sub.c[group])
        return {k: float(m) for k, m in session.execute(query) if m is not None}
    return _streamed(session, sub, val, group)


def _streamed(db: Any, sub: Any, val: Any, group: str | None) -> dict[Hashable, float]:
    counts_q = select(sub.c[group] if group else literal(None), func.count()).where(
        val.is_not(None))
    if group:
        counts_q = counts_q.group_by(sub.c[group])
    counts = dict(db.execute(counts_q).all())
    order = [sub.c[group], val] if group else [val]
    stream = db.execute(select(sub.c[group] if group else literal(None), val)
                        .where(val.is_not(None)).order_by(*order)
                        .execution_options(yield_per=2000))
    result: dict[Hashable, float] = {}
    position, current, low = 0, object(), 0.0
    for key, number in stream:
        if key != current:
            current, position = key, 0
        n = counts[key]
        if position == (n - 1) // 2:
            low = float(number)
        if position == n // 2:
            result[key] = (low + float(number)) / 2
        position += 1
    return result
