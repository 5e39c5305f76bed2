"""Capacity dashboards: country -> province -> organisation -> trainee, gap lists, exports.

Thin: read the query string, take the reader's scope from access.scope_for, call the reports
service, render. Anything out of scope is a 404, so ids of other organisations reveal nothing.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from ...access import Scope, scope_for
from ...db import session, utcnow
from ...i18n import gettext as _
from ...models import Organisation, Province, Role
from ...services import catalogue, exports, mail, reminders, reports
from ...services.reports import province_map
from ...services.reports.tables import STATUS_LABELS, month_label
from .. import params
from ..language import current_language, format_date
from ..signed_in import roles_required, who
from ..transaction import step

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
READERS = (Role.ADMIN, Role.PROVINCIAL_OFFICER, Role.COORDINATOR)


def _scope() -> Scope:
    scope = scope_for(who)
    if scope.empty:
        abort(403)
    return scope


def _filters(**fixed: Any) -> reports.Filters:
    try:
        g.ldp_dash_filters = reports.parse_filters(request.args, **fixed)
    except reports.BadFilter as exc:
        abort(400, description=str(exc))
    return g.ldp_dash_filters  # type: ignore[no-any-return]


def _kept(*names: str) -> dict[str, str]:
    return {k: v for k in names if (v := request.args.get(k))}


@bp.context_processor
def _urls() -> dict[str, Any]:
    """Links that keep the chosen course and view (and, for exports, the page's filters)."""
    def dash_url(endpoint: str, **values: Any) -> str:
        return url_for(endpoint, **{**_kept("course", "view", "period"), **values})

    def sort_url(table: str, key: str, ascending: bool) -> str:
        args = {**request.args.to_dict(), "table": table, "sort": key,
                "dir": "asc" if ascending else "desc"}
        args.pop("page", None)
        return url_for(request.endpoint or ".index", **(request.view_args or {}), **args)

    def page_url(page: int) -> str:
        return url_for(request.endpoint or ".index", **(request.view_args or {}),
                       **{**request.args.to_dict(), "page": page})

    def export_url(name: str, fmt: str) -> str:
        found = g.get("ldp_dash_filters")
        values: dict[str, Any] = _kept("course", "view", "period")
        if found is not None and found.province_code:
            values["province"] = found.province_code
        if found is not None and found.organisation_id:
            values["organisation"] = found.organisation_id
        if request.args.get("table", name) == name and request.args.get("sort"):
            values.update(sort=request.args["sort"], dir=request.args.get("dir", "asc"))
        return url_for(".export", name=name, fmt=fmt, **values)

    def remind_url(name: str) -> str:
        """The gap list's remind action, with the list's filters (it reminds what is shown)."""
        return url_for(".remind", name=name, **request.args.to_dict())

    return {"dash_url": dash_url, "sort_url": sort_url, "page_url": page_url,
            "export_url": export_url, "remind_url": remind_url, "fmt": _fmt, "rawv": _raw,
            "gap_lists": reports.GAPS}


def _fmt(kind: str, value: Any) -> str:
    """A cell as shown (Python, not a macro: a national table has thousands of cells)."""
    if value is None or value == "":
        return "–"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind in {"days", "score"}:
        return f"{value:.1f}"
    if kind == "date":
        return format_date(value)
    if kind == "int":
        return f"{value:,}"
    if kind == "status":
        return str(STATUS_LABELS.get(value, value))
    if kind == "month":
        return month_label(value, current_language())
    return str(value)


def _raw(value: Any) -> str:
    """The sortable value of a cell (data-value), for dashboard.js."""
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)




def _sort(name: str) -> dict[str, Any]:
    """Sorting applies to the table named in ?table= (or the only table of a table page)."""
    if request.args.get("table", name) != name:
        return {}
    return {"sort": request.args.get("sort") or None, "desc": request.args.get("dir") == "desc"}


def _page() -> int:
    return params.page_number(request.args.get("page"))


def _table(name: str, scope: Scope, filters: reports.Filters, **options: Any) -> Any:
    try:
        return reports.table(name, scope, filters, lang=current_language(), **options)
    except reports.OutOfScope:
        abort(404)


def _breakdowns(scope: Scope, filters: reports.Filters,
                *groups: str | None) -> reports.Breakdowns:
    """Overall figures and the page's breakdowns, computed together (one pass on PostgreSQL)."""
    try:
        reports.authorise(scope, filters)
    except reports.OutOfScope:
        abort(404)
    return reports.figures_by(scope, filters, (None, *groups))


def _context(scope: Scope, filters: reports.Filters,
             found: reports.Breakdowns | None = None) -> dict[str, Any]:
    try:
        figures = found[None][None] if found else reports.overall(scope, filters)
    except reports.OutOfScope:
        abort(404)
    return {"filters": filters, "figures": figures, "courses": catalogue.list_courses(),
            "periods": reports.period_choices(utcnow()),
            "scope": scope, "course_slug": request.args.get("course", ""),
            "view": filters.view, "args": request.args}


@bp.get("/")
@roles_required(*READERS)
def index():  # type: ignore[no-untyped-def]
    """The reader's whole scope: the country for DLA, else straight to their one area."""
    scope = _scope()
    keep = {k: v for k, v in request.args.items() if k in {"course", "view", "period"}}
    if not scope.country:
        if len(scope.province_codes) == 1 and not scope.organisation_ids:
            return redirect(url_for(".province", code=next(iter(scope.province_codes)), **keep))
        if len(scope.organisation_ids) == 1 and not scope.province_codes:
            return redirect(url_for(".organisation", org_id=next(iter(scope.organisation_ids)),
                                    **keep))
    filters = _filters()
    groups = ("province", "type") if scope.country else ("province", "type", "organisation")
    found = _breakdowns(scope, filters, *groups)
    ctx = _context(scope, filters, found)
    ctx.update(level="country",
               provinces=_table("provinces", scope, filters, found=found["province"],
                                **_sort("provinces")),
               types=_table("types", scope, filters, found=found["type"], **_sort("types")),
               monthly=_table("monthly", scope, filters, **_sort("monthly")))
    if scope.country:  # the map only where the reader sees every province
        lang = current_language()
        ctx["province_map"] = province_map.build(found["province"],
                                                 province_map.province_names(lang), lang)
        ctx["map_shapes_url"] = url_for(".map_shapes", v=province_map.shapes_version())
    else:  # a handful of organisations: list them here
        ctx["organisations"] = _table("organisations", scope, filters,
                                      found=found["organisation"], **_sort("organisations"))
    return render_template("ldptrain/dashboard/overview.html", **ctx)


@bp.get("/provinces.svg")
def map_shapes() -> Response:
    """The provinces' shapes (public geometry, CC BY 4.0), cached for a year under their hash."""
    response = Response(province_map.shapes_svg(), mimetype="image/svg+xml")
    response.set_etag(province_map.shapes_version())
    if request.args.get("v") == province_map.shapes_version():
        response.cache_control.public = True
        response.cache_control.max_age = 365 * 24 * 3600
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)


@bp.get("/province/<code>")
@roles_required(*READERS)
def province(code: str):  # type: ignore[no-untyped-def]
    scope = _scope()
    filters = _filters(province_code=code, organisation_id=None)
    found = _breakdowns(scope, filters, "type", "organisation")
    ctx = _context(scope, filters, found)
    ctx.update(level="province", province=session.get(Province, code),
               types=_table("types", scope, filters, found=found["type"], **_sort("types")),
               monthly=_table("monthly", scope, filters, **_sort("monthly")),
               organisations=_table("organisations", scope, filters,
                                    found=found["organisation"], **_sort("organisations")))
    ctx["gaps"] = {name: sum(1 for r in ctx["organisations"].rows
                             if r["trainees_enrolled" if name == "gaps-enrolled"
                                  else "trainees_completed"] == 0)
                   for name in reports.GAPS}
    return render_template("ldptrain/dashboard/province.html", **ctx)


@bp.get("/organisation/<ldp_id:org_id>")
@roles_required(*READERS)
def organisation(org_id: int):  # type: ignore[no-untyped-def]
    scope = _scope()
    filters = _filters(organisation_id=org_id, province_code=None)
    ctx = _context(scope, filters)
    org = session.get(Organisation, org_id)
    ctx.update(level="organisation", organisation=org,
               province=session.get(Province, org.province_code) if org else None,
               monthly=_table("monthly", scope, filters, **_sort("monthly")),
               trainees=_table("trainees", scope, filters, page=_page(), **_sort("trainees")))
    return render_template("ldptrain/dashboard/organisation.html", **ctx)


@bp.get("/trainee/<ldp_id:user_id>")
@roles_required(*READERS)
def trainee(user_id: int):  # type: ignore[no-untyped-def]
    scope = _scope()
    filters = _filters()
    try:
        detail = reports.trainee_detail(scope, user_id, filters, current_language())
    except reports.OutOfScope:
        abort(404)
    return render_template("ldptrain/dashboard/trainee.html", detail=detail, filters=filters,
                           args=request.args, level="trainee")


@bp.get("/table/<name>")
@roles_required(*READERS)
def table(name: str):  # type: ignore[no-untyped-def]
    """One table on its own page (gap lists, every organisation, every trainee)."""
    if name not in reports.TABLES:
        abort(404)
    scope = _scope()
    filters = _filters()
    options: dict[str, Any] = _sort(name)
    if name == "trainees":
        options["page"] = _page()
    found = _table(name, scope, filters, **options)
    ctx = _context(scope, filters)
    ctx.update(level="table", table=found,
               province=session.get(Province, filters.province_code)
               if filters.province_code else None,
               organisation=session.get(Organisation, filters.organisation_id)
               if filters.organisation_id else None)
    return render_template("ldptrain/dashboard/table.html", **ctx)


@bp.get("/export/<name>.<fmt>")
@roles_required(*READERS)
def export(name: str, fmt: str):  # type: ignore[no-untyped-def]
    """The same table as the page (same query, filters and sort) as CSV or XLSX, streamed."""
    if name not in reports.TABLES or fmt not in exports.FORMATS:
        abort(404)
    scope = _scope()
    filters = _filters()
    options = {"sort": request.args.get("sort") or None, "desc": request.args.get("dir") == "desc"}
    if name == "trainees":
        options["page"] = None  # every row, streamed from a server-side cursor
    found = _table(name, scope, filters, **options)
    response = Response(stream_with_context(exports.chunks(found, fmt, current_language())),
                        mimetype=exports.FORMATS[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exports.filename(found, fmt)}"')
    return response


@bp.post("/remind/<name>")
@roles_required(*READERS)
def remind(name: str):  # type: ignore[no-untyped-def]
    """Remind the coordinators of one organisation on a gap list (form field `organisation`),
    or of every organisation on it: recorded now, the messages written by a background job."""
    if name not in reports.GAPS:
        abort(404)
    scope = _scope()
    filters = _filters()
    chosen = None
    if "organisation" in request.form:
        org_id = params.parse_id(request.form.get("organisation"))
        if org_id is None:
            abort(400)
        chosen = [org_id]
    try:
        with step() as done:
            result = reminders.remind(
                scope, name, filters, actor=who, organisation_ids=chosen,
                link=mail.external_url("ldptrain.catalogue.index"), ip=request.remote_addr or "")
    except reports.OutOfScope:
        abort(404)
    if done.ok:
        if result.queued:
            flash(_("Reminders are on their way to the coordinators of %(n)s organisation(s).",
                    n=result.queued), "success")
        if result.already_today:
            flash(_("%(n)s organisation(s) were already reminded today; they are not reminded "
                    "again until tomorrow.", n=result.already_today), "info")
        if result.without_coordinator:
            flash(_("%(n)s organisation(s) have no coordinator to write to.",
                    n=result.without_coordinator), "info")
    return redirect(url_for(".table", name=name, **request.args.to_dict()))
