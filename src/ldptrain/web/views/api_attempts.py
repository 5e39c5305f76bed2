"""`GET /api/v1/me/attempts/<id>`: the token owner's own attempt result, under the same feedback
policy as the result page (services.attempts.disclosure): what is hidden there is absent here,
not merely unrendered. Any live token may read its owner's attempts (no organisation scope)."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request

from ...db import get_session
from ...models import AssessmentVersion, AttemptStatus
from ...services import attempts
from .api import _json, bearer_user, bp, unauthorized


@bp.get("/me/attempts/<ldp_id:attempt_id>")
def my_attempt(attempt_id: int):  # type: ignore[no-untyped-def]
    user = bearer_user()
    if user is None:
        return unauthorized()
    found = attempts.get_attempt(attempt_id, user)
    if found is None:
        abort(404, description="No such attempt of yours.")
    version = get_session().get(AssessmentVersion, found.assessment_version_id)
    lang = request.args.get("lang", "th") if request.args.get("lang") in ("th", "en") else "th"
    shown = attempts.disclosure(found)
    submitted = found.status == AttemptStatus.SUBMITTED
    questions: list[dict[str, Any]] = []
    for item in attempts.items(found, lang, shown=shown):
        entry: dict[str, Any] = {"number": item.number, "kind": item.kind, "html": item.html,
                                 "points": item.points, "correct": item.correct,
                                 "awarded": item.awarded,
                                 "explanation_html": item.explanation_html or None}
        if item.kind == "short":
            entry["text"] = item.text
        else:
            entry["choices"] = [{"html": c.html, "picked": c.picked, "correct": c.correct}
                                for c in item.choices]
        questions.append(entry)
    return jsonify(_json({
        "id": found.id, "assessment": version.title(lang) if version else "",
        "number": found.number, "status": str(found.status),
        "score": found.score if submitted else None,
        "passed": found.passed if submitted else None,
        "submitted_at": found.submitted_at,
        "feedback": version.feedback if version else "never",
        "verdicts_shown": shown.verdicts, "answers_shown": shown.answers,
        "questions": questions}))
