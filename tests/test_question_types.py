"""Ordering and matching questions through parse, play (HTTP, no JavaScript), score and export.

The fixture (tests/fixtures/content/types) has a four-step ordering question with partial credit
and a three-pair matching question, with English text."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from ldptrain.content import load_content
from ldptrain.db import get_session
from ldptrain.models import Course
from ldptrain.services import enrolment, grading
from ldptrain.services.attempts import slots_from_picks
from ldptrain.services.exporter import export_course
from ldptrain.services.importer import import_content

from . import factories as f
from .factories import per_request_locale  # noqa: F401

pytestmark = pytest.mark.usefixtures("per_request_locale")
TYPES = Path(__file__).parent / "fixtures" / "content" / "types"
STEPS = ["รวบรวมข้อมูลและวิเคราะห์สภาพปัญหา", "จัดเวทีประชาคมท้องถิ่น", "ร่างแผนพัฒนาท้องถิ่น",
         "ผู้บริหารอนุมัติและประกาศใช้"]
ROLES = {"คณะกรรมการพัฒนาท้องถิ่น": "พิจารณาร่างแผน",
         "คณะกรรมการสนับสนุนการจัดทำแผน": "จัดทำร่างแผน",
         "คณะกรรมการติดตามและประเมินผล": "ติดตามผลการใช้แผน"}

STEPS_EN = ["Collect data and analyse the problems", "Hold the local community forum",
            "Draft the plan", "The executive approves and announces it"]
ROLES_EN = {"Local development committee": "Considers the draft plan",
            "Plan support committee": "Drafts the plan",
            "Monitoring and evaluation committee": "Monitors the plan in use"}


def test_parse() -> None:
    found, problems = load_content([str(TYPES)], render=False)
    assert problems == []
    order, match = found.assessments["steps-final"].questions
    assert (order.kind, order.scoring, match.kind) == ("ordering", "partial", "matching")
    assert [c.text["th"].markdown for c in order.choices] == STEPS
    assert order.choices[0].text["en"].markdown == "Collect data and analyse the problems"
    assert {c.text["th"].markdown: c.match["th"].markdown for c in match.choices} == ROLES
    assert match.choices[1].match["en"].markdown == "Drafts the plan"


@pytest.mark.parametrize(("slots", "scoring", "points", "correct"), [
    ([0, 1, 2, 3], "all_or_nothing", 2.0, True),
    ([1, 0, 2, 3], "all_or_nothing", 0.0, False),
    ([1, 0, 2, 3], "partial", 1.0, False),  # 2 of 4 in place: half of 2 points
    ([0, 0, None, 3], "partial", 1.0, False),  # a repeated position earns only where it is right
    ([None, None, None, None], "partial", 0.0, False),
])
def test_score(slots: list, scoring: str, points: float, correct: bool) -> None:
    mark = grading.score_question("ordering", choices=[{}] * 4, answers=[], points=2,
                                  scoring=scoring, response={"slots": slots})
    assert (mark.points, mark.correct) == (points, correct)


def test_picks_are_read_through_the_layout() -> None:
    # Shown order [2, 0, 1]: the first box is authored item 2.
    assert slots_from_picks("ordering", ["3", "1", "x"], [2, 0, 1]) == [0, None, 2]
    # Matching: partner offered first is authored 2; left item 0 chose it.
    assert slots_from_picks("matching", ["0", "", "9"], [2, 0, 1]) == [2, None, None]


def _selects(page: str) -> list[tuple[str, str, dict[str, str]]]:
    """(select name, the row's text, {option label: value}) for every select on the page."""
    out = []
    row = r'<label class="ldp-slot">\s*<span>(.*?)</span>\s*<select name="([^"]+)">(.*?)</select>'
    for label, name, options in re.findall(row, page, re.S):
        values = {html.unescape(text): value for value, text in
                  re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', options)}
        out.append((name, html.unescape(re.sub(r"<[^>]+>", "", label)).strip(), values))
    return out


def test_play_score_and_export(any_app: Flask, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(TYPES, project)
    assert import_content([str(project)]).ok
    course = get_session().scalar(select(Course).where(Course.slug == "steps"))
    user = f.user("trainee@example.org", language="en")
    enrolment.enrol(user, course)
    get_session().commit()
    base = f.prefix(any_app)
    client = any_app.test_client()  # no JavaScript: plain form posts
    f.sign_in(client, any_app, "trainee@example.org")
    token = f.form_token(client, f"{base}/courses/steps/a/steps-final")
    started = client.post(f"{base}/courses/steps/a/steps-final/start",
                          data={"csrf_token": token})
    url = started.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    selects = _selects(page)
    assert len(selects) == 7
    steps = [s for s in selects if s[1] in STEPS_EN]
    # The page gives nothing away: the steps are not shown in the right order.
    assert len(steps) == 4 and [s[1] for s in steps] != STEPS_EN
    form = {"csrf_token": f.form_token(client, url), "action": "submit"}
    # Swap the first two steps, put the others right; match every committee rightly.
    wanted = {STEPS_EN[0]: "2", STEPS_EN[1]: "1", STEPS_EN[2]: "3", STEPS_EN[3]: "4"}
    for name, text, options in selects:
        form[name] = wanted[text] if text in wanted else options[ROLES_EN[text]]
    done = client.post(url, data=form)
    assert done.status_code == 302
    result = client.get(url).get_data(as_text=True)
    # Ordering: 2 of 4 in place of 1 point (partial) = 0.5; matching 1; 1.5 of 2 = 75%.
    assert "Your score: 75%" in result
    assert "Right position" in result and "Monitors the plan in use" in result
    # Export writes the same Markdown back; importing it changes nothing.
    exported = tmp_path / "exported"
    export_course("steps", str(exported))
    for name in ("steps-final.md", "steps-final.en.md"):
        assert ((exported / "assessments" / name).read_text(encoding="utf-8")
                == (TYPES / "assessments" / name).read_text(encoding="utf-8"))
    get_session().commit()
    assert import_content([str(exported)]).changes == []
