"""Engagement in a real browser (#15): with JavaScript a visible module page beats and its time
accrues with no other request; a hidden page counts nothing; without JavaScript the page views
alone measure. The server's heartbeat is one second here (LDPTRAIN_HEARTBEAT_SECONDS) and the
course's modules last one minute under `min_time: 10%` (6 seconds), so nothing waits minutes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ldptrain.db import get_session
from ldptrain.models import Enrolment, ModuleProgress, ModuleVersion
from ldptrain.services import enrolment

from .. import factories as f
from .conftest import LiveServer, serve_live

pytestmark = pytest.mark.browser

HIDE = """() => {
  Object.defineProperty(document, "visibilityState", {get: () => "hidden", configurable: true});
  document.dispatchEvent(new Event("visibilitychange"));
}"""
SHOW = """() => {
  Object.defineProperty(document, "visibilityState", {get: () => "visible", configurable: true});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # No bundled courses or register: this module makes its own one-minute course.
    yield from serve_live(tmp_path_factory.mktemp("beat"), LDPTRAIN_HEARTBEAT_SECONDS=1,
                          LDPTRAIN_IMPORT_BUNDLED=False, LDPTRAIN_LOAD_SAMPLE_ORGS=False)


def _trainee(server: LiveServer, email: str) -> int:
    """A trainee enrolled in a new two-module course ("beat-…") of one-minute modules that asks
    for 10 % of each (6 seconds). Returns the enrolment's id."""
    with server.app.app_context():
        course = f.course(f"beat-{email.split('@')[0]}", modules=2, final=False)
        course.min_time_percent = 10
        for module in course.modules:
            get_session().execute(
                ModuleVersion.__table__.update()
                .where(ModuleVersion.module_id == module.id).values(duration_minutes=1))
        found = enrolment.enrol(f.user(email, language="th"), course)
        get_session().commit()
        return found.id


def _sign_in(page: Any, server: LiveServer, email: str) -> None:
    page.goto("/login")
    page.get_by_label("อีเมล", exact=True).fill(email)
    page.get_by_label("รหัสผ่าน", exact=True).fill(f.PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ", exact=True).click()
    page.wait_for_url(f"{server.url}/")


def _seconds(server: LiveServer, enrolment_id: int) -> dict[int, int]:
    with server.app.app_context():
        session = get_session()
        course_id = session.get(Enrolment, enrolment_id).course_id
        rows = session.scalars(select(ModuleProgress).where(
            ModuleProgress.enrolment_id == enrolment_id))
        found = {row.module.position: row.seconds_spent for row in rows
                 if row.module.course_id == course_id}
        session.rollback()
        return found


def _beat(page: Any) -> Any:
    return page.expect_response(lambda r: r.url.endswith("/seen") and r.status == 204)


def test_a_visible_page_beats_and_a_hidden_one_counts_nothing(
        phone: Any, live_server: LiveServer, artifacts: Path) -> None:
    from playwright.sync_api import expect

    mine = _trainee(live_server, "beat@example.org")
    _sign_in(phone, live_server, "beat@example.org")
    slug = "beat-beat"
    phone.goto(f"/courses/{slug}/m/module-1")
    # Read for a while with no other request: only the heartbeat can tell the server.
    # (Each write counts whole seconds, so a beat a second apart may count 0 or 1.)
    for _ in range(15):
        with _beat(phone):
            pass
        if _seconds(live_server, mine)[1] >= 6:
            break
    spent = _seconds(live_server, mine)[1]
    assert spent >= 6, f"fifteen beats a second apart counted {spent} s"
    phone.get_by_role("button", name="บันทึกว่าเรียนจบแล้ว", exact=True).click()
    expect(phone.get_by_text("บันทึกว่าเรียนบทเรียนนี้จบแล้ว")).to_be_visible()
    expect(phone).to_have_url(f"{live_server.url}/courses/{slug}/m/module-2")

    # Module 2, then the tab goes to the background for 8 s (more than the 6 s asked for).
    with _beat(phone):
        phone.evaluate(HIDE)  # the last beat counts the reading up to now
    hidden_at = _seconds(live_server, mine).get(2, 0)
    time.sleep(8)
    assert _seconds(live_server, mine).get(2, 0) == hidden_at, "a hidden page was counted"
    with _beat(phone):
        phone.evaluate(SHOW)  # back: the clock restarts without the time away
    phone.get_by_role("button", name="บันทึกว่าเรียนจบแล้ว", exact=True).click()
    refused = phone.get_by_role("alert").filter(has_text="อีกประมาณ")
    expect(refused).to_contain_text("อีกประมาณ 1 นาที")
    assert _seconds(live_server, mine)[2] < hidden_at + 4
    phone.screenshot(path=str(artifacts / "e2e-engagement-hidden.png"), full_page=False)


def test_without_javascript_the_page_views_alone_count(
        phone_without_scripts: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page = phone_without_scripts
    mine = _trainee(live_server, "plain@example.org")
    _sign_in(page, live_server, "plain@example.org")
    page.goto("/courses/beat-plain/m/module-1")
    time.sleep(7)
    assert _seconds(live_server, mine) == {1: 0}, "no script runs, so nothing beat"
    # The next request (here "mark complete") counts the time since the page was opened.
    page.get_by_role("button", name="บันทึกว่าเรียนจบแล้ว", exact=True).click()
    expect(page.get_by_text("บันทึกว่าเรียนบทเรียนนี้จบแล้ว")).to_be_visible()
    assert _seconds(live_server, mine)[1] >= 7
