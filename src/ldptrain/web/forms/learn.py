"""Reading what a trainee posted on learning and assessment pages.

Attempt forms are built from the stored layout, not from a WTForms class: each question is one
field named ``q-<question id>`` (radio, checkboxes or a text box). The CSRF token is checked for
every POST by the blueprint's guard.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.datastructures import MultiDict

from ...models import Question


def field_name(question_id: int) -> str:
    return f"q-{question_id}"


def attempt_responses(form: MultiDict[str, str],
                      questions: Iterable[Question]) -> dict[int, dict[str, Any]]:
    """Every question of the layout, as the full form sends it: a question with nothing ticked
    is an empty answer, so unticking a box is saved too."""
    responses: dict[int, dict[str, Any]] = {}
    for question in questions:
        name = field_name(question.id)
        if question.kind in ("ordering", "matching"):
            # One select per row, `<name>-<k>`; services turn what was shown into slots.
            responses[question.id] = {"picks": [form.get(f"{name}-{k}", "")
                                                for k in range(len(question.choices or []))]}
        elif question.kind == "short":
            responses[question.id] = {"text": form.get(name, "")}
        else:
            responses[question.id] = {"choices": form.getlist(name)}
    return responses


def wants_submit(form: MultiDict[str, str]) -> bool:
    """The form has two buttons: save (name=action value=save) and submit (value=submit); the
    confirmation of a submit with questions left blank, and the timer at zero, send
    value=submit-anyway."""
    return form.get("action") in {"submit", "submit-anyway"}


def confirmed(form: MultiDict[str, str]) -> bool:
    """Submit even though some questions are unanswered (asked once, on the server)."""
    return form.get("action") == "submit-anyway"
