"""Scoring rules, as pure functions: what a trainee's answers are worth."""

from __future__ import annotations

import pytest

from ldptrain.services import grading
from ldptrain.thai import fold_answer

SINGLE = [{"correct": False}, {"correct": True}, {"correct": False}]
MULTI = [{"correct": True}, {"correct": True}, {"correct": False}, {"correct": True}]


def score(kind: str, response: dict, *, choices=SINGLE, answers=(), points=1.0,
          scoring="all_or_nothing") -> grading.Mark:
    return grading.score_question(kind, choices=choices, answers=list(answers), points=points,
                                  scoring=scoring, response=response)


def test_single_choice_right_wrong_and_empty() -> None:
    assert score("single", {"choices": [1]}, points=2) == grading.Mark(2.0, True)
    assert score("single", {"choices": [0]}, points=2) == grading.Mark(0.0, False)
    assert score("single", {}, points=2) == grading.Mark(0.0, False)


def test_a_forged_second_pick_on_a_single_choice_question_earns_nothing() -> None:
    assert score("single", {"choices": [1, 0]}).points == 0


def test_out_of_range_and_junk_indexes_are_ignored() -> None:
    assert score("single", {"choices": ["1", "7", "-1", "x", None]}) == grading.Mark(1.0, True)


def test_multiple_all_or_nothing_needs_exactly_the_right_set() -> None:
    assert score("multiple", {"choices": [0, 1, 3]}, choices=MULTI).correct
    assert score("multiple", {"choices": [0, 1]}, choices=MULTI).points == 0
    assert score("multiple", {"choices": [0, 1, 2, 3]}, choices=MULTI).points == 0


@pytest.mark.parametrize(("picked", "expected"), [
    ([0, 1, 3], 3.0),      # all three right
    ([0, 1], 2.0),         # two of three right: 2/3 of 3 points
    ([0, 1, 2], 1.0),      # two right, one wrong: (2-1)/3
    ([0, 2], 0.0),         # one right, one wrong: 0
    ([2], 0.0),            # only wrong: floored at 0, never negative
    ([], 0.0),
])
def test_multiple_partial_is_right_minus_wrong_over_right_floored(picked, expected) -> None:
    mark = score("multiple", {"choices": picked}, choices=MULTI, points=3, scoring="partial")
    assert mark.points == pytest.approx(expected)
    assert mark.correct is (picked == [0, 1, 3])


def test_short_answers_match_after_thai_folding() -> None:
    accepted = [fold_answer("543"), fold_answer("ห้าร้อยสี่สิบสาม")]
    assert score("short", {"text": "๕๔๓"}, answers=accepted).correct  # Thai digits
    assert score("short", {"text": "  543\u200b "}, answers=accepted).correct  # zero-width, spaces
    # ำ typed as nikhahit + sara aa (a common keyboard/PDF form) still matches.
    assert score("short", {"text": "ก\u0e4d\u0e32"}, answers=[fold_answer("กำ")]).correct
    assert not score("short", {"text": "544"}, answers=accepted).correct
    assert not score("short", {"text": ""}, answers=[""]).correct


def test_percent_and_pass_agree_with_what_is_shown() -> None:
    assert grading.percent(2, 3) == 66.67
    assert grading.is_pass(2, 3, 66.67)
    assert not grading.is_pass(2, 3, 70)
    assert grading.is_pass(7, 10, 70)
    assert not grading.is_pass(0, 0, 0)  # nothing to score is not a pass


@pytest.mark.parametrize(("feedback", "passed", "left", "verdicts", "answers"), [
    ("after_submit", False, 2, True, True),
    ("after_pass", False, 2, True, False),
    ("after_pass", True, 2, True, True),
    ("after_last_attempt", False, 2, True, False),
    ("after_last_attempt", False, None, True, False),  # unlimited: never "the last one"
    ("after_last_attempt", False, 0, True, True),
    ("after_last_attempt", True, 1, True, True),
    ("never", True, 0, False, False),
])
def test_feedback_policy(feedback: str, passed: bool, left: int | None, verdicts: bool,
                         answers: bool) -> None:
    shown = grading.disclosure(feedback, passed=passed, attempts_left=left)
    assert (shown.verdicts, shown.answers) == (verdicts, answers)


def test_only_after_submit_reveals_while_attempts_remain() -> None:
    assert grading.reveals_before_last_attempt("after_submit", 3)
    assert grading.reveals_before_last_attempt("after_submit", None)
    assert not grading.reveals_before_last_attempt("after_submit", 1)
    assert not any(grading.reveals_before_last_attempt(f, 3)
                   for f in ("after_pass", "after_last_attempt", "never"))
