"""Month by month over the last 24 months (Thai time): enrolments, completions, certificates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from ...access import Scope
from ...db import session, utcnow
from . import tally
from .figures import valid_certificates
from .filters import ATTRIBUTION, Filters, enrolment_rows
from .tally import month_of

MONTHS = 24
BANGKOK = dt.timezone(dt.timedelta(hours=7))


@dataclass
class Month:
    month: str  # YYYY-MM
    enrolments: int = 0
    completions: int = 0
    certificates: int = 0


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

    if filters.view == ATTRIBUTION:
        for month, (enrolled, completed) in tally.monthly_counts(scope, filters, keys[0]).items():
            if month in table:
                table[month].enrolments, table[month].completions = enrolled, completed
    else:
        rows = enrolment_rows(scope, filters).subquery()
        for column, attr in ((rows.c.enrolled_at, "enrolments"),
                             (rows.c.completed_at, "completions")):
            key = month_of(column, dialect)
            for month, count in session.execute(
                    select(key, func.count()).where(column >= since).group_by(key)):
                if month in table:
                    setattr(table[month], attr, count)
    certs = valid_certificates(scope, filters, now).subquery()
    key = month_of(certs.c.issued_at, dialect)
    for month, count in session.execute(
            select(key, func.count()).where(certs.c.issued_at >= since).group_by(key)):
        if month in table:
            table[month].certificates = count
    return list(table.values())
