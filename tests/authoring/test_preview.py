"""Previews for authors (#19): any module, quiz or final as a trainee sees it, for the course's
trainers and admins, without enrolling and without writing anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from ldptrain.db import get_session
from ldptrain.models import AssessmentAttempt, AuditEvent, Enrolment, ModuleProgress

from ..factories import prefix
from .helpers import set_up, signed_in


def _rows() -> tuple[int, ...]:
    session = get_session()
    return tuple(int(session.scalar(select(func.count()).select_from(m)) or 0)
                 for m in (Enrolment, ModuleProgress, AssessmentAttempt, AuditEvent))


def test_a_trainer_of_the_course_previews_module_quiz_and_final_without_enrolling(
        any_app: Flask, tmp_path: Path) -> None:
    set_up(tmp_path)
    before = _rows()
    client = signed_in(any_app, "trainer@example.org")
    base = prefix(any_app) + "/author"
    listing = client.get(base + "/").get_data(as_text=True)
    assert "plan-basics" in listing and "plan-advanced" not in listing
    course = client.get(base + "/courses/plan-basics/").get_data(as_text=True)
    assert "courses/plan-basics/01-intro.md" in course
    assert "assessments/plan-basics-final.md" in course

    module = client.get(base + "/courses/plan-basics/m/intro")
    assert module.status_code == 200
    page = module.get_data(as_text=True)
    assert "บทเรียนที่ 1 จาก 2" in page
    assert 'src="../files/images/cycle.png"' in page  # the stored, sanitised HTML
    assert "/complete" not in page and "/seen" not in page  # no trainee's forms

    quiz = client.get(base + "/courses/plan-basics/a/plan-basics-01-quiz")
    assert quiz.status_code == 200
    text = quiz.get_data(as_text=True)
    assert text.count('class="ldp-question"') == 3
    assert 'type="checkbox"' in text and 'type="radio"' in text  # single, multiple, short
    final = client.get(base + "/courses/plan-basics/a/plan-basics-final")
    assert final.status_code == 200 and 'class="ldp-question"' in final.get_data(as_text=True)
    image = client.get(base + "/courses/plan-basics/files/images/cycle.png")
    assert image.status_code == 302 and image.location.endswith(
        "/courses/plan-basics/files/images/cycle.png")
    assert _rows() == before  # no enrolment, progress, attempt or audit entry


def test_an_admin_previews_any_course(any_app: Flask, tmp_path: Path) -> None:
    set_up(tmp_path)
    client = signed_in(any_app, "admin@example.org")
    base = prefix(any_app) + "/author"
    listing = client.get(base + "/").get_data(as_text=True)
    assert "plan-basics" in listing and "plan-advanced" in listing
    assert client.get(base + "/courses/plan-advanced/m/review").status_code == 200


@pytest.mark.parametrize("email,status", [("other@example.org", 404),
                                          ("trainee@example.org", 403)])
def test_others_cannot_preview_or_list(any_app: Flask, tmp_path: Path, email: str,
                                       status: int) -> None:
    set_up(tmp_path)
    client = signed_in(any_app, email)
    base = prefix(any_app) + "/author/courses/plan-basics"
    for url in ("/", "/m/intro", "/a/plan-basics-01-quiz", "/a/plan-basics-final",
                "/files/images/cycle.png"):
        assert client.get(base + url).status_code == status, url


def test_unknown_module_or_foreign_quiz_is_not_found(any_app: Flask, tmp_path: Path) -> None:
    set_up(tmp_path)
    client = signed_in(any_app, "admin@example.org")
    base = prefix(any_app) + "/author/courses/plan-basics"
    assert client.get(base + "/m/nothing").status_code == 404
    assert client.get(base + "/a/nothing").status_code == 404
    assert client.get(prefix(any_app) + "/author/courses/nothing/").status_code == 404


def test_signed_out_is_sent_to_sign_in(any_app: Flask, tmp_path: Path) -> None:
    set_up(tmp_path)
    response = any_app.test_client().get(prefix(any_app) + "/author/")
    assert response.status_code == 302 and "login" in response.location


def test_an_author_plays_the_quiz_as_a_trainee_and_nothing_is_stored(
        any_app: Flask, tmp_path: Path) -> None:
    set_up(tmp_path)
    before = _rows()
    client = signed_in(any_app, "trainer@example.org")
    url = prefix(any_app) + "/author/courses/plan-basics/a/plan-basics-01-quiz"
    page = client.get(url).get_data(as_text=True)
    import re

    from ..conftest import csrf_token
    names = re.findall(r'name="(q-\d+)"', page)
    first, _second, short = sorted(set(names), key=names.index)
    played = client.post(url, data={"csrf_token": csrf_token(client, url), first: "1",
                                    short: "๕๔๓"})  # Thai digits count, as in an attempt
    text = played.get_data(as_text=True)
    assert played.status_code == 200
    assert text.count("is-right") >= 2 and "is-wrong" in text  # the multiple choice left blank
    assert "ปีงบประมาณเริ่ม 1 ตุลาคม" in text  # the explanation
    assert _rows() == before  # no attempt, no answer, no audit entry
    other = signed_in(any_app, "other@example.org")
    assert other.post(url, data={"csrf_token": csrf_token(other, prefix(any_app) + "/me")}
                      ).status_code == 404
