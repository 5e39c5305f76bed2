"""`ldptrain content preview PATH`: a course folder as trainees will see it, from the files,
through the importer's own sanitising renderer; no database, nothing written, 127.0.0.1 only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from ldptrain.cli.content import content
from ldptrain.web.preview import preview_app

FIXTURES = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "project"
    shutil.copytree(FIXTURES / "good", target)
    monkeypatch.chdir(tmp_path)
    return target


def _get(app: Flask, url: str) -> tuple[int, str]:
    response = app.test_client().get(url)
    return response.status_code, response.get_data(as_text=True)


def test_module_page_is_the_sanitised_render_with_working_links(project: Path) -> None:
    module = project / "courses" / "plan-basics" / "02-cycle.md"
    module.write_text(module.read_text(encoding="utf-8")
                      + '\n<script>alert(1)</script>\n\n<img src="x.png" onerror="alert(2)">\n'
                      + "\n[ลิงก์](javascript:alert(3))\n", encoding="utf-8")
    app = preview_app([str(project)])
    status, page = _get(app, "/courses/plan-basics/m/cycle")
    assert status == 200
    assert '<html lang="th">' in page and "ดูตัวอย่าง" in page
    assert "<script" not in page and "onerror" not in page and "javascript:" not in page
    status, intro = _get(app, "/courses/plan-basics/m/intro")
    assert '<img alt="วงจร" src="../files/images/cycle.png" loading="lazy">' in intro
    assert '<a class="button primary" href="../a/plan-basics-01-quiz">' in intro
    image = app.test_client().get("/courses/plan-basics/files/images/cycle.png")
    assert image.status_code == 200
    assert image.data == (project / "courses/plan-basics/images/cycle.png").read_bytes()
    assert _get(app, "/courses/plan-basics/files/../../../assessments/plan-basics-final.md")[0] \
        == 404
    assert _get(app, "/courses/no-such-course/")[0] == 404


def test_an_edit_shows_on_the_next_reload(project: Path) -> None:
    app = preview_app([str(project)])
    module = project / "courses" / "plan-basics" / "02-cycle.md"
    assert "ย่อหน้าที่เพิ่งเพิ่ม" not in _get(app, "/courses/plan-basics/m/cycle")[1]
    module.write_text(module.read_text(encoding="utf-8") + "\nย่อหน้าที่เพิ่งเพิ่ม\n", "utf-8")
    assert "<p>ย่อหน้าที่เพิ่งเพิ่ม</p>" in _get(app, "/courses/plan-basics/m/cycle")[1]


def test_an_edit_to_a_quiz_beside_the_course_folder_shows_too(project: Path) -> None:
    # Only the course folder is given; its quizzes are read from ../../assessments.
    app = preview_app([str(project / "courses" / "plan-basics")])
    url = "/courses/plan-basics/a/plan-basics-01-quiz"
    assert "คำถามที่แก้แล้ว" not in _get(app, url)[1]
    quiz = project / "assessments" / "plan-basics-01-quiz.md"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace(
        "ปีงบประมาณ พ.ศ. 2569 เริ่มต้นวันใด", "คำถามที่แก้แล้ว"), encoding="utf-8")
    assert "คำถามที่แก้แล้ว" in _get(app, url)[1]


def test_english_text_and_interface_with_lang_en(project: Path) -> None:
    status, page = _get(preview_app([str(project)]), "/courses/plan-basics/m/intro?lang=en")
    assert status == 200 and '<html lang="en">' in page
    assert "Preview of files on this computer" in page and "Introduction" in page


def test_quiz_plays_as_a_trainee_sees_it_and_shows_answers_on_request(project: Path) -> None:
    app = preview_app([str(project)])
    status, page = _get(app, "/courses/plan-basics/a/plan-basics-01-quiz")
    assert status == 200
    assert "ปีงบประมาณ พ.ศ. 2569 เริ่มต้นวันใด" in page and 'type="radio"' in page
    assert 'type="checkbox"' in page and "1 ตุลาคม 2568" in page
    assert "✓" not in page and "ปีงบประมาณเริ่ม 1 ตุลาคม" not in page  # no answers by default
    status, answers = _get(app, "/courses/plan-basics/a/plan-basics-01-quiz?answers=1")
    assert "ldp-choice correct" in answers and "ปีงบประมาณเริ่ม 1 ตุลาคม" in answers
    assert "543" in answers


def test_problems_are_shown_on_the_page_at_their_line(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(FIXTURES / "rules" / "box-not-indented", folder)
    app = preview_app([str(folder)])
    status, page = _get(app, "/courses/c/m/intro")
    assert status == 200
    assert f"{folder}/courses/c/01-intro.md:5: กล่องนี้ว่างเปล่า" in page
    assert _get(app, "/")[1].count("01-intro.md:5:") == 1


def test_preview_has_no_database_and_writes_nothing(project: Path, tmp_path: Path) -> None:
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    app = preview_app([str(project)])
    for url in ("/", "/courses/plan-basics/", "/courses/plan-basics/m/intro",
                "/a/plan-basics-final", "/courses/plan-basics/a/plan-basics-01-quiz?answers=1"):
        assert _get(app, url)[0] == 200, url
    assert "ldptrain" not in app.extensions and "sqlalchemy" not in app.extensions
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_the_command_serves_on_localhost_only(project: Path, monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(Flask, "run", lambda self, **kwargs: calls.append(kwargs))
    result = CliRunner().invoke(content, ["preview", str(project), "--port", "8799"])
    assert result.exit_code == 0, result.output
    assert calls and calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 8799
    assert "http://127.0.0.1:8799/" in result.output
