"""`content check` speaks the author's language: Thai with --lang th or a Thai locale (LANG,
LC_ALL), English otherwise; every message of every rule has its Thai text (#19)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from ldptrain.cli.content import content
from ldptrain.content import load_content
from ldptrain.content.lint import lint_content
from ldptrain.content.messages import Msg, language, translate

from .conftest import FIXTURES

THAI = re.compile(r"[\u0e01-\u0e5b]")


def _run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(content, ["check", *args], env=env)


@pytest.fixture(autouse=True)
def _in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def test_lang_th_prints_thai_messages_at_the_same_lines() -> None:
    result = _run("--lang", "th", "rules/yaml-tab", "rules/tis620-quiz", "rules/box-not-indented")
    assert result.stdout.splitlines() == [
        "rules/box-not-indented/courses/c/01-intro.md:5: กล่องนี้ว่างเปล่า: ให้ย่อหน้าข้อความในกล่อง"
        "ด้วยช่องว่าง 4 ตัวในบรรทัดถัดจาก !!!",
        "rules/box-not-indented/courses/c/course.md:2: ชื่อย่อ 'c' ซ้ำ (ใช้แล้วใน "
        "rules/yaml-tab/courses/c/course.md)",
        "rules/tis620-quiz/assessments/intro-quiz.md:2: ไฟล์บันทึกเป็น Windows-874/TIS-620 "
        "(รหัสภาษาไทยแบบเก่า) ไม่ใช่ UTF-8: ให้บันทึกใหม่เป็น UTF-8 — ใน Notepad: "
        "Save as › Encoding › UTF-8",
        "rules/tis620-quiz/courses/c/course.md:2: ชื่อย่อ 'c' ซ้ำ (ใช้แล้วใน "
        "rules/yaml-tab/courses/c/course.md)",
        "rules/yaml-tab/courses/c/01-intro.md:4: บรรทัด 4 ขึ้นต้นด้วยแท็บ (Tab) ให้ใช้ช่องว่างแทน",
    ]
    assert result.stderr.splitlines() == ["ตรวจ 7 ไฟล์ ข้อผิดพลาด 5 รายการ คำเตือน 0 รายการ"]
    assert result.exit_code == 1


@pytest.mark.parametrize("variable", ["LANG", "LC_ALL"])
def test_a_thai_locale_gives_thai_messages(variable: str) -> None:
    result = _run("rules/unknown-key", env={variable: "th_TH.UTF-8"})
    assert result.stdout.splitlines() == [
        "rules/unknown-key/courses/c/01-intro.md:1: ขาดคีย์ที่ต้องมี 'duration'",
        "rules/unknown-key/courses/c/01-intro.md:3: ไม่รู้จักคีย์ 'duraton' หมายถึง 'duration' "
        "หรือไม่",
    ]


def test_english_locale_and_lang_en_win_over_a_thai_one() -> None:
    assert language(None, {"LC_ALL": "en_GB.UTF-8", "LANG": "th_TH.UTF-8"}) == "en"
    assert language("en", {"LANG": "th_TH.UTF-8"}) == "en"
    assert language(None, {}) == "en"
    result = _run("--lang", "en", "rules/missing-key", env={"LANG": "th_TH.UTF-8"})
    assert result.stdout.splitlines() == [
        "rules/missing-key/courses/c/01-intro.md:1: missing required key 'duration'"]


def test_every_message_of_every_rule_and_lint_fixture_has_thai_text() -> None:
    """Nothing left in English when the author reads Thai: each problem the rule fixtures and
    the lint fixtures produce is a translatable message, and its Thai text is Thai."""
    rules = sorted(p for p in (FIXTURES / "rules").iterdir() if p.is_dir())
    untranslated = []
    seen = 0
    for folder in [*rules, FIXTURES / "lint", FIXTURES / "types"]:
        found, problems = load_content([str(folder)], render=False)
        for problem in [*problems, *lint_content(found)]:
            seen += 1
            thai = translate(problem.message, "th")
            if not isinstance(problem.message, Msg) or not THAI.search(thai):
                untranslated.append(f"{problem.path}:{problem.line}: {problem.message}")
    assert seen > 60
    assert untranslated == []
