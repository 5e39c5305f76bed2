"""Item analysis against a hand-computed fixture: six submitted attempts at five single-choice
questions (four choices each), on the staff page, as CSV, and who may see it.

Right (1) or wrong (0), per attempt; totals 3, 3, 3, 2, 2, 1:
        Q1 Q2 Q3 Q4 Q5   seconds
    A    1  1  1  0  0   300
    B    1  1  1  0  0   240
    C    1  1  0  0  1   180
    D    1  0  1  0  0   360
    E    1  0  0  0  1   120
    F    1  0  0  0  0    60

Q2 by hand: rest score = (total - Q2) / 4 = 1/2, 1/2, 1/2, 1/2, 1/2, 1/4. Right: A, B, C, so
M1 = 1/2, M0 = (1/2 + 1/2 + 1/4) / 3 = 5/12; mean 11/24; population variance
(5 * (1/24)^2 + (5/24)^2) / 6 = 5/576, s = sqrt(5)/24; p = 1/2.
r = (1/2 - 5/12) / (sqrt(5)/24) * sqrt(1/4) = 1/sqrt(5) = 0.447. The same way:
Q3 = -1/sqrt(17) = -0.243, Q5 = -sqrt(3)/4 = -0.433; Q1 and Q4 do not vary (no figure).
Seconds per question = duration / 5 = 60, 48, 36, 72, 24, 12: median 42.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from flask import Flask

from ldptrain.cli.content import content
from ldptrain.db import get_session
from ldptrain.models import Role
from ldptrain.services import attempts, enrolment, item_stats

from . import factories as f

KEYS = [1, 0, 2, 3, 0]  # the correct choice of each question
PICKS = {  # the choice each attempt picked, per question
    "A": [1, 0, 2, 0, 1], "B": [1, 0, 2, 0, 2], "C": [1, 0, 0, 1, 0],
    "D": [1, 1, 2, 1, 3], "E": [1, 1, 0, 2, 0], "F": [1, 2, 3, 2, 1]}
SECONDS = {"A": 300, "B": 240, "C": 180, "D": 360, "E": 120, "F": 60}


def build():  # type: ignore[no-untyped-def]
    questions = [f.question(key=f"q{i + 1}", choices=[(f"c{j}", j == key) for j in range(4)])
                 for i, key in enumerate(KEYS)]
    final = f.assessment("items", questions=questions, pass_mark=50)
    course = f.course("stats", modules=1, final=final)
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    for who, picks in PICKS.items():
        user = f.user(f"{who.lower()}@example.org")
        attempt = attempts.start(user, final, enrolment.enrol(user, course), now=start)
        ids = [int(item["q"]) for item in attempt.layout]
        attempts.save_answers(attempt, {qid: {"choices": [pick]} for qid, pick in
                                        zip(ids, picks, strict=True)}, now=start)
        attempts.submit(attempt, now=start + dt.timedelta(seconds=SECONDS[who]))
    get_session().commit()
    return final


def test_figures_match_the_hand_computation(any_app: Flask) -> None:
    final = build()
    stats = item_stats.for_version(final.current_version)
    assert [s.attempts for s in stats] == [6] * 5
    assert [s.facility for s in stats] == pytest.approx([1, 1 / 2, 1 / 2, 0, 1 / 3])
    assert stats[0].discrimination is None and stats[3].discrimination is None
    assert stats[1].discrimination == pytest.approx(1 / math.sqrt(5))
    assert stats[2].discrimination == pytest.approx(-1 / math.sqrt(17))
    assert stats[4].discrimination == pytest.approx(-math.sqrt(3) / 4)
    assert stats[1].choice_shares == pytest.approx([1 / 2, 1 / 3, 1 / 6, 0])
    assert stats[3].choice_shares == pytest.approx([1 / 3, 1 / 3, 1 / 3, 0])
    assert all(s.median_seconds == pytest.approx(42) for s in stats)
    assert [s.flags for s in stats] == [
        ["too_easy", "unused_distractor:1", "unused_distractor:3", "unused_distractor:4"],
        ["unused_distractor:4"],
        ["negative_discrimination", "unused_distractor:2"],
        ["too_hard"],  # the unpicked choice 4 is the key, not a distractor
        ["negative_discrimination"]]


def test_csv_command(any_app: Flask) -> None:
    build()
    result = any_app.test_cli_runner().invoke(content, ["stats", "items"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ",".join(item_stats.CSV_HEADER)
    assert lines[2] == ("1,2,q2,single,6,0.500,0.447,0.500;0.333;0.167;0.000,42.0,"
                        "unused_distractor:4")
    assert len(lines) == 6
    missing = any_app.test_cli_runner().invoke(content, ["stats", "nope"])
    assert missing.exit_code == 1 and "no assessment 'nope'" in missing.output


def test_staff_page_for_trainers_and_admins_only(any_app: Flask) -> None:
    build()
    f.user("trainer@example.org", roles=(Role.TRAINER,), language="en")
    f.user("learner@example.org")
    get_session().commit()
    base = f.prefix(any_app)
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainer@example.org")
    page = client.get(f"{base}/staff/assessments/items")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "0.45" in text and "-0.43" in text and "negative discrimination" in text
    assert "choice 4 is never picked" in text and "too hard" in text
    assert client.get(f"{base}/staff/assessments/").status_code == 200
    assert client.get(f"{base}/staff/assessments/items?version=9").status_code == 404
    assert client.get(f"{base}/staff/assessments/nope").status_code == 404
    other = any_app.test_client()
    f.sign_in(other, any_app, "learner@example.org")
    assert other.get(f"{base}/staff/assessments/items").status_code == 403
