"""Accessibility in a real browser: the header's focus ring stands out from the green bar, the
keyboard walks the header in the order it is drawn on a phone, and axe-core (vendored in
tests/e2e/vendor/axe-core) finds no WCAG 2.1 A/AA violation on the main pages at 360 and 1280 px."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ldptrain.db import get_session, utcnow
from ldptrain.models import Certificate, Course, Enrolment, EnrolmentStatus, Organisation, Role
from ldptrain.services import accounts
from ldptrain.signals import course_completed

from .conftest import LiveServer
from .test_journey import PASSWORD, Target, _target

pytestmark = pytest.mark.browser

# Where the keyboard is: the element's box, its outline colour and the header's background.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const header = document.querySelector('header.site-header');
  const r = el.getBoundingClientRect();
  return {text: (el.textContent || el.getAttribute('aria-label') || el.tagName).trim(),
          inHeader: header.contains(el), skipLink: el.classList.contains('skip-link'),
          outline: getComputedStyle(el).outlineColor,
          outlineStyle: getComputedStyle(el).outlineStyle,
          header: getComputedStyle(header).backgroundColor,
          top: r.top, bottom: r.bottom, left: r.left, right: r.right};
}"""


def _rgb(css: str) -> tuple[float, float, float]:
    found = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)", css)
    assert found, css
    assert found.group(4) in (None, "1"), f"a see-through colour: {css}"
    return float(found.group(1)), float(found.group(2)), float(found.group(3))


def contrast(one: str, other: str) -> float:
    """WCAG 2.1's contrast ratio of two opaque CSS colours."""
    def luminance(css: str) -> float:
        def channel(value: float) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b = (channel(v) for v in _rgb(css))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_matches_wcag_examples() -> None:
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    # The old ring: Google blue on the header green, 1.7:1 (the issue measured 1.76).
    assert contrast("rgb(26, 115, 232)", "rgb(11, 93, 59)") < 2


def sign_in(page: Any, server: LiveServer, email: str) -> None:
    with server.app.app_context():
        accounts.create_user(email=email, password=PASSWORD, name_th="นายสมชาย ใจดี",
                             language="th")
        get_session().commit()
    page.goto("/login")
    page.get_by_label("อีเมล", exact=True).fill(email)
    page.get_by_label("รหัสผ่าน", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ", exact=True).click()
    page.wait_for_url(f"{server.url}/")
    page.wait_for_load_state("load")


def _header_stops(page: Any) -> list[dict[str, Any]]:
    """Tab from the top of the page through the header: every stop, the skip link first."""
    page.locator("body").focus()
    stops = []
    for _ in range(15):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop is None or not (stop["inHeader"] or stop["skipLink"]):
            break
        stops.append(stop)
    return stops


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "trainee"])
def test_header_focus_ring_has_3_to_1_contrast_on_the_green_bar(
        phone: Any, live_server: LiveServer, signed_in: bool) -> None:
    if signed_in:
        sign_in(phone, live_server, "ring@example.org")
    else:
        phone.goto("/")
    stops = _header_stops(phone)
    assert len(stops) >= 4, stops  # skip link, site name, language, courses...
    for stop in stops:
        assert stop["outlineStyle"] != "none", stop["text"]
        ratio = contrast(stop["outline"], stop["header"])
        assert ratio >= 3, f"{stop['text']}: focus ring {stop['outline']} on {stop['header']}" \
                           f" is {ratio:.2f}:1"


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "trainee"])
def test_tab_order_follows_the_header_as_drawn_on_a_phone(
        phone: Any, live_server: LiveServer, signed_in: bool) -> None:
    """Each next stop is to the right on the same row, or on a row below: the language button,
    drawn beside the site's name, comes before the links of the row under it."""
    if signed_in:
        sign_in(phone, live_server, "order@example.org")
    else:
        phone.goto("/")
    stops = [s for s in _header_stops(phone) if s["inHeader"]]
    names = [s["text"] for s in stops]
    assert "English" in names, names
    for before, after in itertools.pairwise(stops):
        same_row = after["top"] < before["bottom"] and before["top"] < after["bottom"]
        forward = after["left"] > before["left"] if same_row else after["top"] >= before["bottom"]
        assert forward, f"Tab goes from {before['text']!r} to {after['text']!r}, which is drawn " \
                        f"{'to the left' if same_row else 'above'}: {names}"


# --- axe-core over the main pages -------------------------------------------------------------

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                     resultTypes: ['violations']})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                     nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"""


@dataclass
class Walk:
    """Who and what the walk over the main pages needs, made in the live server's database."""
    trainee: str
    admin: str
    target: Target
    serial: str


def _walk_data(server: LiveServer, name: str) -> Walk:
    target = _target(server)
    with server.app.app_context():
        s = get_session()
        org = s.scalars(select(Organisation).where(Organisation.active.is_(True))
                        .order_by(Organisation.id)).first()
        trainee = accounts.create_user(email=f"{name}-trainee@example.org", password=PASSWORD,
                                       name_th="นางสาวสมศรี ตรวจสอบ", organisation_id=org.id,
                                       language="th")
        accounts.create_user(email=f"{name}-admin@dla.example", password=PASSWORD,
                             name_th="ผู้ดูแลระบบ กสถ.", roles=(Role.ADMIN,), language="th")
        # A certificate from another course than the one the walk takes a quiz in.
        course = s.scalars(select(Course).where(Course.certificate.is_(True),
                                                Course.retired.is_(False),
                                                Course.slug != target.course_slug)).first()
        enrolment = Enrolment(user_id=trainee.id, course_id=course.id, organisation_id=org.id,
                              status=EnrolmentStatus.COMPLETED, completed_at=utcnow(),
                              completion_source="online")
        s.add(enrolment)
        s.flush()
        course_completed.send("test", enrolment=enrolment)
        serial = s.scalars(select(Certificate.serial)
                           .where(Certificate.user_id == trainee.id)).one()
        s.commit()
    return Walk(f"{name}-trainee@example.org", f"{name}-admin@dla.example", target, serial)


def _context(browser: Any, server: LiveServer, width: int) -> Any:
    # bypass_csp: axe is a test's script injected into the page, which the app's CSP (rightly)
    # refuses; nothing the app serves depends on it.
    phone = width < 600
    context = browser.new_context(
        viewport={"width": width, "height": 780 if phone else 900}, is_mobile=phone,
        has_touch=phone, device_scale_factor=2 if phone else 1, locale="th-TH",
        base_url=server.url, bypass_csp=True)
    context.set_default_timeout(15_000)
    return context


def _log_in(page: Any, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("อีเมล", exact=True).fill(email)
    page.get_by_label("รหัสผ่าน", exact=True).fill(password)
    page.get_by_role("button", name="เข้าสู่ระบบ", exact=True).click()
    page.wait_for_load_state("load")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.wait_for_load_state("load")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return list(page.evaluate(RUN_AXE, WCAG21_AA))


@pytest.mark.parametrize("width", [360, 1280])
def test_axe_finds_no_wcag21_aa_violation_on_the_main_pages(
        browser: Any, live_server: LiveServer, width: int) -> None:
    from playwright.sync_api import expect

    walk = _walk_data(live_server, f"axe{width}")

    found: dict[str, list[dict[str, Any]]] = {}
    checked: list[str] = []

    def check(page: Any, what: str) -> None:
        checked.append(what)
        violations = axe_violations(page)
        if violations:
            found[what] = violations

    visitor = _context(browser, live_server, width).new_page()
    visitor.goto("/signup")
    check(visitor, "sign-up")
    visitor.get_by_role("button", name="สมัครสมาชิก", exact=True).click()
    expect(visitor.locator(".error-summary")).to_be_visible()
    check(visitor, "sign-up with errors")
    _log_in(visitor, walk.trainee, "not the password")
    expect(visitor.locator(".flash-error")).to_be_visible()
    check(visitor, "sign-in with errors")
    visitor.goto("/verify")
    check(visitor, "verify")
    visitor.goto(f"/verify/{walk.serial}")
    check(visitor, "verify result")
    # The check itself can fail: an image with no text alternative is reported.
    visitor.evaluate("document.querySelector('main').append(document.createElement('img'))")
    assert "image-alt" in {v["id"] for v in axe_violations(visitor)}
    visitor.context.close()

    page = _context(browser, live_server, width).new_page()
    _log_in(page, walk.trainee)
    page.goto("/")
    check(page, "catalogue")
    page.goto(f"/courses/{walk.target.course_slug}/")
    enrol = page.get_by_role("button", name="ลงทะเบียนเรียน", exact=True)
    if enrol.count():
        enrol.click()
        page.wait_for_load_state("load")
    check(page, "course")
    page.get_by_role("link", name=walk.target.module_title).first.click()
    check(page, "module")
    page.get_by_role("link", name="ทำแบบทดสอบ", exact=True).click()
    check(page, "quiz overview")
    page.get_by_role("button", name="เริ่มทำแบบทดสอบ", exact=True).click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    check(page, "quiz")
    page.goto("/me")
    check(page, "my learning")
    page.goto("/account/")
    check(page, "account")
    page.goto(f"/certificates/{walk.serial}")
    check(page, "certificate")
    page.context.close()

    staff = _context(browser, live_server, width).new_page()
    _log_in(staff, walk.admin)
    staff.goto("/dashboard/")
    check(staff, "dashboard")
    staff.context.close()

    assert len(checked) == 14, checked
    report = "\n".join(f"  {what}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}"
                       for what, violations in found.items() for v in violations)
    assert not found, f"axe-core (WCAG 2.1 A/AA) at {width} px:\n{report}"
