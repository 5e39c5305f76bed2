"""Item analysis for trainers and admins: how each question of an assessment version behaved
(services.item_stats does the figures; signed_in.roles_required decides who may see them)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from ...db import get_session
from ...models import Assessment, Role
from ...services import item_stats
from ..language import current_language
from ..signed_in import roles_required

bp = Blueprint("item_analysis", __name__, url_prefix="/staff/assessments")


@bp.get("/")
@roles_required(Role.TRAINER, Role.ADMIN)
def index():  # type: ignore[no-untyped-def]
    found = get_session().scalars(select(Assessment).where(Assessment.retired.is_(False))
                                  .order_by(Assessment.slug)).all()
    return render_template("ldptrain/staff/assessments.html", assessments=found,
                           lang=current_language())


@bp.get("/<slug>")
@roles_required(Role.TRAINER, Role.ADMIN)
def items(slug: str):  # type: ignore[no-untyped-def]
    found = get_session().scalar(select(Assessment).where(Assessment.slug == slug))
    if found is None:
        abort(404)
    versions = item_stats.versions(found)
    if not versions:
        abort(404)
    wanted = request.args.get("version", "")
    chosen = next((v for v in versions if str(v.number) == wanted), None)
    if wanted and chosen is None:
        abort(404)
    chosen = chosen or found.current_version or versions[-1]
    return render_template("ldptrain/staff/item_analysis.html", assessment=found,
                           versions=versions, version=chosen,
                           stats=item_stats.for_version(chosen), lang=current_language(),
                           too_easy=item_stats.TOO_EASY, too_hard=item_stats.TOO_HARD)
