"""Question lint: one fixture per rule under tests/fixtures/content/lint/<rule>/ and the exact
`path:line: warning: ...` lines it prints. Warnings leave the exit status 0; --strict makes it 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ldptrain.cli.content import content
from ldptrain.content.lint import Stem, contains_term, letters, near_duplicates, terms

from .conftest import FIXTURES

L = "lint"
W = "warning:"
RULES: dict[str, list[str]] = {
    "longest-option": [
        f"{L}/longest-option/assessments/q.md:6: {W} the correct option is strictly the longest "
        "in 2 of 3 single-choice questions (lines 6, 13); trainees learn to pick the longest",
    ],
    "key-position": [
        f"{L}/key-position/assessments/q.md:6: {W} option 1 is the correct one in 4 of 6 "
        "single-choice questions (as written); spread the keys or set shuffle: true",
    ],
    "near-duplicate": [
        f"{L}/near-duplicate/assessments/a.md:12: {W} question is a near-duplicate of line 6 "
        "(similarity 0.93)",
        f"{L}/near-duplicate/assessments/b.md:12: {W} question is a near-duplicate of "
        f"{L}/near-duplicate/assessments/a.md:6 (similarity 1.00)",
    ],
    "stem-contains-answer": [
        f"{L}/stem-contains-answer/assessments/q.md:6: {W} the question text contains its own "
        "answer",
    ],
    "answer-not-in-module": [
        f"{L}/answer-not-in-module/assessments/c-01-quiz.md:12: {W} none of the answer's words "
        f"appear in module {L}/answer-not-in-module/courses/c/01-intro.md; is it taught there?",
    ],
    "padding": [
        f"{L}/padding/assessments/q.md:6: {W} option 2 is more than twice as long as every other "
        "option; padding points at (or away from) the answer",
    ],
}


def _run(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(content, ["check", *args])
    return result.exit_code, [line for line in result.stdout.splitlines() if line]


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_prints_exact_warning(monkeypatch: pytest.MonkeyPatch, rule: str) -> None:
    monkeypatch.chdir(FIXTURES)
    assert _run(f"{L}/{rule}") == (0, RULES[rule])
    assert _run("--strict", f"{L}/{rule}") == (1, RULES[rule])


def test_a_clean_bank_is_clean_even_when_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    assert _run("--strict", f"{L}/clean") == (0, [])


def test_bundled_content_warns_but_passes_without_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(root)
    code, lines = _run("courses", "assessments")
    assert code == 0 and all(f": {W} " in line for line in lines)


def test_thai_text_is_compared_without_word_splitting() -> None:
    # Spaces, punctuation and the decomposed sara am make no difference.
    assert letters("การ จัดทำ, แผน!") == letters("การจัดท\u0e4d\u0e32แผน")
    assert terms("ผู้บริหาร ท้องถิ่น (นายก)") == ["ผู้บริหาร", "ท้องถิ่น", "นายก"]
    module = letters("คณะกรรมการพัฒนาท้องถิ่นเสนอร่างแผนต่อผู้บริหาร")
    assert contains_term(module, letters("คณะกรรมการพัฒนาท้องถิ่น"))
    # A long compound worded a little differently in the module still counts.
    assert contains_term(module, letters("คณะกรรมการพัฒนาของท้องถิ่น"))
    assert not contains_term(module, letters("สภาองค์การบริหารส่วนตำบล"))
    near = near_duplicates([Stem("a", 1, letters("ปีงบประมาณเริ่มวันใด")),
                            Stem("a", 2, letters("ปีงบประมาณ เริ่ม วันใด?"))])
    assert [p.line for p in near] == [2]
