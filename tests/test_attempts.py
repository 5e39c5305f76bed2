"""Assessments enforced on the server: stored layout, autosave, time limit, attempt limit,
submit exactly once, best score, and nothing about the answers reaching the browser early."""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
import time

import pytest
from flask import Flask
from sqlalchemy import func, select

from ldptrain.db import get_session, utcnow
from ldptrain.models import AssessmentAttempt, AttemptStatus
from ldptrain.services import attempts, enrolment, progress
from ldptrain.signals import course_completed

from . import factories as f
from .factories import per_request_locale  # noqa: F401

pytestmark = pytest.mark.usefixtures("per_request_locale")


def bank(n: int = 6) -> list[dict]:
    """n single-choice questions; choice "right-<i>" is the correct one."""
    return [f.question(key=f"q{i}", text=f"Question {i}",
                       choices=[(f"wrong-a-{i}", False), (f"right-{i}", True),
                                (f"wrong-b-{i}", False), (f"wrong-c-{i}", False)],
                       explanation=f"<p>EXPLANATION-{i}</p>")
            for i in range(n)]


def setup(**assessment_fields):  # type: ignore[no-untyped-def]
    """A trainee enrolled in a one-module course whose final assessment has `assessment_fields`."""
    final = f.assessment("final", questions=assessment_fields.pop("questions", bank()),
                         **assessment_fields)
    course = f.course("plan", modules=1, final=final)
    user = f.user("trainee@example.org", language="en")
    mine = enrolment.enrol(user, course)
    return user, course, final, mine


def right_answers(attempt: AssessmentAttempt, how_many: int | None = None) -> dict:
    """Responses picking the correct choice for the first `how_many` questions of the layout."""
    out = {}
    for i, (question, _order) in enumerate(attempts.layout_questions(attempt)):
        if how_many is not None and i >= how_many:
            break
        right = next(k for k, c in enumerate(question.choices) if c["correct"])
        out[question.id] = {"choices": [right]}
    return out


def test_layout_draws_and_shuffles_once(app: Flask) -> None:
    user, _course, final, mine = setup(draw=3, shuffle=True)
    attempt = attempts.start(user, final, mine, rng=random.Random(7))
    assert len(attempt.layout) == 3
    assert sorted(len(item["order"]) for item in attempt.layout) == [4, 4, 4]
    assert all(sorted(item["order"]) == [0, 1, 2, 3] for item in attempt.layout)
    # Starting again while it is open continues the same attempt, same layout.
    again = attempts.start(user, final, mine, rng=random.Random(99))
    assert again.id == attempt.id and again.layout == attempt.layout


def _question_order(page: str) -> list[str]:
    return re.findall(r"(right-\d|wrong-[abc]-\d)", page)


def test_a_reload_shows_the_same_questions_in_the_same_order(any_app: Flask) -> None:
    base = f.prefix(any_app)
    setup(draw=4, shuffle=True)
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainee@example.org")
    token = f.form_token(client, f"{base}/courses/plan/a/final")
    started = client.post(f"{base}/courses/plan/a/final/start", data={"csrf_token": token})
    first = client.get(started.headers["Location"]).get_data(as_text=True)
    second = client.get(started.headers["Location"]).get_data(as_text=True)
    order = _question_order(first)
    assert len(order) == 16 and order == _question_order(second)
    # Opening the assessment again continues the same attempt rather than drawing anew.
    again = client.post(f"{base}/courses/plan/a/final/start", data={"csrf_token": token})
    assert again.headers["Location"] == started.headers["Location"]


def test_the_attempt_page_carries_no_answers_or_explanations(any_app: Flask) -> None:
    base = f.prefix(any_app)
    questions = bank(2) + [f.question("short", key="be", text="BE offset",
                                      answers=["SECRET-543"], explanation="<p>EXPLAIN-BE</p>")]
    setup(questions=questions, shuffle=False)
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainee@example.org")
    token = f.form_token(client, f"{base}/courses/plan/a/final")
    started = client.post(f"{base}/courses/plan/a/final/start", data={"csrf_token": token})
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "right-0" in page  # the choices are there...
    lowered = page.lower()
    assert "correct" not in lowered and "checked" not in lowered  # ...but nothing marks one
    assert "EXPLANATION-" not in page and "EXPLAIN-BE" not in page
    assert "secret-543" not in lowered
    # The same holds for the autosave reply.
    saved = client.post(f"{started.headers['Location']}/autosave", data={"csrf_token": token},
                        headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and "correct" not in saved.get_data(as_text=True).lower()


def test_answers_saved_after_the_deadline_are_ignored(app: Flask) -> None:
    user, _course, final, mine = setup(time_limit_minutes=10)
    start = utcnow()
    attempt = attempts.start(user, final, mine, now=start)
    assert attempt.deadline_at == start + dt.timedelta(minutes=10)
    assert attempts.save_answers(attempt, right_answers(attempt, 3), now=start)
    late = start + dt.timedelta(minutes=10, seconds=1)
    assert not attempts.save_answers(attempt, right_answers(attempt), now=late)
    # A submit after the deadline is scored as at the deadline with what was saved in time.
    assert attempts.submit(attempt, now=start + dt.timedelta(hours=2))
    assert attempt.submitted_at == attempt.deadline_at
    assert attempt.score == 50.0 and attempt.passed is False


def test_an_attempt_left_open_past_its_deadline_is_scored_when_next_opened(any_app: Flask) -> None:
    base = f.prefix(any_app)
    user, _course, final, mine = setup(time_limit_minutes=5)
    attempt = attempts.start(user, final, mine)
    attempts.save_answers(attempt, right_answers(attempt))
    attempt.deadline_at = utcnow() - dt.timedelta(seconds=1)
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainee@example.org")
    page = client.get(f"{base}/courses/plan/a/final").get_data(as_text=True)
    assert "Time ran out" in page
    get_session().expire_all()
    scored = get_session().get(AssessmentAttempt, attempt.id)
    assert scored.status == AttemptStatus.SUBMITTED and scored.score == 100.0
    assert scored.submitted_at == scored.deadline_at


def test_autosave_after_the_deadline_is_refused(any_app: Flask) -> None:
    base = f.prefix(any_app)
    user, _course, final, mine = setup(time_limit_minutes=5)
    attempt = attempts.start(user, final, mine)
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainee@example.org")
    url = f"{base}/attempts/{attempt.id}"
    token = f.form_token(client, url)
    q = attempt.layout[0]["q"]
    ok = client.post(f"{url}/autosave", data={f"q-{q}": "1"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200 and ok.get_json()["saved"] is True
    attempt.deadline_at = utcnow() - dt.timedelta(seconds=1)
    get_session().commit()
    late = client.post(f"{url}/autosave", data={f"q-{q}": "2"}, headers={"X-CSRFToken": token})
    assert late.status_code == 409 and late.get_json()["saved"] is False
    get_session().expire_all()
    saved = {a.question_id: a.response
             for a in get_session().get(AssessmentAttempt, attempt.id).answers}
    assert saved[q] == {"choices": [1]}


def test_attempt_limit_is_enforced(any_app: Flask) -> None:
    base = f.prefix(any_app)
    user, _course, final, mine = setup(attempts_allowed=2)
    for _ in range(2):
        attempts.submit(attempts.start(user, final, mine))
    with pytest.raises(attempts.AttemptError):
        attempts.start(user, final, mine)
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainee@example.org")
    token = f.form_token(client, f"{base}/courses/plan/a/final")
    refused = client.post(f"{base}/courses/plan/a/final/start", data={"csrf_token": token},
                          follow_redirects=True)
    assert refused.status_code == 200
    assert "You have used all 2 attempts" in refused.get_data(as_text=True)
    assert get_session().scalar(select(func.count(AssessmentAttempt.id))) == 2


def test_double_submit_scores_once(any_app: Flask) -> None:
    base = f.prefix(any_app)
    user, _course, final, mine = setup()
    attempt = attempts.start(user, final, mine)
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainee@example.org")
    url = f"{base}/attempts/{attempt.id}"
    token = f.form_token(client, url)
    answers = {f"q-{qid}": str(choices["choices"][0])
               for qid, choices in right_answers(attempt).items()}
    first = client.post(url, data={"csrf_token": token, "action": "submit", **answers})
    get_session().expire_all()
    scored_at = get_session().get(AssessmentAttempt, attempt.id).submitted_at
    # A retry with different (wrong) answers changes nothing.
    second = client.post(url, data={"csrf_token": token, "action": "submit"})
    assert first.status_code == second.status_code == 302
    get_session().expire_all()
    again = get_session().get(AssessmentAttempt, attempt.id)
    assert again.score == 100.0 and again.submitted_at == scored_at
    assert not attempts.submit(again)
    assert get_session().scalar(select(func.count(AssessmentAttempt.id))) == 1


def test_two_sessions_racing_to_submit_score_once(app: Flask, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("a real row lock race needs PostgreSQL")
    user, course, final, mine = setup()
    attempt = attempts.start(user, final, mine)
    attempts.save_answers(attempt, right_answers(attempt))
    get_session().commit()
    barrier = threading.Barrier(2)
    results: list[bool] = []
    fired: list[int] = []

    def listener(sender, enrolment, **extra):  # type: ignore[no-untyped-def]
        fired.append(enrolment.id)

    def racer() -> None:
        with app.app_context():
            session = get_session()
            mine_attempt = session.get(AssessmentAttempt, attempt.id)
            barrier.wait()
            won = attempts.submit(mine_attempt)
            time.sleep(0.3)  # hold the row lock while the other session tries
            session.commit()
            results.append(won)
            session.remove()

    progress.complete_module(mine, progress.outline(course.id)[0].module_id, None)
    get_session().commit()
    with course_completed.connected_to(listener):
        threads = [threading.Thread(target=racer) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert sorted(results) == [False, True]
    assert fired == [mine.id]
    get_session().expire_all()
    assert get_session().get(AssessmentAttempt, attempt.id).score == 100.0


def test_two_tabs_starting_at_once_get_one_attempt(app: Flask, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("a real unique-index race needs PostgreSQL")
    user, _course, final, mine = setup(attempts_allowed=1)
    get_session().commit()
    barrier = threading.Barrier(2)
    started: list[int] = []

    def tab() -> None:
        with app.app_context():
            session = get_session()
            me = session.get(type(user), user.id)
            enrolled = session.get(type(mine), mine.id)
            barrier.wait()
            attempt = attempts.start(me, session.get(type(final), final.id), enrolled)
            time.sleep(0.3)  # keep the insert uncommitted while the other tab tries
            session.commit()
            started.append(attempt.id)
            session.remove()

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(started) == 2 and started[0] == started[1]
    assert get_session().scalar(select(func.count(AssessmentAttempt.id))) == 1


def test_the_best_score_counts(app: Flask) -> None:
    user, _course, final, mine = setup(pass_mark=50)
    scores = []
    for right in (4, 6, 2):  # of 6 questions
        attempt = attempts.start(user, final, mine)
        attempts.save_answers(attempt, right_answers(attempt, right))
        attempts.submit(attempt)
        scores.append(attempt.score)
    assert scores == [66.67, 100.0, 33.33]
    assert mine.best_score == 100.0
    status = progress.requirements(mine).final
    assert status is not None and status.best_score == 100.0 and status.passed
    assert status.attempts_used == 3 and status.attempts_left is None


def test_partial_credit_and_short_answers_through_a_whole_attempt(app: Flask) -> None:
    questions = [
        f.question("multiple", key="m", choices=[("a", True), ("b", True), ("c", False)],
                   points=2, scoring="partial"),
        f.question("short", key="s", answers=["543", "ห้าร้อยสี่สิบสาม"]),
    ]
    user, _course, final, mine = setup(questions=questions, pass_mark=70)
    attempt = attempts.start(user, final, mine)
    ids = [item["q"] for item in attempt.layout]
    attempts.save_answers(attempt, {ids[0]: {"choices": [0]}, ids[1]: {"text": "๕๔๓"}})
    attempts.submit(attempt)
    assert attempt.points == 2.0 and attempt.max_points == 3.0  # 1 of 2 + 1
    assert attempt.score == 66.67 and attempt.passed is False


@pytest.mark.parametrize(("feedback", "passing", "shown"), [
    ("after_submit", False, True), ("after_pass", False, False), ("after_pass", True, True),
    ("never", True, False)])
def test_feedback_is_shown_as_the_assessment_says(any_app: Flask, feedback: str, passing: bool,
                                                   shown: bool) -> None:
    base = f.prefix(any_app)
    user, _course, final, mine = setup(feedback=feedback)
    attempt = attempts.start(user, final, mine)
    attempts.save_answers(attempt, right_answers(attempt, 6 if passing else 1))
    attempts.submit(attempt)
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainee@example.org")
    page = client.get(f"{base}/attempts/{attempt.id}").get_data(as_text=True)
    assert ("Passed" in page) is passing
    assert ("EXPLANATION-0" in page) is shown
    assert ("correct answer" in page) is shown


def test_someone_elses_attempt_is_not_found(any_app: Flask) -> None:
    base = f.prefix(any_app)
    user, _course, final, mine = setup()
    attempt = attempts.start(user, final, mine)
    f.user("other@example.org")
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "other@example.org")
    assert client.get(f"{base}/attempts/{attempt.id}").status_code == 404


def test_submitting_with_blank_questions_asks_once_and_lists_them(any_app: Flask) -> None:
    base = f.prefix(any_app)
    user, _course, final, mine = setup()
    attempt = attempts.start(user, final, mine)
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainee@example.org")
    url = f"{base}/attempts/{attempt.id}"
    token = f.form_token(client, url)
    two = {f"q-{qid}": str(c["choices"][0]) for qid, c in right_answers(attempt, 2).items()}
    asked = client.post(url, data={"csrf_token": token, "action": "submit", **two})
    page = asked.get_data(as_text=True)
    # Not scored yet: the page lists questions 3-6, announced and focused, answers kept.
    assert asked.status_code == 200
    get_session().expire_all()
    assert get_session().get(AssessmentAttempt, attempt.id).status == AttemptStatus.IN_PROGRESS
    confirm = re.search(r'<div class="ldp-confirm" role="alert" tabindex="-1" autofocus.*?</div>',
                        page, re.S)
    assert confirm and "4 questions are not answered" in confirm.group(0)
    assert re.findall(r'href="#question-(\d+)"', confirm.group(0)) == ["3", "4", "5", "6"]
    assert page.count(" checked>") == 2  # what was ticked is still ticked
    done = client.post(url, data={"csrf_token": token, "action": "submit-anyway", **two})
    assert done.status_code == 302
    get_session().expire_all()
    scored = get_session().get(AssessmentAttempt, attempt.id)
    assert scored.status == AttemptStatus.SUBMITTED and round(scored.score) == 33


def test_a_complete_attempt_is_scored_without_a_question(any_app: Flask) -> None:
    base = f.prefix(any_app)
    user, _course, final, mine = setup()
    attempt = attempts.start(user, final, mine)
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainee@example.org")
    url = f"{base}/attempts/{attempt.id}"
    every = {f"q-{qid}": str(c["choices"][0]) for qid, c in right_answers(attempt).items()}
    done = client.post(url, data={"csrf_token": f.form_token(client, url), "action": "submit",
                                  **every})
    assert done.status_code == 302
