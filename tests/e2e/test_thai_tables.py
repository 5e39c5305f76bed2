"""Thai in module tables on a phone: the browser breaks lines between words (its own dictionary),
never inside a syllable, and a wide table scrolls inside its own box instead of the page.

Every table cell of every Thai module that has a table is read back from the DOM at 360 px:
each grapheme's rectangle (a Range over it) tells on which line it was drawn, and every place a
new line starts must be a boundary of the browser's own ``Intl.Segmenter('th', {granularity:
'word'})``. Forced anywhere-breaks ("บัญญั|ติ", "ระเบี|ยบก|ระ|ทรวง") fail it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ldptrain.db import get_session, utcnow
from ldptrain.models import Course, Enrolment, EnrolmentStatus, Role
from ldptrain.services import accounts, progress

from .conftest import LiveServer
from .test_journey import PASSWORD, PHONE_WIDTH

pytestmark = pytest.mark.browser

# For each table cell: the places a new rendered line starts that are not word boundaries.
BAD_BREAKS = """() => {
  const words = new Intl.Segmenter('th', {granularity: 'word'});
  const graphemes = new Intl.Segmenter('th', {granularity: 'grapheme'});
  const found = [];
  let cells = 0, lines = 0;
  for (const cell of document.querySelectorAll('.prose table td, .prose table th')) {
    // The cell's text node by node, so an offset in the cell maps to a node and an offset.
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    const pieces = [];
    let text = '';
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      pieces.push({node, start: text.length});
      text += node.data;
    }
    if (!text.trim()) continue;
    cells++;
    const boundaries = new Set([0, text.length]);
    for (const s of words.segment(text)) {
      boundaries.add(s.index);
      boundaries.add(s.index + s.segment.length);
    }
    let lastTop = null;
    for (const g of graphemes.segment(text)) {
      if (!g.segment.trim()) continue;  // collapsed or trailing spaces have no box of their own
      const piece = pieces.findLast(p => p.start <= g.index);
      const offset = g.index - piece.start;
      if (offset + g.segment.length > piece.node.data.length) continue;  // spans two nodes
      const range = document.createRange();
      range.setStart(piece.node, offset);
      range.setEnd(piece.node, offset + g.segment.length);
      const rects = range.getClientRects();
      if (!rects.length) continue;
      const top = rects[0].top, height = rects[0].height || 1;
      if (lastTop !== null && top > lastTop + height / 2) {
        lines++;
        if (!boundaries.has(g.index)) {
          found.push(text.slice(Math.max(0, g.index - 12), g.index) + '|' +
                     text.slice(g.index, g.index + 12));
        }
      }
      lastTop = top;
    }
  }
  return {cells, lines, found};
}"""


def _modules_with_tables(server: LiveServer) -> list[tuple[str, str]]:
    """(course slug, module slug) of every Thai module whose page has a table."""
    found = []
    with server.app.app_context():
        for course in get_session().scalars(select(Course).where(Course.retired.is_(False))):
            for entry in progress.outline(course.id):
                found.append((course.slug, entry.slug))
    return found


def _reader(server: LiveServer, email: str) -> None:
    """A trainee enrolled in every course (prerequisites skipped: only the pages matter)."""
    with server.app.app_context():
        session = get_session()
        user = accounts.create_user(email=email, password=PASSWORD, name_th="ผู้อ่าน ตาราง",
                                    roles=(Role.TRAINEE, Role.TRAINER), language="th")
        session.flush()
        for course in session.scalars(select(Course).where(Course.retired.is_(False))):
            session.add(Enrolment(user_id=user.id, course_id=course.id,
                                  status=EnrolmentStatus.ACTIVE, enrolled_at=utcnow()))
        session.commit()


def test_table_cells_break_thai_lines_only_between_words_on_a_phone(
        phone: Any, live_server: LiveServer, artifacts: Path) -> None:
    _reader(live_server, "table-reader@example.org")
    page = phone
    page.goto("/login")
    page.get_by_label("อีเมล", exact=True).fill("table-reader@example.org")
    page.get_by_label("รหัสผ่าน", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")

    checked_cells = checked_lines = tables = 0
    problems: dict[str, list[str]] = {}
    shot = False
    for course, module in _modules_with_tables(live_server):
        page.goto(f"/courses/{course}/m/{module}")
        if not page.locator(".prose table").count():
            continue
        page.wait_for_load_state("load")
        page.evaluate("document.fonts.ready")
        tables += page.locator(".prose table").count()
        assert page.locator("article.prose").get_attribute("lang") == "th"
        result = page.evaluate(BAD_BREAKS)
        checked_cells += result["cells"]
        checked_lines += result["lines"]
        if result["found"]:
            problems[f"{course}/{module}"] = result["found"][:5]
        # The table scrolls in its own box; the page itself never scrolls sideways.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH, f"{course}/{module}: the page is {width}px wide"
        if not shot and course == "ldp-sfci":
            page.locator(".prose table").first.screenshot(
                path=str(artifacts / "e2e-thai-table-phone.png"))
            shot = True
    assert tables >= 5, "the bundled courses should have tables to check"
    # Wrapped cells were seen, so the check looked at real line breaks.
    assert checked_lines > 20, (checked_cells, checked_lines)
    assert not problems, f"lines broken inside Thai words: {problems}"
