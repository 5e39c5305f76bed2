"""`/api/v1`: read-only JSON for DLA's own tools, with personal bearer tokens; and the page where a
person creates and revokes their tokens.

Every call acts as the token's owner: scope from access.scope_for, the same report functions as
the dashboard. The OpenAPI 3.1 document (templates/ldptrain/api/openapi.yaml) describes exactly
these routes; tests validate real responses against it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache, wraps
from typing import Any

import yaml
from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException

from ...access import Scope, scope_for
from ...i18n import gettext as _
from ...resources import bundled
from ...services import api_tokens, reports
from ...services.reports.figures import Figures
from .. import params, signed_in
from ..signed_in import login_required, who
from ..transaction import step

bp = Blueprint("api", __name__, url_prefix="/api/v1")
tokens_bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


def _json_error(error: HTTPException) -> Any:
    """Errors as JSON {error, message} whatever the mount point (the document promises it)."""
    return jsonify(error=error.name, message=error.description), error.code


for _code in (400, 403, 404, 405):
    bp.register_error_handler(_code, _json_error)


# --- authentication -----------------------------------------------------------------------------
def bearer_user() -> Any:
    """The owner of the request's live bearer token, or None (its last_used_at commits with the
    request: web/transaction.py)."""
    header = request.headers.get("Authorization", "")
    raw = header[7:].strip() if header.startswith("Bearer ") else ""
    return api_tokens.authenticate(raw) if raw else None


def unauthorized() -> Any:
    response = jsonify(error="Unauthorized",
                       message="Send a live token: Authorization: Bearer <token>.")
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="ldptrain"'
    return response


def token_required(view):  # type: ignore[no-untyped-def]
    """Bearer token only (no cookies: no CSRF exposure); 401 without a live token, 403 when
    its owner may read nothing."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user = bearer_user()
        if user is None:
            return unauthorized()
        g.ldp_api_scope = scope_for(user)
        if g.ldp_api_scope.empty:
            abort(403, description="This account may not read any organisation's records.")
        return view(*args, **kwargs)
    return wrapped


def _scope() -> Scope:
    return g.ldp_api_scope  # type: ignore[no-any-return]


def _filters() -> reports.Filters:
    try:
        filters = reports.parse_filters(request.args)
        reports.authorise(_scope(), filters)
    except reports.BadFilter as exc:
        abort(400, description=str(exc))
    except reports.OutOfScope:
        abort(404, description="No such province or organisation in your scope.")
    return filters


def _paging() -> tuple[int | None, int]:
    raw_limit = request.args.get("limit", str(DEFAULT_LIMIT))
    raw_cursor = request.args.get("cursor", "")
    if not (raw_limit.isascii() and raw_limit.isdigit()) or len(raw_limit) > 6 \
            or not 1 <= int(raw_limit) <= MAX_LIMIT:
        abort(400, description=f"limit must be a whole number from 1 to {MAX_LIMIT}")
    try:
        after = params.cursor(raw_cursor)
    except ValueError as exc:
        abort(400, description=str(exc))
    return after, int(raw_limit)


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def _page(items: list[dict[str, Any]], limit: int, key: str = "id") -> Any:
    more = len(items) > limit
    items = items[:limit]
    return jsonify(data=[_json(i) for i in items],
                   next_cursor=str(items[-1][key]) if more and items else None)


def _figures(item: Figures) -> dict[str, Any]:
    return {"organisations": item.organisations, "orgs_enrolled": item.orgs_enrolled,
            "orgs_completed": item.orgs_completed, "orgs_certified": item.orgs_certified,
            "trainees_enrolled": item.trainees_enrolled,
            "trainees_in_progress": item.trainees_in_progress,
            "trainees_completed": item.trainees_completed,
            "trainees_certified": item.trainees_certified, "enrolments": item.enrolments,
            "completions": item.completions, "completion_rate": item.completion_rate,
            "median_days_to_complete": item.median_days, "average_best_score": item.avg_best_score}


# --- endpoints ----------------------------------------------------------------------------------
@cache
def openapi_document() -> dict[str, Any]:
    path = bundled("templates") / "ldptrain" / "api" / "openapi.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    doc = dict(openapi_document())
    doc["servers"] = [{"url": url_for(".openapi").rsplit("/", 1)[0]}]
    return jsonify(doc)


@bp.get("/organisations")
@token_required
def organisations():  # type: ignore[no-untyped-def]
    filters = _filters()
    after, limit = _paging()
    return _page(reports.organisation_page(_scope(), filters, after=after, limit=limit + 1),
                 limit)


@bp.get("/summary")
@token_required
def summary():  # type: ignore[no-untyped-def]
    filters = _filters()
    group = request.args.get("group") or None
    if group is not None and group not in reports.GROUPS:
        abort(400, description=f"group must be one of {', '.join(reports.GROUPS)}")
    body: dict[str, Any] = {
        "view": filters.view, "course": request.args.get("course") or None,
        "province": filters.province_code, "organisation": filters.organisation_id,
        "overall": _figures(reports.overall(_scope(), filters)), "group": group, "groups": []}
    if group:
        found = reports.figures(_scope(), filters, group)
        body["groups"] = [{"key": str(k), **_figures(v)} for k, v in sorted(
            found.items(), key=lambda kv: str(kv[0])) if k is not None]
    return jsonify(body)


@bp.get("/trainees")
@token_required
def trainees():  # type: ignore[no-untyped-def]
    filters = _filters()
    after, limit = _paging()
    table = reports.trainee_table(_scope(), filters, page=1, page_size=limit + 1, after=after,
                                  lang="th")
    rows = [{"enrolment_id": r["enrolment_id"], "user_id": r["id"], "name": r["name"],
             "position": r["position"], "organisation": r["organisation"],
             "organisation_code": r["org_code"], "course": r["course"], "status": r["status"],
             "modules_done": r["modules_done"], "modules_total": r["modules_total"],
             "best_score": r["best_score"], "enrolled_at": r["enrolled_at"],
             "completed_at": r["completed_at"], "certificate": r["certificate"] or None}
            for r in table.rows]
    return _page(rows, limit, key="enrolment_id")


@bp.get("/certificates")
@token_required
def certificates():  # type: ignore[no-untyped-def]
    filters = _filters()
    after, limit = _paging()
    status = request.args.get("status") or None
    if status is not None and status not in reports.STATUSES:
        abort(400, description=f"status must be one of {', '.join(reports.STATUSES)}")
    return _page(reports.certificate_page(_scope(), filters, status=status, after=after,
                                          limit=limit + 1), limit)


# --- the owner's token page ---------------------------------------------------------------------
@tokens_bp.get("/")
@login_required
def token_list():  # type: ignore[no-untyped-def]
    return render_template("ldptrain/api/tokens.html",
                           tokens=api_tokens.active_tokens(who), new_token=None,
                           has_scope=not scope_for(who).empty)


@tokens_bp.post("/")
@login_required
def token_create():  # type: ignore[no-untyped-def]
    me = signed_in.model(who)
    with step(show=False) as done:
        token, raw = api_tokens.create(me, request.form.get("name", ""))
    if done.error is not None:
        message = {"name": _("Give the token a name, such as the tool that will use it."),
                   "long": _("The name is too long (at most 100 characters)."),
                   "limit": _("You have too many tokens. Revoke one you no longer use.")}
        flash(message[str(done.error)], "error")
        return redirect(url_for(".token_list"))
    # Shown once, in this response only: it is not stored and cannot be shown again.
    return render_template("ldptrain/api/tokens.html", tokens=api_tokens.active_tokens(me),
                           new_token=raw, new_name=token.name,
                           has_scope=not scope_for(me).empty)


@tokens_bp.post("/<ldp_id:token_id>/revoke")
@login_required
def token_revoke(token_id: int):  # type: ignore[no-untyped-def]
    if not api_tokens.revoke(signed_in.model(who), token_id):
        abort(404)
    flash(_("The token is revoked. Tools using it can no longer read data."), "info")
    return redirect(url_for(".token_list"))
