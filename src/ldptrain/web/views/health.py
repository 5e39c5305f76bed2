"""`/healthz` for load balancers and monitoring: 200 when the database and the job queue answer,
503 otherwise; a small JSON body with counts only, never cached."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, json

from ...services import health
from ...tasks.queue import queue_for

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    try:
        queue = queue_for()
    except RuntimeError as exc:  # a misconfigured LDPTRAIN_QUEUE_URL
        current_app.logger.warning("health: %s", exc)
        healthy, report = False, {"status": "unavailable", "queue": {"ok": False}}
    else:
        healthy, report = health.check(queue)
    response = Response(json.dumps(report), status=200 if healthy else 503,
                        mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
