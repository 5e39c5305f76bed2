"""The same journey with JavaScript turned off in the browser: a phone with scripts blocked (an
old handset, a data saver, a strict policy) must still sign up, find its organisation, enrol,
read a module and pass its quiz. Every step is a plain link or form post."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import LiveServer
from .test_journey import (
    _check_page,
    _target,
    answer_correctly,
    fill_signup,
    sign_in_after_signup,
)

pytestmark = pytest.mark.browser


def test_the_journey_works_with_javascript_off(
        phone_without_scripts: Any, live_server: LiveServer, artifacts: Path) -> None:
    from playwright.sync_api import expect

    target = _target(live_server)
    page = phone_without_scripts
    page.goto("/signup")
    # The page's scripts do not run: the type-ahead never fills the list by itself.
    page.get_by_label("ค้นหาหน่วยงานของท่าน").fill("ชลบุรี")
    expect(page.get_by_role("radio")).to_have_count(0)
    page.get_by_role("button", name="ค้นหา", exact=True).click()  # the server searches instead
    page.get_by_role("radio", name=re.compile("องค์การบริหารส่วนจังหวัดชลบุรี")).check()
    fill_signup(page, "นายสมศักดิ์ ไม่ใช้สคริปต์", "noscript@example.org", "เจ้าพนักงานธุรการ")
    page.get_by_label(re.compile("ยินยอมให้ประมวลผลข้อมูลส่วนบุคคล")).check()
    page.get_by_role("button", name="สมัครสมาชิก", exact=True).click()
    sign_in_after_signup(page, "noscript@example.org")
    expect(page.get_by_role("button", name="ออกจากระบบ")).to_be_visible()

    page.goto(f"/courses/{target.course_slug}/")
    page.get_by_role("button", name="ลงทะเบียนเรียน", exact=True).click()
    expect(page.get_by_text("ลงทะเบียนเรียนแล้ว")).to_be_visible()
    page.get_by_role("link", name=target.module_title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(target.module_title)
    _check_page(page, "module without JavaScript")

    page.get_by_role("link", name="ทำแบบทดสอบ", exact=True).click()
    page.get_by_role("button", name="เริ่มทำแบบทดสอบ", exact=True).click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    # Submitting with nothing answered asks first (WCAG 3.3.4), listing the blank questions,
    # announced and focused; nothing is scored yet.
    page.get_by_role("button", name="ส่งคำตอบ", exact=True).click()
    confirm = page.get_by_role("alert").filter(has_text="ยังไม่ได้ตอบ")
    expect(confirm).to_be_visible()
    expect(confirm.get_by_role("link", name="ข้อ 1", exact=True)).to_be_visible()
    assert page.evaluate("document.activeElement.className") == "ldp-confirm"
    _check_page(page, "quiz confirmation without JavaScript")
    page.screenshot(path=str(artifacts / "e2e-quiz-confirm.png"), full_page=False)
    answer_correctly(page, live_server, attempt_id)
    page.get_by_role("button", name="ส่งคำตอบ", exact=True).click()
    expect(page.get_by_text(re.compile(r"คะแนนของท่าน: 100(\.0)?%"))).to_be_visible()
    expect(page.locator(".ldp-result")).to_contain_text("ผ่าน")
    _check_page(page, "quiz result without JavaScript")
    page.screenshot(path=str(artifacts / "e2e-no-javascript-result.png"), full_page=True)
