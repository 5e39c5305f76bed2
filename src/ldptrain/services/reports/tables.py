"""Every table the dashboard shows, as one definition used by the page, the CSV/XLSX export and
the API: same query, same filters, same numbers.

A ReportTable has its columns (key, label, kind) and rows (dicts); the trainee table's rows are a
lazy stream so a national export never holds 100,000 trainees in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ...access import Scope
from ...db import session, utcnow
from ...i18n import lazy_gettext as _l
from ...models import GapReminder, Organisation, OrganisationType, Province
from .figures import Figures, figures
from .filters import Filters, authorise
from .monthly import monthly


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy string: translated when rendered
    kind: str = "int"  # int | pct | days | score | text | date | link | month | status | emails


@dataclass
class ReportTable:
    name: str
    title: Any
    columns: list[Column]
    rows: Iterable[dict[str, Any]]
    total: int | None = None
    sort: str | None = None
    desc: bool = False
    meta: dict[str, Any] = field(default_factory=dict)


STATUS_LABELS = {"active": _l("In progress"), "completed": _l("Completed"),
                 "withdrawn": _l("Withdrawn")}


def month_label(key: str, lang: str) -> str:
    """'2026-12' as people read it: 'ธ.ค. 2569' in Thai, 'Dec 2026' in English."""
    from ...thai import month_label as label

    year, month = key.split("-")
    return label(int(year), int(month), lang)


TYPE_LABELS = {
    OrganisationType.PAO: _l("Provincial administrative organisation"),
    OrganisationType.CITY_MUNICIPALITY: _l("City municipality"),
    OrganisationType.TOWN_MUNICIPALITY: _l("Town municipality"),
    OrganisationType.SUBDISTRICT_MUNICIPALITY: _l("Subdistrict municipality"),
    OrganisationType.SAO: _l("Subdistrict administrative organisation"),
    OrganisationType.BMA: _l("Bangkok Metropolitan Administration"),
    OrganisationType.PATTAYA: _l("Pattaya City"),
}

FIGURE_COLUMNS = [
    Column("organisations", _l("Organisations")),
    Column("orgs_enrolled", _l("With a trainee enrolled")),
    Column("share_enrolled", _l("Share enrolled"), "pct"),
    Column("orgs_completed", _l("With a completion")),
    Column("share_completed", _l("Share completed"), "pct"),
    Column("orgs_certified", _l("With a certificate holder")),
    Column("share_certified", _l("Share certified"), "pct"),
    Column("trainees_enrolled", _l("Trainees enrolled")),
    Column("trainees_in_progress", _l("In progress")),
    Column("trainees_completed", _l("Completed")),
    Column("trainees_certified", _l("Certified")),
    Column("completion_rate", _l("Completion rate"), "pct"),
    Column("median_days", _l("Median days to complete"), "days"),
    Column("avg_best_score", _l("Average best score"), "score"),
]


def figure_values(item: Figures) -> dict[str, Any]:
    return {
        "organisations": item.organisations, "orgs_enrolled": item.orgs_enrolled,
        "share_enrolled": item.share(item.orgs_enrolled),
        "orgs_completed": item.orgs_completed,
        "share_completed": item.share(item.orgs_completed),
        "orgs_certified": item.orgs_certified,
        "share_certified": item.share(item.orgs_certified),
        "trainees_enrolled": item.trainees_enrolled,
        "trainees_in_progress": item.trainees_in_progress,
        "trainees_completed": item.trainees_completed,
        "trainees_certified": item.trainees_certified,
        "completion_rate": item.completion_rate, "median_days": item.median_days,
        "avg_best_score": item.avg_best_score,
    }


def sort_rows(rows: list[dict[str, Any]], columns: list[Column], sort: str | None,
              desc: bool) -> tuple[list[dict[str, Any]], str | None]:
    """Rows sorted by a known column (unknown keys are ignored); empty values always last."""
    keys = {c.key for c in columns}
    if sort not in keys:
        return rows, None
    present = [r for r in rows if r.get(sort) is not None]
    missing = [r for r in rows if r.get(sort) is None]
    present.sort(key=lambda r: (r[sort].casefold() if isinstance(r[sort], str) else r[sort]),
                 reverse=desc)
    return present + missing, sort


def _province_names(lang: str) -> dict[str, str]:
    return {code: (en if lang == "en" else th) for code, th, en in session.execute(
        select(Province.code, Province.name_th, Province.name_en))}


def province_table(scope: Scope, filters: Filters, *, sort: str | None = None, desc: bool = False,
                   lang: str = "th", found: dict[Hashable, Figures] | None = None) -> ReportTable:
    """`found`: figures by province already computed (figures_by), else computed here."""
    authorise(scope, filters)
    names = _province_names(lang)
    columns = [Column("code", _l("Code"), "text"), Column("name", _l("Province"), "link"),
               *FIGURE_COLUMNS]
    rows = [{"code": k, "name": names.get(str(k), str(k)), **figure_values(v)}
            for k, v in (found if found is not None else figures(scope, filters, "province")
                         ).items() if k is not None]
    rows.sort(key=lambda r: r["code"])
    rows, used = sort_rows(rows, columns, sort, desc)
    return ReportTable("provinces", _l("By province"), columns, rows, len(rows), used, desc)


def type_table(scope: Scope, filters: Filters, *, sort: str | None = None, desc: bool = False,
               lang: str = "th", found: dict[Hashable, Figures] | None = None) -> ReportTable:
    authorise(scope, filters)
    columns = [Column("type", _l("Organisation type"), "text"), *FIGURE_COLUMNS]
    order = list(TYPE_LABELS)
    found = found if found is not None else figures(scope, filters, "type")
    rows = [{"type_key": k, "type": str(TYPE_LABELS.get(k, k)), **figure_values(v)}  # type: ignore[call-overload]
            for k, v in sorted(found.items(), key=lambda kv: order.index(kv[0])
                               if kv[0] in order else len(order)) if k is not None]
    rows, used = sort_rows(rows, columns, sort, desc)
    return ReportTable("types", _l("By organisation type"), columns, rows, len(rows), used, desc)


ORG_COLUMNS = [Column("code", _l("DLA code"), "text"), Column("name", _l("Organisation"), "link"),
               Column("type", _l("Type"), "text"), Column("province", _l("Province"), "text")]
ORG_FIGURES = [c for c in FIGURE_COLUMNS if c.key in {
    "trainees_enrolled", "trainees_in_progress", "trainees_completed", "trainees_certified",
    "completion_rate", "median_days", "avg_best_score"}]


def _organisation_rows(scope: Scope, filters: Filters, lang: str,
                       keep: Callable[[Figures], bool] | None = None,
                       found: dict[Hashable, Figures] | None = None) -> list[dict[str, Any]]:
    from .filters import organisation_where

    found = found if found is not None else figures(scope, filters, "organisation")
    names = _province_names(lang)
    rows = []
    for org_id, code, th, en, kind, prov in session.execute(
            select(Organisation.id, Organisation.code, Organisation.name_th, Organisation.name_en,
                   Organisation.type, Organisation.province_code)
            .where(*organisation_where(scope, filters)).order_by(Organisation.code)):
        item = found.get(org_id) or Figures(key=org_id)
        if keep is not None and not keep(item):
            continue
        rows.append({"id": org_id, "code": code, "name": en if lang == "en" and en else th,
                     "type": str(TYPE_LABELS.get(kind, kind)),  # type: ignore[call-overload]
                     "province": names.get(prov, prov), "province_code": prov,
                     **figure_values(item)})
    return rows


def organisation_table(scope: Scope, filters: Filters, *, sort: str | None = None,
                       desc: bool = False, lang: str = "th",
                       found: dict[Hashable, Figures] | None = None) -> ReportTable:
    authorise(scope, filters)
    columns = [*ORG_COLUMNS, *ORG_FIGURES]
    rows, used = sort_rows(_organisation_rows(scope, filters, lang, found=found), columns, sort,
                           desc)
    return ReportTable("organisations", _l("By organisation"), columns, rows, len(rows), used,
                       desc)


GAPS: dict[str, tuple[Any, Callable[[Figures], bool]]] = {
    "gaps-enrolled": (_l("Organisations with no trainee enrolled"),
                      lambda f: f.trainees_enrolled == 0),
    "gaps-completed": (_l("Organisations with no completion"),
                       lambda f: f.trainees_completed == 0),
}


GAP_CONTACTS = [Column("coordinators", _l("Coordinators"), "text"),
                Column("coordinator_emails", _l("Coordinators' e-mail"), "emails"),
                Column("reminded_on", _l("Last reminded"), "date")]


def gap_table(name: str, scope: Scope, filters: Filters, *, sort: str | None = None,
              desc: bool = False, lang: str = "th") -> ReportTable:
    """Organisations with nobody enrolled (or nobody completed), each with whom to contact
    about it: its coordinators (the organisations are the reader's, so their coordinators are
    too) and the day they were last reminded."""
    from ..organisations import coordinators

    authorise(scope, filters)
    title, keep = GAPS[name]
    columns = [*ORG_COLUMNS, Column("trainees_enrolled", _l("Trainees enrolled")),
               Column("trainees_in_progress", _l("In progress")), *GAP_CONTACTS]
    rows = _organisation_rows(scope, filters, lang, keep)
    ids = [r["id"] for r in rows]
    contacts = coordinators(ids)
    reminded = _last_reminders(ids)
    for row in rows:
        people = contacts.get(row["id"], [])
        row["coordinators"] = "; ".join(p.display_name(lang) for p in people) or None
        row["coordinator_emails"] = "; ".join(p.email for p in people) or None
        row["reminded_on"] = reminded.get(row["id"])
        row["reminded_today"] = row["reminded_on"] == thai_today()
    rows, used = sort_rows(rows, columns, sort, desc)
    return ReportTable(name, title, columns, rows, len(rows), used, desc)


def thai_today() -> dt.date:
    """The calendar day in Thailand (one time zone, no daylight saving)."""
    return utcnow().astimezone(dt.timezone(dt.timedelta(hours=7))).date()


def _last_reminders(organisation_ids: list[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for start in range(0, len(organisation_ids), 900):
        found.update((org_id, day) for org_id, day in session.execute(
            select(GapReminder.organisation_id, func.max(GapReminder.day))
            .where(GapReminder.organisation_id.in_(organisation_ids[start:start + 900]))
            .group_by(GapReminder.organisation_id)))
    return found


def monthly_table(scope: Scope, filters: Filters, *, sort: str | None = None,
                  desc: bool = False, lang: str = "th") -> ReportTable:
    authorise(scope, filters)
    # "month" values stay YYYY-MM (sortable, the API's); pages and exports show them as B.E.
    # months in Thai ("ธ.ค. 2569") by the column's kind.
    columns = [Column("month", _l("Month"), "month"),
               Column("fiscal_year", _l("Fiscal year"), "text"),
               Column("enrolments", _l("Enrolments")),
               Column("completions", _l("Completions")),
               Column("certificates", _l("Certificates issued"))]
    rows = [m.__dict__.copy() for m in monthly(scope, filters)]
    rows, used = sort_rows(rows, columns, sort, desc)
    return ReportTable("monthly", _l("Month by month"), columns, rows, len(rows), used, desc)


def by_key(rows: Iterable[dict[str, Any]], key: str) -> dict[Hashable, dict[str, Any]]:
    return {r[key]: r for r in rows}


def stream(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield from rows
