"""The trainee's journey through the pages, as a phone would drive it without JavaScript:
sign in -> enrol -> read -> module quiz -> final assessment -> completed."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldptrain.db import get_session
from ldptrain.models import Enrolment, EnrolmentStatus, MembershipStatus
from ldptrain.signals import course_completed

from . import factories as f
from .factories import per_request_locale  # noqa: F401

pytestmark = pytest.mark.usefixtures("per_request_locale")


def take(client: FlaskClient, base: str, course: str, slug: str, labels: list[str],
         token: str) -> str:
    """Open an assessment, start, answer from the page's own fields, save, submit; the result."""
    overview = client.get(f"{base}/courses/{course}/a/{slug}")
    assert overview.status_code == 200
    started = client.post(f"{base}/courses/{course}/a/{slug}/start", data={"csrf_token": token})
    attempt_url = started.headers["Location"]
    page = client.get(attempt_url).get_data(as_text=True)
    # Choose by visible label text, the way a person does: the page knows no right answer.
    fields: dict[str, str] = {}
    for label in labels:
        match = re.search(r'name="(q-\d+)" value="(\d+)">\s*<span>' + re.escape(label), page)
        assert match, label
        fields[match.group(1)] = match.group(2)
    saved = client.post(attempt_url, data={"csrf_token": token, "action": "save", **fields})
    assert saved.status_code == 302
    assert 'checked' in client.get(attempt_url).get_data(as_text=True)  # saved answers shown
    done = client.post(attempt_url, data={"csrf_token": token, "action": "submit", **fields})
    assert done.headers["Location"] == attempt_url
    return client.get(attempt_url).get_data(as_text=True)


def test_sign_in_enrol_read_quiz_final_completed(any_app: Flask) -> None:
    base = f.prefix(any_app)
    org = f.organisation("เทศบาลตำบลแม่ริม")
    quiz = f.assessment("plan-01-quiz", questions=[
        f.question(text="SDG 11", choices=[("เมืองยั่งยืน", True), ("การเกษตร", False)])])
    final = f.assessment("plan-final", pass_mark=50, attempts_allowed=3, questions=[
        f.question(key="fy", text="ปีงบประมาณ",
                   choices=[("1 ตุลาคม", True), ("1 มกราคม", False), ("1 เมษายน", False)]),
        f.question(key="be", text="พ.ศ.",
                   choices=[("543", True), ("500", False)])])
    course = f.course("plan", modules=0, final=final, title_en="Local development plans")
    course.certificate_valid_years = 2
    f.module(course, 1, slug="legal-basis", assessment=quiz)
    f.module(course, 2, slug="plan-cycle")
    f.user("somchai@example.org", name_th="นายสมชาย ใจดี", organisation=org,
           membership=MembershipStatus.CONFIRMED, language="en")
    get_session().commit()
    fired: list[int] = []

    def on_complete(sender, enrolment, **extra):  # type: ignore[no-untyped-def]
        fired.append(enrolment.id)

    client = any_app.test_client()
    f.sign_in(client, any_app, "somchai@example.org")
    catalogue = client.get(f"{base}/").get_data(as_text=True)
    assert "Local development plans" in catalogue

    token = f.form_token(client, f"{base}/courses/plan/")
    enrolled = client.post(f"{base}/courses/plan/enrol", data={"csrf_token": token})
    assert enrolled.status_code == 302
    course_page = client.get(f"{base}/courses/plan/").get_data(as_text=True)
    assert 'aria-valuenow="0"' in course_page and "Start the first module" in course_page

    resume = client.get(f"{base}/courses/plan/resume")
    assert resume.headers["Location"].endswith("/courses/plan/m/legal-basis")
    module_1 = client.get(resume.headers["Location"]).get_data(as_text=True)
    assert "Take the quiz" in module_1

    with course_completed.connected_to(on_complete):
        result = take(client, base, "plan", "plan-01-quiz", ["เมืองยั่งยืน"], token)
        assert "Your score: 100" in result and "Passed" in result
        module_2 = client.get(f"{base}/courses/plan/m/plan-cycle").get_data(as_text=True)
        assert "Mark complete" in module_2
        client.post(f"{base}/courses/plan/m/plan-cycle/complete", data={"csrf_token": token})
        course_page = client.get(f"{base}/courses/plan/").get_data(as_text=True)
        assert 'aria-valuenow="66"' in course_page  # 2 modules of 3 steps
        assert "What is left before your certificate" in course_page
        assert f'{base}/courses/plan/a/plan-final' in course_page
        assert fired == []

        # A first try that fails, then a pass: the best score counts and completes the course.
        failed = take(client, base, "plan", "plan-final", ["1 มกราคม", "500"], token)
        assert "Your score: 0" in failed and "Not passed" in failed
        passed = take(client, base, "plan", "plan-final", ["1 ตุลาคม", "543"], token)
        assert "Your score: 100" in passed
        assert "you have completed the course" in passed
        # The pass page leads to the certificate it just earned.
        serial = re.search(
            r'href="[^"]*/certificates/(DLA-TST-\d{4}-\d{6})">View your certificate', passed)
        assert serial, "the pass page has no link to the new certificate"
        # Reloading the result or re-posting the submit does not complete anything twice.
        client.get(f"{base}/courses/plan/")
    assert len(fired) == 1

    get_session().expire_all()
    done = get_session().query(Enrolment).one()
    assert done.status == EnrolmentStatus.COMPLETED and done.completion_source == "online"
    assert done.completed_at is not None and done.best_score == 100.0
    assert done.organisation_id == org.id
    final_page = client.get(f"{base}/courses/plan/").get_data(as_text=True)
    assert "You have completed this course." in final_page
    # A finished course shows its certificate and until when it is valid, not "continue" (the
    # renewal prompt comes when renewal is due: tests/test_certificate_renewal.py).
    assert "Continue where you left off" not in final_page
    assert f"/certificates/{serial.group(1)}" in final_page
    assert "View your certificate" in final_page
    assert client.get(f"{base}/certificates/{serial.group(1)}").status_code == 200
    renew = re.search(r"Valid until (\d+ \w+ (\d{4}))\.", final_page)
    assert renew and int(renew.group(2)) >= 2028, "no renewal date on the completed course"
    assert 'aria-valuenow="100"' in final_page
