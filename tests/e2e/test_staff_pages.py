"""Staff on a phone: an administrator (every staff page, the longest header) at 360 px wide.
The staff pages sit in one "จัดการ" menu that opens without JavaScript, so the header stays two
lines, and the national dashboard with its province map fits the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ldptrain.db import get_session
from ldptrain.models import Role
from ldptrain.services import accounts

from .conftest import LiveServer
from .test_journey import PASSWORD, _check_page

pytestmark = pytest.mark.browser


def _sign_in_admin(page: Any, server: LiveServer, email: str) -> None:
    with server.app.app_context():
        accounts.create_user(email=email, password=PASSWORD,
                             name_th="ผู้ดูแลระบบ กสถ.", roles=(Role.ADMIN, Role.TRAINER),
                             language="th")
        get_session().commit()
    page.goto("/login")
    page.get_by_label("อีเมล", exact=True).fill(email)
    page.get_by_label("รหัสผ่าน", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ", exact=True).click()
    # A click waits for the next page to start, not for its stylesheets: measuring the header
    # before they apply saw it unstyled (seen once in CI, 164 px).
    page.wait_for_url(f"{server.url}/")
    page.wait_for_load_state("load")


@pytest.mark.parametrize("scripts", [True, False], ids=["javascript", "no-javascript"])
def test_staff_menu_keeps_the_phone_header_short(
        request: pytest.FixtureRequest, live_server: LiveServer, artifacts: Path,
        scripts: bool) -> None:
    from playwright.sync_api import expect

    page = request.getfixturevalue("phone" if scripts else "phone_without_scripts")
    _sign_in_admin(page, live_server, f"admin-{'js' if scripts else 'nojs'}@dla.example")
    header = page.locator("header.site-header")
    # The site's name with the language button, then five links over two lines: three rows
    # (the seven links and the button alone took five).
    assert header.bounding_box()["height"] < 130, "the header takes more than three rows"
    dashboard = page.get_by_role("link", name="แดชบอร์ด", exact=True)
    expect(dashboard).to_be_hidden()  # inside the closed menu
    page.get_by_text("จัดการ", exact=True).click()
    expect(dashboard).to_be_visible()
    expect(page.get_by_role("link", name="อบรมเชิงปฏิบัติการ", exact=True)).to_be_visible()
    _check_page(page, "open staff menu")
    dashboard.click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _check_page(page, "national dashboard")
    if scripts:
        page.screenshot(path=str(artifacts / "e2e-dashboard-phone.png"), full_page=True)
