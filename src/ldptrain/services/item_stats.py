"""Item analysis of an assessment version: how each question behaved in submitted attempts.

- attempts: submitted attempts whose draw included the question (no answer counts as wrong).
- facility: the share of those attempts that got it right (all points; partial credit is not
  right).
- discrimination: the corrected point-biserial correlation between being right on the question
  and the score on the rest of the attempt (points elsewhere / points available elsewhere), so
  the question is not correlated with itself. None when everyone (or no one) got it right or the
  rest scores do not vary.
- choice shares: for choice questions, the share of attempts that picked each choice (authored
  order; for multiple choice they may add up to more than 1).
- time: the time of each answer is not recorded, only when the attempt started and was
  submitted; the median of (attempt duration / questions drawn) over the attempts that included
  the question stands in for it.
- flags: too_easy (facility > 0.9), too_hard (< 0.2), negative_discrimination, and
  unused_distractor:N for a wrong choice nobody picked.

`compute` is pure (tested against a hand-computed fixture); `for_version` reads the database.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..db import session
from ..models import (
    Assessment,
    AssessmentAttempt,
    AssessmentVersion,
    AttemptAnswer,
    AttemptStatus,
    Question,
)
from . import cells, grading

TOO_EASY, TOO_HARD = 0.9, 0.2


@dataclass(frozen=True)
class ItemKey:
    """What the statistics need of a question."""

    id: int
    key: str
    position: int
    kind: str
    points: float
    correct_flags: tuple[bool, ...]  # per choice, authored order (empty for short answers)


@dataclass(frozen=True)
class AttemptRecord:
    """A submitted attempt: its drawn questions and what each answer earned."""

    question_ids: tuple[int, ...]
    points: float
    max_points: float
    seconds: float | None  # submitted - started
    answers: Mapping[int, tuple[bool, float, Mapping[str, Any]]]  # id -> (correct, points, resp)


@dataclass
class ItemStat:
    question: ItemKey
    attempts: int = 0
    facility: float | None = None
    discrimination: float | None = None
    choice_shares: list[float] = field(default_factory=list)
    median_seconds: float | None = None
    flags: list[str] = field(default_factory=list)


def point_biserial(right: Sequence[bool], rest: Sequence[float]) -> float | None:
    """r_pb = (M1 - M0) / s * sqrt(p q), with s the population standard deviation of `rest`."""
    n = len(right)
    ones = [r for ok, r in zip(right, rest, strict=True) if ok]
    zeros = [r for ok, r in zip(right, rest, strict=True) if not ok]
    if not ones or not zeros:
        return None
    s = statistics.pstdev(rest)
    if s == 0:
        return None
    p = len(ones) / n
    return (statistics.fmean(ones) - statistics.fmean(zeros)) / s * math.sqrt(p * (1 - p))


def compute(questions: Sequence[ItemKey], records: Iterable[AttemptRecord]) -> list[ItemStat]:
    records = list(records)
    stats = []
    for q in questions:
        stat = ItemStat(q)
        taken = [r for r in records if q.id in r.question_ids]
        stat.attempts = len(taken)
        if taken:
            right = [r.answers.get(q.id, (False, 0.0, {}))[0] for r in taken]
            stat.facility = sum(right) / len(taken)
            rest = []
            for r in taken:
                earned = r.answers.get(q.id, (False, 0.0, {}))[1]
                left = r.max_points - q.points
                rest.append((r.points - earned) / left if left > 0 else 0.0)
            stat.discrimination = point_biserial(right, rest)
            if q.kind in ("single", "multiple"):
                counts = [0] * len(q.correct_flags)
                for r in taken:
                    response = r.answers.get(q.id, (False, 0.0, {}))[2]
                    for index in grading.picked_indexes(response, len(counts)):
                        counts[index] += 1
                stat.choice_shares = [c / len(taken) for c in counts]
            times = [r.seconds / len(r.question_ids) for r in taken
                     if r.seconds is not None and r.question_ids]
            stat.median_seconds = statistics.median(times) if times else None
            stat.flags = flags(stat)
        stats.append(stat)
    return stats


def flags(stat: ItemStat) -> list[str]:
    found = []
    if stat.facility is not None and stat.facility > TOO_EASY:
        found.append("too_easy")
    if stat.facility is not None and stat.facility < TOO_HARD:
        found.append("too_hard")
    if stat.discrimination is not None and stat.discrimination < 0:
        found.append("negative_discrimination")
    for index, share in enumerate(stat.choice_shares):
        if share == 0 and not stat.question.correct_flags[index]:
            found.append(f"unused_distractor:{index + 1}")
    return found


# --- from the database ---------------------------------------------------------------------------
def versions(assessment: Assessment) -> list[AssessmentVersion]:
    return list(session.scalars(select(AssessmentVersion).where(
        AssessmentVersion.assessment_id == assessment.id).order_by(AssessmentVersion.number)))


def for_version(version: AssessmentVersion) -> list[ItemStat]:
    """Every question of the version with its statistics over submitted attempts (3 queries)."""
    questions = [ItemKey(q.id, q.key, q.position, q.kind, float(q.points),
                         tuple(bool(c.get("correct")) for c in q.choices or [])
                         if q.kind in ("single", "multiple") else ())
                 for q in session.scalars(select(Question).where(
                     Question.assessment_version_id == version.id).order_by(Question.position))]
    attempts = list(session.execute(select(
        AssessmentAttempt.id, AssessmentAttempt.layout, AssessmentAttempt.points,
        AssessmentAttempt.max_points, AssessmentAttempt.started_at,
        AssessmentAttempt.submitted_at).where(
        AssessmentAttempt.assessment_version_id == version.id,
        AssessmentAttempt.status == AttemptStatus.SUBMITTED)))
    answers: dict[int, dict[int, tuple[bool, float, Mapping[str, Any]]]] = {}
    for attempt_id, question_id, correct, awarded, response in session.execute(select(
            AttemptAnswer.attempt_id, AttemptAnswer.question_id, AttemptAnswer.correct,
            AttemptAnswer.points_awarded, AttemptAnswer.response).join(
            AssessmentAttempt, AssessmentAttempt.id == AttemptAnswer.attempt_id).where(
            AssessmentAttempt.assessment_version_id == version.id,
            AssessmentAttempt.status == AttemptStatus.SUBMITTED)):
        answers.setdefault(attempt_id, {})[question_id] = (
            bool(correct), float(awarded or 0.0), response or {})
    records = [AttemptRecord(
        tuple(int(item["q"]) for item in layout or []), float(points or 0.0),
        float(max_points or 0.0),
        (submitted - started).total_seconds() if submitted and started else None,
        answers.get(attempt_id, {}))
        for attempt_id, layout, points, max_points, started, submitted in attempts]
    return compute(questions, records)


CSV_HEADER = ["version", "position", "question", "kind", "attempts", "facility",
              "discrimination", "choice_shares", "median_seconds_per_question", "flags"]


def _round(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def csv_rows(version: AssessmentVersion, stats: Sequence[ItemStat]) -> list[list[str]]:
    return [[str(version.number), str(s.question.position + 1), s.question.key, s.question.kind,
             str(s.attempts), _round(s.facility), _round(s.discrimination),
             ";".join(_round(x) for x in s.choice_shares), _round(s.median_seconds, 1),
             " ".join(s.flags)] for s in stats]


def to_csv(assessment: Assessment, version_number: int | None = None) -> str:
    """Every version (or one) of the assessment as CSV, one row per question."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for version in versions(assessment):
        if version_number is None or version.number == version_number:
            # Question keys come from authors' files: quoted if they look like a formula.
            writer.writerows(cells.csv_row(r) for r in csv_rows(version, for_version(version)))
    return out.getvalue()
