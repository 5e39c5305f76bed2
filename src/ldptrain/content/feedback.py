"""The feedback policy of an assessment, in one place: which parts of a submitted attempt's
result a trainee may see. Pure (no Flask, no database) so `content check`, the result page, the
API and exports all apply the same rule; services.grading re-exports it."""

from __future__ import annotations

from dataclasses import dataclass

FEEDBACK = ("after_submit", "after_pass", "after_last_attempt", "never")


@dataclass(frozen=True)
class Disclosure:
    """What a submitted attempt's result may show, beyond the score.

    verdicts: which questions were right or wrong, and the points of each.
    answers: the correct choices, accepted answers and explanations.
    """

    verdicts: bool
    answers: bool


def disclosure(feedback: str, *, passed: bool | None, attempts_left: int | None) -> Disclosure:
    """THE feedback policy, used by the result page, the API and exports alike.

    `passed` is this attempt's result; `attempts_left` is None for unlimited attempts.
    - after_submit: everything, at once.
    - after_pass: verdicts always; answers once this attempt passed.
    - after_last_attempt: verdicts always; answers once this attempt passed or no attempt is
      left, so failing on purpose gives nothing away while another try remains.
    - never (or anything unknown): the score only.
    """
    if feedback == "after_submit":
        return Disclosure(True, True)
    if feedback == "after_pass":
        return Disclosure(True, bool(passed))
    if feedback == "after_last_attempt":
        return Disclosure(True, bool(passed) or attempts_left == 0)
    return Disclosure(False, False)


def reveals_before_last_attempt(feedback: str, attempts: int | None) -> bool:
    """Whether `feedback` shows correct answers to someone who failed and may try again: the
    check refuses that on a final that a certificate rests on."""
    return feedback == "after_submit" and (attempts is None or attempts > 1)
