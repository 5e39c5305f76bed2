"""Engagement (#15): time on each module measured on the server, capped per view; a course's
minimum-time rule gating "mark complete" and the final; time on /me, the dashboard and exports;
the certificate's hours. The clock is controlled by freezing `utcnow` in the services."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from flask import Flask
from sqlalchemy import select

from ldptrain.content.format import Problem
from ldptrain.content.parse import read_source
from ldptrain.content.validate import course_fields
from ldptrain.db import get_session, utcnow
from ldptrain.models import Assessment, Certificate, Enrolment, ModuleProgress, Workshop
from ldptrain.services import attempts, certificates, enrolment, progress

from . import factories as f
from .factories import per_request_locale  # noqa: F401

pytestmark = pytest.mark.usefixtures("per_request_locale")


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def wait(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    found = Clock()
    monkeypatch.setattr(progress.rules, "utcnow", found)  # where visit and settle read it
    monkeypatch.setattr(attempts, "utcnow", found)
    return found


def _setup(app: Flask, percent: int = 50, modules: int = 3):  # type: ignore[no-untyped-def]
    course = f.course("plan", modules=modules)  # every module: 30 minutes
    course.min_time_percent = percent
    user = f.user("trainee@example.org", language="en")
    mine = enrolment.enrol(user, course)
    get_session().commit()
    client = app.test_client()
    f.sign_in(client, app, "trainee@example.org")
    return f.prefix(app), client, course, mine


def _seconds(mine: Enrolment) -> dict[int, int]:
    get_session().expire_all()
    rows = get_session().scalars(select(ModuleProgress).where(
        ModuleProgress.enrolment_id == mine.id))
    return {row.module.position: row.seconds_spent for row in rows}


def _complete(client, base: str, module: str):  # type: ignore[no-untyped-def]
    token = f.form_token(client, f"{base}/courses/plan/m/{module}")
    return client.post(f"{base}/courses/plan/m/{module}/complete",
                       data={"csrf_token": token}, follow_redirects=True)


def test_fast_clicking_completes_nothing_and_waiting_does(any_app: Flask, clock: Clock) -> None:
    base, client, course, mine = _setup(any_app)
    for module in ("module-1", "module-2", "module-3", "module-1"):
        assert client.get(f"{base}/courses/plan/m/{module}").status_code == 200
        clock.wait(seconds=5)
    refused = _complete(client, base, "module-1").get_data(as_text=True)
    assert "about 15 more minutes" in refused  # 50 % of 30 minutes, 5 s spent
    token = f.form_token(client, f"{base}/courses/plan/a/plan-final")
    final = client.post(f"{base}/courses/plan/a/plan-final/start", data={"csrf_token": token},
                        follow_redirects=True).get_data(as_text=True)
    assert "The final assessment opens once every module is complete" in final
    assert progress.requirements(get_session().get(Enrolment, mine.id)).units[0] == 0

    clock.wait(minutes=15)  # reading module 1, no JavaScript: the next request counts it
    done = _complete(client, base, "module-1").get_data(as_text=True)
    assert "Module marked complete." in done
    needs = progress.requirements(get_session().get(Enrolment, mine.id))
    assert [step.complete for step in needs.modules] == [True, False, False]


def test_the_thai_message_says_how_long_is_left(any_app: Flask, clock: Clock) -> None:
    base, client, _course, mine = _setup(any_app)
    user = get_session().get(Enrolment, mine.id).user
    user.language = "th"
    get_session().commit()
    client.get(f"{base}/courses/plan/m/module-1")
    clock.wait(minutes=3)
    refused = _complete(client, base, "module-1").get_data(as_text=True)
    assert "อีกประมาณ 12 นาที" in refused


def test_the_module_page_says_how_long_is_left(any_app: Flask, clock: Clock) -> None:
    base, client, _course, mine = _setup(any_app)
    page = f"{base}/courses/plan/m/module-1"
    first = client.get(page).get_data(as_text=True)
    assert ("Time still to spend on this module before it counts as complete: about 15 min."
            in first)
    clock.wait(minutes=3)
    again = client.get(page).get_data(as_text=True)  # the same page, from its shell
    assert "about 12 min." in again and "Mark complete" in again
    clock.wait(minutes=12)
    done = client.get(page).get_data(as_text=True)
    assert "Time still to spend" not in done and "Mark complete" in done
    user = get_session().get(Enrolment, mine.id).user
    user.language = "th"
    get_session().commit()
    thai = client.get(f"{base}/courses/plan/m/module-2").get_data(as_text=True)
    assert "เวลาที่ยังต้องใช้กับบทเรียนนี้ก่อนจะนับว่าเรียนจบ: ประมาณ 15 นาที" in thai


def test_a_passed_quiz_module_says_only_the_time_is_missing(any_app: Flask,
                                                            clock: Clock) -> None:
    course = f.course("plan", modules=2, quizzes=(1,))
    course.min_time_percent = 50
    user = f.user("trainee@example.org", language="en")
    mine = enrolment.enrol(user, course)
    get_session().commit()
    base, client = f.prefix(any_app), any_app.test_client()
    f.sign_in(client, any_app, "trainee@example.org")
    page = f"{base}/courses/plan/m/module-1"
    before = client.get(page).get_data(as_text=True)
    assert "Pass the module&#39;s quiz" in before and "Take the quiz" in before
    assert "about 15 min." in before
    quiz = get_session().scalar(select(Assessment).where(Assessment.slug == "plan-01-quiz"))
    attempt = attempts.start(user, quiz, get_session().get(Enrolment, mine.id))
    question = attempts.layout_questions(attempt)[0][0]
    right = next(k for k, c in enumerate(question.choices) if c["correct"])
    attempts.save_answers(attempt, {question.id: {"choices": [right]}})
    assert attempts.submit(attempt)
    get_session().commit()
    clock.wait(minutes=5)
    passed = client.get(page).get_data(as_text=True)
    assert "You have passed this module&#39;s quiz." in passed
    assert "about 10 min." in passed and "Take the quiz" not in passed
    clock.wait(minutes=10)
    assert "You have completed this module." in client.get(page).get_data(as_text=True)


def test_the_final_says_how_long_is_left_before_it_opens(any_app: Flask, clock: Clock) -> None:
    base, client, _course, mine = _setup(any_app)
    client.get(f"{base}/courses/plan/m/module-1")
    clock.wait(minutes=5)
    final = client.get(f"{base}/courses/plan/a/plan-final").get_data(as_text=True)
    assert ("The final assessment opens once every module is complete: 3 modules left, about "
            "40 more minutes of reading.") in final
    assert "Start" not in final.split("ldp-warn", 1)[1]  # no start button while closed
    user = get_session().get(Enrolment, mine.id).user
    user.language = "th"
    get_session().commit()
    thai = client.get(f"{base}/courses/plan/a/plan-final").get_data(as_text=True)
    assert ("แบบทดสอบท้ายหลักสูตรจะเปิดเมื่อเรียนครบทุกบทเรียน: เหลืออีก 3 บทเรียน "
            "ใช้เวลาอ่านอีกประมาณ 40 นาที") in thai


def test_page_views_alone_count_and_each_is_capped(any_app: Flask, clock: Clock) -> None:
    base, client, _course, mine = _setup(any_app)
    client.get(f"{base}/courses/plan/m/module-1")
    clock.wait(minutes=10)
    client.get(f"{base}/courses/plan/m/module-2")  # 10 minutes on module 1
    clock.wait(hours=9)  # the tab stayed open all night
    client.get(f"{base}/courses/plan/m/module-3")
    # module 2: at most 30 minutes (twice its 30 minutes would be 60)
    assert _seconds(mine) == {1: 600, 2: 1800, 3: 0}


def test_a_revisit_writes_only_every_thirty_seconds(any_app: Flask, clock: Clock) -> None:
    base, client, _course, mine = _setup(any_app)
    url = f"{base}/courses/plan/m/module-1"
    client.get(url)
    clock.wait(seconds=20)
    client.get(url)
    assert _seconds(mine) == {1: 0}  # not written yet, but the clock keeps it
    clock.wait(seconds=20)
    client.get(url)
    assert _seconds(mine) == {1: 40}


def test_the_heartbeat_counts_needs_csrf_and_is_capped(any_app: Flask, clock: Clock) -> None:
    base, client, _course, mine = _setup(any_app)
    page = f"{base}/courses/plan/m/module-1"
    html = client.get(page).get_data(as_text=True)
    assert "js/engagement.js" in html and 'id="ldp-beat"' in html
    token = re.search(r'id="ldp-beat"[^>]*>\s*<input type="hidden" name="csrf_token" '
                      r'value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    beat = f"{page}/seen"
    clock.wait(seconds=60)
    assert client.post(beat).status_code == 400  # no CSRF token
    assert _seconds(mine) == {1: 0}
    clock.wait(seconds=1)
    assert client.post(beat, headers={"X-CSRFToken": token}).status_code == 204
    assert _seconds(mine) == {1: 61}
    clock.wait(hours=5)  # a forged or late beat counts no more than one capped view
    client.post(beat, headers={"X-CSRFToken": token})
    assert _seconds(mine) == {1: 61 + 1800}
    clock.wait(hours=2)  # the page was hidden: coming back restarts the clock without credit
    client.post(beat, data={"resume": "1"}, headers={"X-CSRFToken": token})
    clock.wait(seconds=60)
    client.post(beat, headers={"X-CSRFToken": token})
    assert _seconds(mine) == {1: 61 + 1800 + 60}
    assert client.post(f"{base}/courses/plan/m/nope/seen",
                       headers={"X-CSRFToken": token}).status_code == 404


def test_time_shows_on_me_the_dashboard_and_the_export(any_app: Flask, clock: Clock) -> None:
    from ldptrain.access import Scope
    from ldptrain.services import exports, reports

    base, client, _course, mine = _setup(any_app, percent=0)
    org = f.organisation()
    get_session().get(Enrolment, mine.id).organisation_id = org.id
    get_session().commit()
    client.get(f"{base}/courses/plan/m/module-1")
    clock.wait(minutes=25)
    client.get(f"{base}/courses/plan/m/module-2")
    clock.wait(minutes=50)
    client.get(f"{base}/courses/plan/m/module-3")  # 25 + 30 (capped) = 55 minutes
    me = client.get(f"{base}/me").get_data(as_text=True)
    assert "Time spent: 55 min" in me or "HOST OVERRIDE" in me  # mounted: the host's page

    scope = Scope(country=True)
    detail = reports.trainee_detail(scope, get_session().get(Enrolment, mine.id).user_id)
    assert [m.minutes_spent for m in detail.enrolments[0].modules] == [25, 30, 0]
    table = reports.trainee_table(scope, reports.Filters(), page=None)
    rows = list(csv.reader(io.StringIO("".join(exports.csv_chunks(table)).lstrip("\ufeff"))))
    column = rows[0].index("Minutes spent")
    assert [r[column] for r in rows[1:]] == ["55"]


def test_certificate_hours_follow_the_rule(app: Flask) -> None:
    course = f.course("plan", modules=2, hours=6)  # 2 × 30 minutes
    course.min_time_percent = 50
    org = f.organisation()
    people = [f.user(f"t{i}@example.org", organisation=org) for i in range(3)]
    enrolled = [enrolment.enrol(p, course) for p in people]
    spent = [(900, 900), (3000, 600), (600, 0)]  # met / 1 h 0 min, module 2 short / 10 min
    for mine, seconds in zip(enrolled, spent, strict=True):
        for entry, s in zip(progress.outline(course.id), seconds, strict=True):
            progress.complete_module(mine, entry.module_id, entry.version_id)
            get_session().flush()
            row = get_session().scalar(select(ModuleProgress).where(
                ModuleProgress.enrolment_id == mine.id,
                ModuleProgress.module_id == entry.module_id))
            row.seconds_spent = s
        progress.record_completion(mine, source="online")
    workshop = Workshop(course_id=course.id, held_on=dt.date(2026, 11, 1), place="ศาลากลาง",
                        hours=3.5)
    get_session().add(workshop)
    get_session().flush()
    blended = enrolment.enrol(f.user("b@example.org", organisation=org), course)
    progress.record_completion(blended, source="blended", workshop_id=workshop.id)
    assert [certificates.certificate_hours(e) for e in (*enrolled, blended)] == [6, 1.0, None,
                                                                                 3.5]
    issued = certificates.issue_for_enrolment(enrolled[1])
    assert issued is not None and issued.payload["hours"] == "1"
    course.min_time_percent = 0  # no rule: the course's hours, as before
    assert certificates.certificate_hours(enrolled[2]) == 6
    assert get_session().scalar(select(Certificate.id).where(
        Certificate.enrolment_id == enrolled[1].id)) == issued.id


def _course_md(tmp_path, completion: str) -> list[Problem]:  # type: ignore[no-untyped-def]
    folder = tmp_path / "plan"
    folder.mkdir()
    (folder / "course.md").write_text(
        f"---\nslug: plan\ntitle: แผน\nversion: '1'\nhours: 2\n{completion}\n---\nภาพรวม\n",
        encoding="utf-8")
    problems: list[Problem] = []
    src = read_source(str(folder / "course.md"), problems)
    assert src is not None
    fields = course_fields(src, "plan", problems)
    assert fields is not None
    return [*problems, fields["min_time_percent"]]  # type: ignore[list-item]


@pytest.mark.parametrize(("text", "expected"), [
    ("completion: {min_time: 50%}", [50]),
    ("completion:\n  min_time: 100%", [100]),
    ("completion: {min_time: 50}", ["6: 'min_time' must be a whole percentage"]),
    ("completion: {min_time: 150%}", ["6: 'min_time' must be a whole percentage"]),
    ("completion: {min_tme: 50%}", ["6: unknown key 'min_tme' in 'completion'"]),
    ("completion: half", ["6: 'completion' must be a mapping"]),
])
def test_completion_front_matter(tmp_path, text: str, expected: list) -> None:  # type: ignore[no-untyped-def,type-arg]
    got = _course_md(tmp_path, text)
    if isinstance(expected[0], int):
        assert got == expected
    else:
        assert len(got) == 2 and got[1] == 0
        assert f"{got[0].line}: {got[0].message}".startswith(expected[0])
        assert got[0].path.endswith("course.md")
