"""load_content: what the importer receives from a clean project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ldptrain.content import load_content
from ldptrain.thai import fold_answer

from .conftest import FIXTURES

GOOD = FIXTURES / "good"


@pytest.fixture(scope="module")
def good():
    content, problems = load_content([str(GOOD)])
    assert problems == []
    return content


def test_yaml_1_1_coercions_do_not_apply(good) -> None:
    course = good.courses["plan-basics"]
    assert course.version == "1.10"  # not the float 1.1
    assert course.hours == 2.5 and course.certificate is True
    assert course.certificate_valid_years == 2 and course.code == "PLB"


def test_modules_are_ordered_and_localised(good) -> None:
    course = good.courses["plan-basics"]
    assert [(m.number, m.slug) for m in course.modules] == [(1, "intro"), (2, "cycle")]
    intro, cycle = course.modules
    assert intro.title.get("en") == "Introduction" and intro.title.get("th") == "บทนำ"
    assert intro.assessment == "plan-basics-01-quiz" and intro.duration == 30
    # The English body, without its opening "# Introduction" (the page shows the title).
    assert "module 2" in intro.body("en").html and "<h1" not in intro.body("en").html
    # No 02-cycle.en.md: English readers get the course language.
    assert cycle.body("en", course.language) is cycle.bodies["th"]
    assert course.title.get("en") == "Local development plan basics (EN)"


def test_question_kinds_answers_and_translation(good) -> None:
    quiz = good.assessments["plan-basics-01-quiz"]
    assert [q.kind for q in quiz.questions] == ["single", "multiple", "short"]
    single, multiple, short = quiz.questions
    assert single.id == "fiscal-year" and single.points == 2 and single.tags == ("plan", "budget")
    assert [c.correct for c in single.choices] == [False, True, False]
    assert single.choices[1].text["en"].html == "1 October 2025"
    assert multiple.scoring == "partial" and quiz.scoring == "all_or_nothing"
    assert short.id.startswith("q-") and short.kind == "short"
    # Answers from both languages are accepted; grading compares folded forms.
    assert fold_answer("  ๕๔๓ ") in short.answer_keys
    assert fold_answer("Five Hundred Forty-Three") in short.answer_keys
    assert "ปีงบประมาณเริ่ม" in single.explanations["th"].html
    assert quiz.attempts == 3 and quiz.time_limit == 30 and quiz.shuffle is True
    assert quiz.language == "th" and quiz.intro["en"].markdown.startswith("Read every")


def test_final_assessment_settings(good) -> None:
    final = good.assessments["plan-basics-final"]
    assert final.attempts is None and final.draw == 2 and final.feedback == "after_pass"
    assert fold_answer("12") in final.questions[2].answer_keys  # written ๑๒


def test_programme(good) -> None:
    programme = good.programmes["lao-staff"]
    assert programme.courses == ("plan-basics", "plan-advanced") and programme.code == "LAOP"
    assert programme.title.get("en") == "LAO staff programme (EN)"
    assert programme.title.get("th") == "หลักสูตรบุคลากรท้องถิ่น"
    assert "Programme overview in English." in programme.overview["en"].html


def test_checking_one_course_loads_what_it_refers_to() -> None:
    content, problems = load_content([str(GOOD / "courses" / "plan-advanced")], render=False)
    assert problems == []
    assert set(content.courses) == {"plan-advanced", "plan-basics"}  # the prerequisite
    assert "plan-basics-final" in content.assessments  # plan-basics' final assessment
    assert content.courses["plan-basics"].modules[0].bodies["th"].html == ""  # not rendered


def test_fenced_heading_stays_in_the_question() -> None:
    content, problems = load_content([str(FIXTURES / "rules" / "fenced-heading")])
    assert problems == []
    (question,) = content.assessments["q"].questions
    assert "## นี่ไม่ใช่คำถาม" in question.stems["th"].markdown


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(GOOD, target)
    return target


def test_hashes_ignore_line_endings_and_bom(tmp_path: Path) -> None:
    project = _copy(tmp_path)
    before, _ = load_content([str(project)], render=False)
    module = project / "courses" / "plan-basics" / "01-intro.md"
    module.write_bytes(b"\xef\xbb\xbf" + module.read_bytes().replace(b"\n", b"\r\n"))
    after, problems = load_content([str(project)], render=False)
    assert problems == []
    assert after.courses["plan-basics"].tree_hash == before.courses["plan-basics"].tree_hash


def test_an_edit_changes_only_its_own_hash(tmp_path: Path) -> None:
    project = _copy(tmp_path)
    before, _ = load_content([str(project)], render=False)
    module = project / "courses" / "plan-basics" / "02-cycle.md"
    module.write_text(module.read_text(encoding="utf-8") + "\nเพิ่มย่อหน้า\n", encoding="utf-8")
    after, _ = load_content([str(project)], render=False)
    old, new = before.courses["plan-basics"], after.courses["plan-basics"]
    assert old.modules[0].content_hash == new.modules[0].content_hash
    assert old.modules[1].content_hash != new.modules[1].content_hash
    assert old.content_hash == new.content_hash and old.tree_hash != new.tree_hash


def test_thai_text_is_nfc(tmp_path: Path) -> None:
    project = _copy(tmp_path)
    module = project / "courses" / "plan-basics" / "02-cycle.md"
    # Decomposed sara am (nikhahit + sara aa), as some keyboards and PDFs produce it.
    module.write_text(module.read_text(encoding="utf-8") + "\nน\u0e4d\u0e32\n", encoding="utf-8")
    content, _ = load_content([str(project)], render=False)
    assert "\u0e33" in content.courses["plan-basics"].modules[1].bodies["th"].markdown
    assert "\u0e4d\u0e32" not in content.courses["plan-basics"].modules[1].bodies["th"].markdown
