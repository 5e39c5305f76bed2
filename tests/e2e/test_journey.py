"""The trainee's journey in a real browser, on a phone, in Thai: sign up, find a course, enrol, read
a module, pass its quiz and see the result; with screenshots into artifacts/ and checks that the
pages fit 360 px, label their form controls and show where the keyboard focus is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ldptrain.db import get_session
from ldptrain.models import AssessmentAttempt, Course
from ldptrain.resources import TRANSLATIONS
from ldptrain.services import accounts, attempts, progress

from .conftest import LiveServer

pytestmark = pytest.mark.browser

PHONE_WIDTH = 360
PASSWORD = "แผนพัฒนาท้องถิ่น 2570"

# Shown form controls without a label, or with an empty name: what a screen reader would
# announce as just "edit text" or "button".
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter(el => el.type !== 'hidden' && !el.hidden && el.getClientRects().length > 0)
  .filter(el => {
    const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
      || el.getAttribute('title');
    if (el.tagName === 'BUTTON') return !(el.textContent.trim() || named);
    return !(named || (el.labels && [...el.labels].some(l => l.textContent.trim())));
  })
  .map(el => el.outerHTML.slice(0, 120))"""

# The focus ring of the element the keyboard is on: an outline or a box shadow.
FOCUS_RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1;
  return {tag: el.tagName + (el.className ? '.' + el.className : ''),
          visible: outline || (s.boxShadow && s.boxShadow !== 'none')};
}"""


@dataclass
class Target:
    """What the trainee will take: the first course open to newcomers and its first module
    with a quiz (read from the database the live server uses, so content changes do not break
    the test)."""
    course_slug: str
    course_title: str
    module_title: str
    module_number: int


def _target(server: LiveServer) -> Target:
    with server.app.app_context():
        courses = get_session().scalars(
            select(Course).where(Course.retired.is_(False)).order_by(Course.order, Course.slug))
        for course in courses:
            if course.prerequisites:
                continue
            for number, entry in enumerate(progress.outline(course.id), start=1):
                if entry.assessment_id:
                    return Target(course.slug, course.title_th, entry.title("th"), number)
    pytest.fail("no bundled course without prerequisites has a module quiz")


def _answer_key(server: LiveServer, attempt_id: int) -> list[tuple[int, str, list[str]]]:
    """The right answers to the questions this attempt drew: [(question id, kind, values)].
    The trainee learnt them from the module; the test reads them from the database."""
    with server.app.app_context():
        attempt = get_session().get(AssessmentAttempt, attempt_id)
        assert attempt is not None
        key = []
        for question, _order in attempts.layout_questions(attempt):
            if question.kind == "short":
                key.append((question.id, "short", [question.answers[0]]))
            else:
                key.append((question.id, question.kind, [
                    str(i) for i, c in enumerate(question.choices) if c.get("correct")]))
        return key


def answer_correctly(page: Any, server: LiveServer, attempt_id: int) -> None:
    """Fill in the right answer to every question of the attempt on the page."""
    for question_id, kind, values in _answer_key(server, attempt_id):
        if kind == "short":
            page.locator(f'[name="q-{question_id}"]').fill(values[0])
        else:
            for value in values:
                page.locator(f'[name="q-{question_id}"][value="{value}"]').check()


def fill_signup(page: Any, name: str, email: str, position: str) -> None:
    """The sign-up form's personal fields (the organisation is chosen separately)."""
    page.get_by_label("ชื่อ-นามสกุล (ภาษาไทย)").fill(name)
    page.get_by_label("อีเมล", exact=True).fill(email)
    page.get_by_label("ตำแหน่ง", exact=True).fill(position)
    page.get_by_label("รหัสผ่าน", exact=True).fill(PASSWORD)
    page.get_by_label("ยืนยันรหัสผ่าน").fill(PASSWORD)


def sign_in_after_signup(page: Any, email: str) -> None:
    """Without a mail server, sign-up leads to the sign-in page, the address filled in (the same
    answer for a registered address: docs/security.md)."""
    from playwright.sync_api import expect

    expect(page.get_by_text("ขอบคุณ กรุณาเข้าสู่ระบบ")).to_be_visible()
    expect(page.get_by_label("อีเมล", exact=True)).to_have_value(email)
    page.get_by_label("รหัสผ่าน", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ", exact=True).click()


def _check_page(page: Any, what: str) -> None:
    """Fits the phone without sideways scrolling, and every control has a label."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what}: {width}px wide, scrolls sideways at {PHONE_WIDTH}px"
    assert page.evaluate(UNLABELLED) == [], f"{what}: form controls without a label"


def _ui_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """The catalogue's English UI strings of two words or more, as patterns over page text
    (placeholders match anything), to spot English that escaped translation on a Thai page."""
    from babel.messages.pofile import read_po

    with open(TRANSLATIONS / "ldptrain.pot", "rb") as fh:
        catalog = read_po(fh)
    found = []
    for message in catalog:
        text = message.id if isinstance(message.id, str) else message.id[0]
        if not text or len(re.findall(r"[A-Za-z]{2,}", text)) < 2:
            continue
        parts = re.split(r"%\(\w+\)[sd]|%%", text.split("\n")[0])
        found.append((text, re.compile(r".+?".join(re.escape(p) for p in parts))))
    return found


UI_PATTERNS = _ui_patterns()


def _english_on(page: Any) -> list[str]:
    """English UI strings on the page (course content may quote English terms, UI must not)."""
    text = page.locator("body").inner_text()
    return [msgid for msgid, pattern in UI_PATTERNS if pattern.search(text)]


def _check_focus_is_visible(page: Any, what: str, presses: int = 6) -> None:
    page.locator("body").focus()
    for _ in range(presses):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        assert ring is not None, f"{what}: Tab did not move the focus"
        assert ring["visible"], f"{what}: no visible focus on {ring['tag']}"


def test_trainee_signs_up_enrols_reads_and_passes_a_module_quiz_on_a_phone(
        phone: Any, live_server: LiveServer, artifacts: Path) -> None:
    from playwright.sync_api import expect

    target = _target(live_server)
    page = phone

    # The catalogue, in Thai for a first-time visitor.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.get_by_role("heading", name="หลักสูตร", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=target.course_title).first).to_be_visible()
    _check_page(page, "catalogue")
    _check_focus_is_visible(page, "catalogue")
    # The Thai web font comes from the app itself (no CDN), and is in use.
    assert page.evaluate("document.fonts.ready.then(() => document.fonts.check('16px Sarabun'))")
    assert "Sarabun" in page.evaluate("getComputedStyle(document.body).fontFamily")
    page.evaluate("document.activeElement.blur()")
    page.screenshot(path=str(artifacts / "e2e-catalogue.png"), full_page=True)

    # Sign up, choosing the organisation with the type-ahead search.
    page.get_by_role("link", name="เข้าสู่ระบบ", exact=True).click()
    page.get_by_role("link", name=re.compile("สมัครสมาชิก")).click()
    expect(page.get_by_role("heading", name="สมัครสมาชิก")).to_be_visible()
    page.get_by_label("ค้นหาหน่วยงานของท่าน").fill("ชลบุรี")
    page.get_by_role("radio", name=re.compile("องค์การบริหารส่วนจังหวัดชลบุรี")).check()
    fill_signup(page, "นางสาวสมหญิง ใจงาม", "somying@example.org", "นักวิเคราะห์นโยบายและแผน")
    _check_page(page, "sign-up")
    page.get_by_label(re.compile("ยินยอมให้ประมวลผลข้อมูลส่วนบุคคล")).check()
    page.get_by_role("button", name="สมัครสมาชิก", exact=True).click()
    sign_in_after_signup(page, "somying@example.org")
    expect(page.get_by_role("button", name="ออกจากระบบ")).to_be_visible()

    # Find the course and enrol.
    page.get_by_role("link", name="หลักสูตร", exact=True).click()
    page.get_by_role("link", name=target.course_title).first.click()
    page.get_by_role("button", name="ลงทะเบียนเรียน", exact=True).click()
    expect(page.get_by_text("ลงทะเบียนเรียนแล้ว")).to_be_visible()
    _check_page(page, "course")

    # Read the module.
    page.get_by_role("link", name=target.module_title).first.click()
    expect(page.get_by_role("heading", level=1).first).to_have_text(target.module_title)
    expect(page.get_by_text(re.compile(f"บทเรียนที่ {target.module_number} จาก"))).to_be_visible()
    _check_page(page, "module")
    page.screenshot(path=str(artifacts / "e2e-module.png"), full_page=True)

    # Take the module quiz and pass it.
    page.get_by_role("link", name="ทำแบบทดสอบ", exact=True).click()
    page.get_by_role("button", name="เริ่มทำแบบทดสอบ", exact=True).click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    _check_page(page, "quiz")
    _check_focus_is_visible(page, "quiz", presses=10)
    answer_correctly(page, live_server, attempt_id)
    page.get_by_role("button", name="ส่งคำตอบ", exact=True).click()

    # The result: a pass, in Thai, with the score and a Buddhist Era date.
    expect(page.get_by_text(re.compile(r"คะแนนของท่าน: 100(\.0)?%"))).to_be_visible()
    expect(page.locator(".ldp-result")).to_contain_text("ผ่าน")
    expect(page.locator(".ldp-result")).to_contain_text(re.compile(r"ส่งเมื่อ \d{1,2} \S+ 25\d\d"))
    _check_page(page, "quiz result")
    page.screenshot(path=str(artifacts / "e2e-quiz-result.png"), full_page=True)

    # Back on the course page: the quiz is passed, but the bundled courses ask for half of each
    # module's reading time (completion: min_time 50%), so a trainee who clicked straight through
    # is told how long is left rather than shown the module as done.
    page.get_by_role("link", name="กลับไปที่หลักสูตร").click()
    module_row = page.locator("ol.ldp-modules > li").nth(target.module_number - 1)
    expect(module_row).not_to_contain_text("เรียนจบแล้ว")
    expect(page.get_by_text(re.compile(r"ต้องอ่านอีกประมาณ \d+ นาที")).first).to_be_visible()

    # One tap switches the interface to English (saved on the account, see test_i18n).
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="My learning")).to_be_visible()


def test_thai_pages_show_no_english_interface_text(phone: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    target = _target(live_server)
    with live_server.app.app_context():
        accounts.create_user(email="somchai@example.org", password=PASSWORD,
                             name_th="นายสมชาย ใจดี", language="th")
        get_session().commit()
    page = phone
    page.goto("/login")
    page.get_by_label("อีเมล", exact=True).fill("somchai@example.org")
    page.get_by_label("รหัสผ่าน", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ", exact=True).click()
    page.goto(f"/courses/{target.course_slug}/")
    page.get_by_role("button", name="ลงทะเบียนเรียน", exact=True).click()
    expect(page.get_by_text("ลงทะเบียนเรียนแล้ว")).to_be_visible()
    found = {"course": _english_on(page)}
    page.get_by_role("link", name=target.module_title).first.click()
    found["module"] = _english_on(page)
    page.get_by_role("link", name="ทำแบบทดสอบ", exact=True).click()
    found["quiz overview"] = _english_on(page)
    page.get_by_role("link", name="การเรียนของฉัน").click()
    found["my learning"] = _english_on(page)
    page.get_by_role("link", name="บัญชีของฉัน").click()
    found["my account"] = _english_on(page)
    assert not {k: v for k, v in found.items() if v}, "English UI text on Thai pages"
