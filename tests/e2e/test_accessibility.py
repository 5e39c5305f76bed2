"""Accessibility in a real browser: the header's focus ring stands out from the green bar and the
keyboard walks the header in the order it is drawn on a phone."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from ldptrain.db import get_session
from ldptrain.services import accounts

from .conftest import LiveServer
from .test_journey import PASSWORD

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
