"""Month by month (Thai time): enrolments, completions, certificates.

Over the last 24 months, or over one period the reader picks: a Thai fiscal year (October to
September, `fy2569`) or a calendar year (`2569`, Buddhist Era). The series starts at the first
month with anything in it, so a young programme is not a column of empty months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from ...access import Scope
from ...db import session, utcnow
from ...thai import BE_OFFSET, fiscal_year
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
    fiscal_year: int = 0  # Buddhist Era, October to September

    def __post_init__(self) -> None:
        year, month = (int(p) for p in self.month.split("-"))
        self.fiscal_year = fiscal_year(year, month)

    @property
    def empty(self) -> bool:
        return not (self.enrolments or self.completions or self.certificates)


def period_keys(period: str, now: dt.datetime) -> list[str]:
    """The months of a period (`fy2569`: Oct 2568 to Sep 2569; `2569`: Jan to Dec), up to the
    current month. Checked by filters.parse_filters."""
    local = now.astimezone(BANGKOK)
    current = f"{local.year:04d}-{local.month:02d}"
    if period.startswith("fy"):
        end = int(period[2:]) - BE_OFFSET  # the Gregorian year the fiscal year ends in
        months = [(end - 1, m) for m in (10, 11, 12)] + [(end, m) for m in range(1, 10)]
    else:
        months = [(int(period) - BE_OFFSET, m) for m in range(1, 13)]
    return [k for y, m in months if (k := f"{y:04d}-{m:02d}") <= current]


def period_choices(now: dt.datetime, years: int = 5) -> list[str]:
    """Periods to offer: this and the previous fiscal and calendar years, newest first."""
    local = now.astimezone(BANGKOK)
    fiscal = fiscal_year(local.year, local.month)
    calendar = local.year + BE_OFFSET
    return ([f"fy{fiscal - i}" for i in range(years)] + [str(calendar - i) for i in range(years)])


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
    keys = period_keys(filters.period, now) if filters.period else month_keys(now)
    if not keys:  # a period that has not begun yet
        return []
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
    months = list(table.values())
    first = next((i for i, m in enumerate(months) if not m.empty), len(months))
    return months[first:]
