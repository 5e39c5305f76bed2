"""Learning: module pages from stored HTML, table of contents, previous/next, mark complete,
resume, content updates, course files and "my learning"."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from ldptrain.db import get_session, utcnow
from ldptrain.models import Certificate, Enrolment, EnrolmentStatus, Module, ModuleProgress
from ldptrain.services import enrolment, progress
from ldptrain.signals import course_completed

from . import factories as f
from .factories import per_request_locale  # noqa: F401

pytestmark = pytest.mark.usefixtures("per_request_locale")


def enrolled(language: str = "en", **course_fields):  # type: ignore[no-untyped-def]
    course = f.course("plan", **course_fields)
    user = f.user("trainee@example.org", language=language)
    mine = enrolment.enrol(user, course)
    get_session().commit()
    return course, user, mine


def signed_in(app: Flask):  # type: ignore[no-untyped-def]
    client = app.test_client()
    f.sign_in(client, app, "trainee@example.org")
    return client


def test_module_page_shows_stored_html_toc_and_prev_next(any_app: Flask) -> None:
    base = f.prefix(any_app)
    enrolled(modules=3, final=None)
    page = signed_in(any_app).get(f"{base}/courses/plan/m/module-2").get_data(as_text=True)
    assert "Content of module 2 v1" in page
    assert 'href="#part-2"' in page  # the module's own table of contents
    assert f'rel="prev" href="{base}/courses/plan/m/module-1"' in page
    assert f'rel="next" href="{base}/courses/plan/m/module-3"' in page
    assert "Module 2 of 3" in page and "Mark complete" in page


def test_missing_english_falls_back_to_the_course_language(any_app: Flask) -> None:
    base = f.prefix(any_app)
    course = f.course("plan", modules=0, final=None)
    f.module(course, 1, html_en="")
    enrolment.enrol(f.user("trainee@example.org", language="en"), course)
    get_session().commit()
    page = signed_in(any_app).get(f"{base}/courses/plan/m/module-1").get_data(as_text=True)
    assert "เนื้อหาบทที่ 1 ฉบับ 1" in page
    assert 'href="#part-1"' in page


def test_reading_requires_an_enrolment(any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.course("plan")
    f.user("trainee@example.org")
    get_session().commit()
    client = signed_in(any_app)
    response = client.get(f"{base}/courses/plan/m/module-1")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"{base}/courses/plan/")
    assert client.get(f"{base}/courses/plan/m/no-such-module").status_code == 404


def test_mark_complete_moves_the_progress_bar(any_app: Flask) -> None:
    base = f.prefix(any_app)
    _course, _user, mine = enrolled(modules=3, final=None)
    client = signed_in(any_app)
    token = f.form_token(client, f"{base}/courses/plan/m/module-1")
    done = client.post(f"{base}/courses/plan/m/module-1/complete", data={"csrf_token": token})
    assert done.headers["Location"].endswith(f"{base}/courses/plan/m/module-2")
    page = client.get(f"{base}/courses/plan/").get_data(as_text=True)
    assert 'aria-valuenow="33"' in page


def test_a_module_with_a_quiz_completes_only_by_passing_it(any_app: Flask) -> None:
    base = f.prefix(any_app)
    course, _user, mine = enrolled(modules=2, quizzes=[1], final=None)
    client = signed_in(any_app)
    page = client.get(f"{base}/courses/plan/m/module-1").get_data(as_text=True)
    assert "Take the quiz" in page and "Mark complete" not in page
    token = f.form_token(client, f"{base}/courses/plan/m/module-2")
    refused = client.post(f"{base}/courses/plan/m/module-1/complete",
                          data={"csrf_token": token}, follow_redirects=True)
    assert "Pass the module&#39;s quiz" in refused.get_data(as_text=True)
    get_session().expire_all()
    assert get_session().scalar(select(ModuleProgress.completed_at).where(
        ModuleProgress.module_id == progress.outline(course.id)[0].module_id)) is None


def test_resume_returns_to_the_last_module_opened(any_app: Flask) -> None:
    base = f.prefix(any_app)
    enrolled(modules=4, final=None)
    client = signed_in(any_app)
    first = client.get(f"{base}/courses/plan/resume")
    assert first.headers["Location"].endswith("/courses/plan/m/module-1")
    client.get(f"{base}/courses/plan/m/module-3")
    client.get(f"{base}/courses/plan/")
    again = client.get(f"{base}/courses/plan/resume")
    assert again.headers["Location"].endswith("/courses/plan/m/module-3")
    get_session().expire_all()
    assert get_session().scalar(select(Enrolment.last_module_id)) == get_session().scalar(
        select(Module.id).where(Module.slug == "module-3"))


def test_a_content_update_never_undoes_progress_or_completion(app: Flask) -> None:
    course, _user, mine = enrolled(modules=2, final=None)
    entries = progress.outline(course.id)
    progress.mark_complete(mine, entries[0])
    get_session().commit()
    # Module 1 is rewritten (and now has a quiz): the earlier completion still counts.
    f.add_module_version(get_session().get(Module, entries[0].module_id),
                         assessment=f.assessment("new-quiz"))
    needs = progress.requirements(mine)
    assert needs.modules[0].complete and needs.units == (1, 2)
    progress.mark_complete(mine, progress.outline(course.id)[1])
    assert mine.status == EnrolmentStatus.COMPLETED
    # A new module added after completion does not reopen the course.
    f.module(course, 3)
    assert progress.requirements(mine).completed
    assert progress.requirements(mine).percent == 100
    assert not progress.complete_course_if_done(mine)


def test_completion_signal_fires_exactly_once(app: Flask) -> None:
    course, _user, mine = enrolled(modules=2, final=None)
    received = []

    def listener(sender, enrolment, **extra):  # type: ignore[no-untyped-def]
        received.append((sender, enrolment.id, enrolment.completed_at is not None))

    entries = progress.outline(course.id)
    with course_completed.connected_to(listener):
        progress.mark_complete(mine, entries[0])
        assert received == []
        progress.mark_complete(mine, entries[1])
        progress.mark_complete(mine, entries[1])
        assert not progress.complete_course_if_done(mine)
    assert received == [(app.name, mine.id, True)]
    assert mine.completion_source == "online" and mine.completed_at is not None


def test_course_files_are_served_safely(any_app: Flask) -> None:
    base = f.prefix(any_app)
    course = f.course("plan")
    f.course_file(course, "images/cycle.png", b"\x89PNG\r\n\x1a\nfake", "image/png")
    f.course_file(course, "images/map.svg", b"<svg xmlns='http://www.w3.org/2000/svg'>"
                  b"<script>alert(1)</script></svg>", "image/svg+xml")
    get_session().commit()
    client = any_app.test_client()
    png = client.get(f"{base}/courses/plan/files/images/cycle.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.headers["X-Content-Type-Options"] == "nosniff"
    assert png.data.startswith(b"\x89PNG")
    cached = client.get(f"{base}/courses/plan/files/images/cycle.png",
                        headers={"If-None-Match": png.headers["ETag"]})
    assert cached.status_code == 304
    svg = client.get(f"{base}/courses/plan/files/images/map.svg")
    assert svg.mimetype == "image/svg+xml"
    assert svg.headers["Content-Security-Policy"].startswith("sandbox")
    assert client.get(f"{base}/courses/plan/files/images/none.png").status_code == 404
    assert client.get(f"{base}/courses/plan/files/../course.md").status_code == 404


def test_my_learning_lists_courses_progress_and_certificates(app: Flask) -> None:
    course, user, mine = enrolled(modules=2, final=None, title_en="Plan basics")
    other = f.course("other", title_en="Partnerships")
    gone = enrolment.enrol(user, other)
    enrolment.withdraw(gone)
    progress.mark_complete(mine, progress.outline(course.id)[0])
    get_session().add(Certificate(serial="DLA-TST-2569-000001", user_id=user.id,
                                  course_id=course.id, completed_at=utcnow()))
    get_session().commit()
    page = signed_in(app).get("/me").get_data(as_text=True)
    assert "Plan basics" in page and "Partnerships" in page and "Withdrawn" in page
    assert 'aria-valuenow="50"' in page
    assert "DLA-TST-2569-000001" in page


def test_a_content_update_shows_on_the_next_page_view(any_app: Flask) -> None:
    base = f.prefix(any_app)
    course, _user, _mine = enrolled(modules=1, final=None)
    client = signed_in(any_app)
    assert "Content of module 1 v1" in client.get(
        f"{base}/courses/plan/m/module-1").get_data(as_text=True)
    f.add_module_version(get_session().get(Module, progress.outline(course.id)[0].module_id))
    get_session().commit()
    page = client.get(f"{base}/courses/plan/m/module-1").get_data(as_text=True)
    # (not just "v1": the random CSRF token on the page may contain those two characters)
    assert "Content of module 1 v2" in page and "Content of module 1 v1" not in page
