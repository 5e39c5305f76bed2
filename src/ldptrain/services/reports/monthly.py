"""Month by month over the last 24 months (Thai time): enrolments, completions, certificates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, text

from ...access import Scope
from ...db import session, utcnow
from .figures import valid_certificates
from .filters import Filters, enrolment_rows

MONTHS = 24
BANGKOK = dt.timezone(dt.timedelta(hours=7))


@dataclass
class Month:
    month: str  # YYYY-MM
    enrolments: int = 0
    completions: int = 0
    certificates: int = 0


def month_of(column: Any, dialect: str) -> ColumnElement[Any]:
    """The month of a UTC timestamp column in Thai time (UTC+7, no daylight saving): a 'YYYY-MM'
    string on SQLite; on PostgreSQL the first instant of the month (date_trunc on the shifted
    timestamp is about twice as fast as to_char over every row), turned into 'YYYY-MM' by
    `month_key`."""
    if dialect == "postgresql":
        # text(), not a timedelta: the UTC column type would try to bind it as a datetime.
        return func.date_trunc("month", column.op("+")(text("interval '7 hours'")))
    return func.strftime("%Y-%m", column, "+7 hours")


def month_key(value: Any) -> str:
    return value if isinstance(value, str) else f"{value.year:04d}-{value.month:02d}"


def month_keys(now: dt.datetime, months: int = MONTHS) -> list[str]:
    """The last `months` months ending with the current one, oldest first."""
    local = now.astimezone(BANGKOK)
    year, month = local.year, local.month
    keys = []
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def monthly(scope: Scope, filters: Filters, now: dt.datetime | None = None) -> list[Month]:
    now = now or utcnow()
    keys = month_keys(now)
    first_local = dt.datetime.strptime(keys[0], "%Y-%m").replace(tzinfo=BANGKOK)
    since = first_local.astimezone(dt.UTC)
    dialect = session.get_bind().dialect.name
    table = {k: Month(k) for k in keys}

    rows = enrolment_rows(scope, filters).subquery()
    for column, attr in ((rows.c.enrolled_at, "enrolments"), (rows.c.completed_at, "completions")):
        key = month_of(column, dialect)
        for month, count in session.execute(
                select(key, func.count()).where(column >= since).group_by(key)):
            if month_key(month) in table:
                setattr(table[month_key(month)], attr, count)
    certs = valid_certificates(scope, filters, now).subquery()
    key = month_of(certs.c.issued_at, dialect)
    for month, count in session.execute(
            select(key, func.count()).where(certs.c.issued_at >= since).group_by(key)):
        if month_key(month) in table:
            table[month_key(month)].certificates = count
    return list(table.values())
