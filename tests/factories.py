"""Factories: organisations, users, courses with modules and assessments, written straight into the
models (no Markdown, no importer), so tests state only what matters to them.

Each factory flushes and returns the object; the caller commits when it wants a request to see it.
Others append their own factories below.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import select

from ldptrain.db import session, utcnow
from ldptrain.models import (
    Assessment,
    AssessmentVersion,
    Course,
    CourseFile,
    Membership,
    MembershipStatus,
    Module,
    ModuleVersion,
    Organisation,
    Province,
    Question,
    Role,
    User,
)
from ldptrain.services import accounts
from ldptrain.thai import fold_answer

_seq = itertools.count(1)
PASSWORD = "correct horse battery"


def province(code: str = "50", name_th: str = "เชียงใหม่", name_en: str = "Chiang Mai") -> Province:
    found = session.get(Province, code)
    if found is None:
        found = Province(code=code, name_th=name_th, name_en=name_en, region="north")
        session.add(found)
        session.flush()
    return found


def organisation(name_th: str = "เทศบาลตำบลทดสอบ", *, code: str | None = None,
                 province_code: str = "50", type: str = "subdistrict_municipality") -> Organisation:
    province(province_code)
    org = Organisation(code=code or f"5{next(_seq):06d}", name_th=name_th,
                       name_en="Test Subdistrict Municipality", type=type,
                       province_code=province_code)
    session.add(org)
    session.flush()
    return org


def user(email: str | None = None, *, name_th: str = "สมชาย ใจดี", password: str = PASSWORD,
         roles: tuple[Role, ...] = (Role.TRAINEE,), organisation: Organisation | None = None,
         membership: str | None = MembershipStatus.CONFIRMED, language: str = "th") -> User:
    """A trainee (by default) with a membership of `organisation` in the given status."""
    person = accounts.create_user(
        email=email or f"trainee{next(_seq)}@example.org", password=password, name_th=name_th,
        organisation_id=organisation.id if organisation else None, roles=roles,
        language=language)
    if organisation is not None and membership is not None:
        session.add(Membership(
            user_id=person.id, organisation_id=organisation.id, status=membership,
            confirmed_at=utcnow() if membership == MembershipStatus.CONFIRMED else None))
        session.flush()
    return person


def question(kind: str = "single", *, key: str | None = None, text: str = "คำถาม",
             choices: Sequence[tuple[str, bool]] = (("ถูก", True), ("ผิด", False)),
             answers: Sequence[str] = (), points: float = 1, scoring: str = "all_or_nothing",
             explanation: str = "") -> dict[str, Any]:
    """A question spec for `assessment(questions=[...])`."""
    return {
        "kind": kind, "key": key, "text": text, "points": points, "scoring": scoring,
        "choices": [] if kind == "short" else [
            {"html_th": c, "html_en": c, "correct": ok} for c, ok in choices],
        "answers": [fold_answer(a) for a in answers],
        "explanation": explanation,
    }


def assessment(slug: str | None = None, *, questions: Sequence[dict[str, Any]] | None = None,
               pass_mark: float = 70, attempts_allowed: int | None = None,
               time_limit_minutes: int | None = None, draw: int | None = None,
               shuffle: bool = False, feedback: str = "after_submit",
               title_th: str = "แบบทดสอบ") -> Assessment:
    """An assessment with one version holding `questions` (default: one single-choice question)."""
    item = Assessment(slug=slug or f"quiz-{next(_seq)}")
    session.add(item)
    session.flush()
    version = add_assessment_version(
        item, questions=questions, pass_mark=pass_mark, attempts_allowed=attempts_allowed,
        time_limit_minutes=time_limit_minutes, draw=draw, shuffle=shuffle, feedback=feedback,
        title_th=title_th)
    item.current_version_id = version.id
    session.flush()
    return item


def add_assessment_version(item: Assessment, *, questions: Sequence[dict[str, Any]] | None = None,
                           number: int | None = None, **fields: Any) -> AssessmentVersion:
    specs = list(questions) if questions is not None else [question()]
    version = AssessmentVersion(
        assessment_id=item.id,
        number=number or (1 + len(list(session.scalars(select(AssessmentVersion.id).where(
            AssessmentVersion.assessment_id == item.id))))),
        content_hash=f"h{next(_seq)}", **fields)
    session.add(version)
    session.flush()
    for position, spec in enumerate(specs):
        session.add(Question(
            assessment_version_id=version.id, key=spec["key"] or f"q{position + 1}",
            position=position, kind=spec["kind"], points=spec["points"],
            scoring=spec["scoring"], text_html_th=f"<p>{spec['text']}</p>",
            text_html_en=f"<p>{spec['text']}</p>",
            explanation_html_th=spec["explanation"], explanation_html_en=spec["explanation"],
            choices=spec["choices"], answers=spec["answers"]))
    session.flush()
    return version


def course(slug: str | None = None, *, modules: int = 2, quizzes: Sequence[int] = (),
           final: Assessment | None | bool = True, prerequisites: Sequence[str] = (),
           language: str = "th", hours: float = 6, title_th: str = "หลักสูตรทดสอบ",
           title_en: str = "Test course", order: int = 0) -> Course:
    """A course with `modules` modules (1-based numbers in `quizzes` get a module quiz) and a final
    assessment (True: a default one; an Assessment: that one; None/False: none)."""
    slug = slug or f"course-{next(_seq)}"
    final_item = assessment(f"{slug}-final") if final is True else (final or None)
    item = Course(slug=slug, code="TST", title_th=title_th, title_en=title_en,
                  summary_th="สรุปหลักสูตร", summary_en="Course summary",
                  overview_html_th="<p>ภาพรวม</p>", overview_html_en="<p>Overview</p>",
                  version="1.0", language=language, hours=hours,
                  prerequisites=list(prerequisites), order=order, certificate=True,
                  final_assessment_id=final_item.id if final_item else None)
    session.add(item)
    session.flush()
    for number in range(1, modules + 1):
        quiz = assessment(f"{slug}-{number:02d}-quiz") if number in quizzes else None
        module(item, number, assessment=quiz)
    session.flush()
    return item


def module(course: Course, number: int, *, slug: str | None = None,
           assessment: Assessment | None = None, html_en: str | None = None) -> Module:
    item = Module(course_id=course.id, slug=slug or f"module-{number}", position=number)
    session.add(item)
    session.flush()
    add_module_version(item, assessment=assessment, html_en=html_en)
    return item


def add_module_version(item: Module, *, assessment: Assessment | None = None,
                       html_en: str | None = None, title_th: str | None = None) -> ModuleVersion:
    """A new version of a module's content (a content update), made current."""
    number = 1 + len(list(session.scalars(
        select(ModuleVersion.id).where(ModuleVersion.module_id == item.id))))
    n = item.position
    version = ModuleVersion(
        module_id=item.id, number=number, content_hash=f"h{next(_seq)}",
        title_th=title_th or f"บทที่ {n}", title_en=f"Module {n}",
        html_th=f'<h2 id="part-{n}">ส่วนที่ {n}</h2><p>เนื้อหาบทที่ {n} ฉบับ {number}</p>',
        html_en=(html_en if html_en is not None
                 else f'<h2 id="part-{n}">Part {n}</h2><p>Content of module {n} v{number}</p>'),
        toc={"th": [{"level": 2, "id": f"part-{n}", "text": f"ส่วนที่ {n}"}],
             "en": [{"level": 2, "id": f"part-{n}", "text": f"Part {n}"}]},
        duration_minutes=30, assessment_id=assessment.id if assessment else None)
    session.add(version)
    session.flush()
    item.current_version_id = version.id
    session.flush()
    return version


def course_file(course: Course, path: str, data: bytes, media_type: str) -> CourseFile:
    item = CourseFile(course_id=course.id, path=path, data=data, media_type=media_type,
                      content_hash=f"h{next(_seq)}")
    session.add(item)
    session.flush()
    return item


# --- web helpers --------------------------------------------------------------------------------

@pytest.fixture
def per_request_locale() -> Iterator[None]:
    """The `app` fixtures keep one app context (one `g`) across test-client requests, so
    Flask-Babel would keep the first request's language; refresh it as a real request would.
    Use it with `pytestmark = pytest.mark.usefixtures("per_request_locale")`."""
    import flask_babel
    from flask import request_started

    def refresh(sender: Any, **extra: Any) -> None:
        flask_babel.refresh()

    with request_started.connected_to(refresh):
        yield


def prefix(app: Any) -> str:
    """Where ldptrain is mounted in this app: "" standalone, "/training" in the test host."""
    return str(app.extensions["ldptrain"].url_prefix)


def sign_in(client: Any, app: Any, email: str, password: str = PASSWORD) -> None:
    from .conftest import csrf_token

    base = prefix(app)
    token = csrf_token(client, f"{base}/login")
    done = client.post(f"{base}/login", data={"csrf_token": token, "email": email,
                                               "password": password})
    assert done.status_code == 302, "sign-in failed"


def form_token(client: Any, url: str) -> str:
    from .conftest import csrf_token

    return csrf_token(client, url)
