"""The feedback policy on every path that shows an attempt: the result page, the API and the
personal data export. Hidden parts (the key, explanations) are absent from the HTML and JSON,
not just unstyled."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from ldptrain.db import get_session
from ldptrain.services import api_tokens, attempts, privacy

from . import factories as f
from .factories import per_request_locale  # noqa: F401
from .test_api import check
from .test_attempts import right_answers, setup

pytestmark = pytest.mark.usefixtures("per_request_locale")


def _fail(user, final, mine):  # type: ignore[no-untyped-def]
    """One attempt with only the first question right (fails the 70% pass mark)."""
    attempt = attempts.start(user, final, mine)
    attempts.save_answers(attempt, right_answers(attempt, 1))
    attempts.submit(attempt)
    return attempt


def _views(app: Flask, attempt_id: int, token: str) -> tuple[str, dict]:
    base = f.prefix(app)
    client = app.test_client()
    f.sign_in(client, app, "trainee@example.org")
    page = client.get(f"{base}/attempts/{attempt_id}").get_data(as_text=True)
    response = client.get(f"{base}/api/v1/me/attempts/{attempt_id}?lang=en",
                          headers={"Authorization": f"Bearer {token}"})
    return page, check(response, "/me/attempts/{attempt_id}")


def _leaks(page: str, body: dict) -> bool:
    in_json = any(c["correct"] is not None for q in body["questions"] for c in q["choices"])
    in_json |= any(q["explanation_html"] for q in body["questions"])
    in_page = "EXPLANATION-" in page or "is-key" in page or "correct answer" in page
    assert in_json == in_page == body["answers_shown"]
    return in_page


@pytest.mark.parametrize(("feedback", "verdicts", "answers"), [
    ("after_submit", True, True), ("after_pass", True, False),
    ("after_last_attempt", True, False), ("never", False, False)])
def test_a_failed_attempt_with_attempts_left(any_app: Flask, feedback: str, verdicts: bool,
                                             answers: bool) -> None:
    user, _course, final, mine = setup(feedback=feedback, attempts_allowed=3)
    attempt = _fail(user, final, mine)
    token = api_tokens.create(user, "mine")[1]
    get_session().commit()
    page, body = _views(any_app, attempt.id, token)
    assert body["score"] == pytest.approx(16.67) and body["passed"] is False
    assert _leaks(page, body) is answers
    # Which questions were wrong: shown unless feedback is never.
    assert ("Not right" in page) is verdicts
    assert [q["correct"] for q in body["questions"]] == (
        [True] + [False] * 5 if verdicts else [None] * 6)


def test_after_last_attempt_reveals_once_no_attempt_is_left(any_app: Flask) -> None:
    user, _course, final, mine = setup(feedback="after_last_attempt", attempts_allowed=2)
    first = _fail(user, final, mine)
    token = api_tokens.create(user, "mine")[1]
    get_session().commit()
    page, body = _views(any_app, first.id, token)
    assert not _leaks(page, body)
    assert "once you pass or have used your last attempt" in page
    _fail(user, final, mine)
    get_session().commit()
    # The last attempt is used: now both attempts' results show the answers.
    page, body = _views(any_app, first.id, token)
    assert _leaks(page, body) and "EXPLANATION-0" in page


def test_after_last_attempt_reveals_on_a_pass(any_app: Flask) -> None:
    user, _course, final, mine = setup(feedback="after_last_attempt", attempts_allowed=3)
    attempt = attempts.start(user, final, mine)
    attempts.save_answers(attempt, right_answers(attempt))
    attempts.submit(attempt)
    token = api_tokens.create(user, "mine")[1]
    get_session().commit()
    page, body = _views(any_app, attempt.id, token)
    assert body["passed"] is True and _leaks(page, body)


def test_another_persons_attempt_is_not_found_by_api(any_app: Flask) -> None:
    user, _course, final, mine = setup(feedback="after_submit")
    attempt = _fail(user, final, mine)
    other = f.user("other@example.org")
    token = api_tokens.create(other, "theirs")[1]
    get_session().commit()
    client = any_app.test_client()
    url = f"{f.prefix(any_app)}/api/v1/me/attempts/{attempt.id}"
    check(client.get(url, headers={"Authorization": f"Bearer {token}"}),
          "/me/attempts/{attempt_id}")
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 404
    assert check(client.get(url), "/me/attempts/{attempt_id}")["error"] == "Unauthorized"


def test_the_personal_export_holds_no_key_or_explanation(any_app: Flask) -> None:
    user, _course, final, mine = setup(feedback="after_last_attempt", attempts_allowed=3)
    _fail(user, final, mine)
    get_session().commit()
    exported = json.dumps(privacy.export(user), default=str, ensure_ascii=False)
    assert "EXPLANATION-" not in exported and "right-1" not in exported
