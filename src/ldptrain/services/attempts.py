"""Assessment attempts: start (draw and shuffle once, stored in the layout), autosave, submit
exactly once, score, and the time limit, all enforced here on the server.

- The layout ([{"q": question_id, "order": [choice indexes as shown]}]) is fixed at start, so a
  reload shows the same questions in the same order; choice indexes stay in authored order.
- An answer saved after the deadline is ignored; a submit after it is scored as at the deadline
  with what was saved; an attempt left open past its deadline is scored when the trainee next
  opens the assessment.
- Submitting is a conditional UPDATE ... WHERE status = 'in_progress': a double click, a retry or
  a second tab changes the row once, and only that request scores it.
- The attempt limit is checked here; the unique (user, assessment, number) constraint backs it
  against two tabs starting at once.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError

from ..db import session, utcnow
from ..i18n import lazy_gettext
from ..models import (
    Assessment,
    AssessmentAttempt,
    AssessmentVersion,
    AttemptAnswer,
    AttemptStatus,
    Course,
    Enrolment,
    Module,
    ModuleVersion,
    Question,
    User,
)
from ..thai import nfc
from . import grading, progress
from .enrolment import EnrolmentError, is_open

MAX_TEXT = 1000  # characters kept of a short answer
SLOT_KINDS = ("ordering", "matching")


class AttemptError(EnrolmentError):
    """A rule stopped the action; ``str(error)`` is the translated message."""


def assessment_in_course(course: Course, slug: str) -> Assessment | None:
    """The course's final assessment or one of its live modules' quizzes, by slug."""
    found = session.scalar(select(Assessment).where(Assessment.slug == slug,
                                                     Assessment.retired.is_(False)))
    if found is None or found.current_version_id is None:
        return None
    if found.id == course.final_assessment_id:
        return found
    in_module = session.scalar(
        select(func.count(Module.id))
        .join(ModuleVersion, Module.current_version_id == ModuleVersion.id)
        .where(Module.course_id == course.id, Module.retired.is_(False),
               ModuleVersion.assessment_id == found.id))
    return found if in_module else None


def attempts_of(user: User, assessment: Assessment) -> list[AssessmentAttempt]:
    return list(session.scalars(select(AssessmentAttempt).where(
        AssessmentAttempt.user_id == user.id, AssessmentAttempt.assessment_id == assessment.id)
        .order_by(AssessmentAttempt.number)))


def get_attempt(attempt_id: int, user: User) -> AssessmentAttempt | None:
    """The user's own attempt only: another person's id looks like a missing one."""
    found = session.get(AssessmentAttempt, attempt_id)
    return found if found is not None and found.user_id == user.id else None


def is_late(attempt: AssessmentAttempt, now: dt.datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at


def seconds_left(attempt: AssessmentAttempt, now: dt.datetime | None = None) -> int | None:
    if attempt.deadline_at is None:
        return None
    return max(0, int((attempt.deadline_at - (now or utcnow())).total_seconds()))


def close_expired(user: User, assessment: Assessment,
                  now: dt.datetime | None = None) -> list[AssessmentAttempt]:
    """Score every attempt of this user left open past its deadline (as at the deadline)."""
    now = now or utcnow()
    expired = list(session.scalars(select(AssessmentAttempt).where(
        AssessmentAttempt.user_id == user.id, AssessmentAttempt.assessment_id == assessment.id,
        AssessmentAttempt.status == AttemptStatus.IN_PROGRESS,
        AssessmentAttempt.deadline_at.is_not(None), AssessmentAttempt.deadline_at < now)))
    for attempt in expired:
        submit(attempt, now)
    return expired


def open_attempt(user: User, assessment: Assessment) -> AssessmentAttempt | None:
    return session.scalar(select(AssessmentAttempt).where(
        AssessmentAttempt.user_id == user.id, AssessmentAttempt.assessment_id == assessment.id,
        AssessmentAttempt.status == AttemptStatus.IN_PROGRESS)
        .order_by(AssessmentAttempt.number.desc()).limit(1))


def make_layout(questions: list[Question], draw: int | None, shuffle: bool,
                rng: random.Random) -> list[dict[str, Any]]:
    """Draw `draw` questions at random (shown in authored order) and shuffle choices if asked."""
    chosen = list(questions)
    if draw is not None and 0 < draw < len(chosen):
        chosen = sorted(rng.sample(chosen, draw), key=lambda q: q.position)
    layout = []
    for q in chosen:
        order = list(range(len(q.choices or [])))
        if q.kind in SLOT_KINDS:
            # Always shuffled, and never as written: the authored order is the answer
            # (ordering: the items shown; matching: the partners offered in each select).
            while len(order) > 1 and order == sorted(order):
                rng.shuffle(order)
        elif shuffle and q.kind != "short":
            rng.shuffle(order)
        layout.append({"q": q.id, "order": order})
    return layout


def _attempts_in_cycle(user: User, assessment: Assessment, enrolment: Enrolment | None,
                       total: int) -> int:
    """Attempts that count against the limit. A certificate up for renewal opens a new cycle
    on the course's final assessment: attempts before it was issued no longer count."""
    if enrolment is None or enrolment.course.final_assessment_id != assessment.id:
        return total
    from . import certificates

    due = certificates.renewal_due(user.id, enrolment.course_id)
    if due is None:
        return total
    return int(session.scalar(select(func.count()).select_from(AssessmentAttempt).where(
        AssessmentAttempt.user_id == user.id, AssessmentAttempt.assessment_id == assessment.id,
        AssessmentAttempt.started_at > due.issued_at)) or 0)


def start(user: User, assessment: Assessment, enrolment: Enrolment | None, *,
          rng: random.Random | None = None, now: dt.datetime | None = None) -> AssessmentAttempt:
    """Continue the open attempt, or start the next one when the limit allows."""
    if not is_open(enrolment):
        raise AttemptError(lazy_gettext("Enrol in the course to take its assessments."))
    now = now or utcnow()
    close_expired(user, assessment, now)
    current = open_attempt(user, assessment)
    if current is not None:
        return current
    _final_opens(enrolment, assessment, now)
    version: AssessmentVersion | None = assessment.current_version
    if version is None:
        raise AttemptError(lazy_gettext("This assessment is not available."))
    numbers = list(session.scalars(select(AssessmentAttempt.number).where(
        AssessmentAttempt.user_id == user.id, AssessmentAttempt.assessment_id == assessment.id)))
    used = _attempts_in_cycle(user, assessment, enrolment, len(numbers))
    if version.attempts_allowed is not None and used >= version.attempts_allowed:
        raise AttemptError(lazy_gettext(
            "You have used all %(n)s attempts at this assessment.", n=version.attempts_allowed))
    attempt = AssessmentAttempt(
        user_id=user.id, assessment_id=assessment.id, assessment_version_id=version.id,
        enrolment_id=enrolment.id if enrolment else None, number=max(numbers, default=0) + 1,
        status=AttemptStatus.IN_PROGRESS, started_at=now,
        deadline_at=(now + dt.timedelta(minutes=version.time_limit_minutes)
                     if version.time_limit_minutes else None),
        layout=make_layout(list(version.questions), version.draw, version.shuffle,
                           rng or random.SystemRandom()))
    try:
        with session.begin_nested():  # another tab may take the same number at the same moment
            session.add(attempt)
    except IntegrityError:
        other = open_attempt(user, assessment)
        if other is None:
            raise AttemptError(lazy_gettext("Please try again.")) from None
        return other
    return attempt


def _final_opens(enrolment: Enrolment | None, assessment: Assessment, now: dt.datetime) -> None:
    wait = final_wait(enrolment, assessment, now)
    if wait is not None:
        raise AttemptError(wait)


def final_wait(enrolment: Enrolment | None, assessment: Assessment,
               now: dt.datetime | None = None) -> Any:
    """Under a minimum-time rule (course `completion: {min_time: N%}`), the final opens once
    every module counts as complete, its time included: what is left before it opens (a lazy
    message), or None when it is open (or not this course's final, or no rule)."""
    if enrolment is None:
        return None
    course = enrolment.course
    if not course.min_time_percent or course.final_assessment_id != assessment.id:
        return None
    progress.settle(enrolment, now or utcnow())
    left = progress.requirements(enrolment).remaining_modules
    minutes = sum(step.minutes_left for step in left)
    if left and minutes:
        return lazy_gettext(
            "The final assessment opens once every module is complete: %(n)s modules left, "
            "about %(minutes)s more minutes of reading.", n=len(left), minutes=minutes)
    if left:
        return lazy_gettext(
            "The final assessment opens once every module is complete: %(n)s modules left.",
            n=len(left))
    return None


def layout_questions(attempt: AssessmentAttempt) -> list[tuple[Question, list[int]]]:
    """The attempt's questions in layout order, with each one's choice order (one query)."""
    ids = [int(item["q"]) for item in attempt.layout]
    found = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(ids)))}
    return [(found[int(item["q"])], list(item["order"]))
            for item in attempt.layout if int(item["q"]) in found]


def slots_from_picks(kind: str, picks: list[Any], order: list[int]) -> list[int | None]:
    """What the select boxes sent, in authored terms (see grading: slots).

    ordering: picks[k] is the position ("1".."n") chosen for the item shown k-th, which is
    authored item order[k]. matching: picks[i] is which offered partner ("0".."n-1", in the
    shuffled order shown) was chosen for left-hand item i; that partner is order[pick].
    Names and values refer to what was shown, so the page itself gives nothing away.
    """
    n = len(order)
    slots: list[int | None] = [None] * n
    for k, raw in enumerate(picks[:n]):
        value = str(raw or "").strip()
        if not value.isdigit():
            continue
        if kind == "ordering" and 1 <= int(value) <= n:
            slots[order[k]] = int(value) - 1
        elif kind == "matching" and int(value) < n:
            slots[k] = order[int(value)]
    return slots


def _clean(question: Question, raw: Mapping[str, Any], order: list[int]) -> dict[str, Any]:
    if question.kind in SLOT_KINDS:
        if "picks" in raw:
            return {"slots": slots_from_picks(question.kind, list(raw["picks"] or []), order)}
        return {"slots": grading.slot_values(raw, len(question.choices or []))}
    if question.kind == "short":
        return {"text": nfc(str(raw.get("text") or ""))[:MAX_TEXT]}
    picked = sorted(grading.picked_indexes(raw, len(question.choices or [])))
    if question.kind == "single":
        picked = picked[:1]
    return {"choices": picked}


def save_answers(attempt: AssessmentAttempt, responses: Mapping[int, Mapping[str, Any]],
                 now: dt.datetime | None = None) -> bool:
    """Store responses ({question_id: {"choices": [...]} | {"text": ...}}) for questions of the
    layout; others are ignored. Returns False, saving nothing, once the deadline has passed."""
    now = now or utcnow()
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptError(lazy_gettext("This attempt has already been submitted."))
    if is_late(attempt, now):
        return False
    questions = {q.id: (q, order) for q, order in layout_questions(attempt)}
    existing = {a.question_id: a for a in attempt.answers}
    for question_id, raw in responses.items():
        if question_id not in questions:
            continue
        question, order = questions[question_id]
        clean = _clean(question, raw, order)
        answer = existing.get(question_id)
        if answer is not None:
            answer.response, answer.saved_at = clean, now
            continue
        try:
            with session.begin_nested():  # two autosaves of one question may race
                session.add(AttemptAnswer(attempt_id=attempt.id, question_id=question_id,
                                          response=clean, saved_at=now))
        except IntegrityError:
            answer = session.scalar(select(AttemptAnswer).where(
                AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.question_id == question_id))
            if answer is not None:
                answer.response, answer.saved_at = clean, now
    session.flush()
    session.expire(attempt, ["answers"])
    return True


def submit(attempt: AssessmentAttempt, now: dt.datetime | None = None) -> bool:
    """Close and score the attempt. Returns True only for the one call that closed it."""
    now = now or utcnow()
    session.flush()
    at = min(now, attempt.deadline_at) if attempt.deadline_at else now
    result = session.execute(
        update(AssessmentAttempt)
        .where(and_(AssessmentAttempt.id == attempt.id,
                    AssessmentAttempt.status == AttemptStatus.IN_PROGRESS))
        .values(status=AttemptStatus.SUBMITTED, submitted_at=at)
        .execution_options(synchronize_session=False))
    session.refresh(attempt)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    _score(attempt)
    _apply_to_enrolment(attempt)
    return True


def _score(attempt: AssessmentAttempt) -> None:
    answers = {a.question_id: a for a in attempt.answers}
    points = max_points = 0.0
    for question, _order in layout_questions(attempt):
        answer = answers.get(question.id)
        mark = grading.score_question(
            question.kind, choices=question.choices or [], answers=question.answers or [],
            points=question.points, scoring=question.scoring,
            response=answer.response if answer else None)
        if answer is not None:
            answer.correct, answer.points_awarded = mark.correct, mark.points
        points += mark.points
        max_points += question.points
    version = session.get(AssessmentVersion, attempt.assessment_version_id)
    assert version is not None
    attempt.points, attempt.max_points = points, max_points
    attempt.score = grading.percent(points, max_points)
    attempt.passed = grading.is_pass(points, max_points, version.pass_mark)
    session.flush()


def _apply_to_enrolment(attempt: AssessmentAttempt) -> None:
    if attempt.enrolment_id is None:
        return
    enrolment = session.get(Enrolment, attempt.enrolment_id)
    if enrolment is None:
        return
    if enrolment.course.final_assessment_id == attempt.assessment_id:
        progress.record_final_score(enrolment, attempt.score)
    if attempt.passed:
        progress.assessment_passed(enrolment, attempt.assessment_id)


@dataclass
class ChoiceView:
    index: int  # authored index: the value posted back
    html: str
    picked: bool
    correct: bool | None = None  # None until feedback may be shown


@dataclass
class SlotView:
    """One select box of an ordering or matching question, in the order shown."""

    k: int  # the field is "<question field>-<k>"
    html: str  # the item (ordering) or the left-hand item (matching)
    selected: str  # the option value chosen ("" for none)
    selected_label: str = ""
    key: str | None = None  # revealed: the right position, or the right partner
    right: bool | None = None  # revealed: whether this one was right


@dataclass
class ItemView:
    """One question as a page shows it. Right/wrong, the key and explanations are filled in only
    as far as the Disclosure allows, so no page can leak them by accident."""

    number: int
    question_id: int
    kind: str
    html: str
    points: float
    choices: list[ChoiceView] = field(default_factory=list)
    text: str = ""
    correct: bool | None = None
    awarded: float | None = None
    explanation_html: str = ""
    rows: list[SlotView] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label) of each select


def _slot_rows(view: ItemView, question: Question, order: list[int], response: Mapping[str, Any],
               reveal: bool, pick: Any) -> None:
    n = len(question.choices or [])
    slots = grading.slot_values(response, n)
    choices = question.choices or []
    if question.kind == "ordering":
        view.options = [(str(p), str(p)) for p in range(1, n + 1)]
        for k, authored in enumerate(order):
            chosen = slots[authored]
            choice = choices[authored]
            view.rows.append(SlotView(
                k, pick(choice.get("html_th", ""), choice.get("html_en", "")),
                "" if chosen is None else str(chosen + 1),
                "" if chosen is None else str(chosen + 1),
                str(authored + 1) if reveal else None, (chosen == authored) if reveal else None))
        return
    partners = [pick(c.get("match_th", ""), c.get("match_en", "")) for c in choices]
    view.options = [(str(j), partners[order[j]]) for j in range(n)]
    for i, choice in enumerate(choices):
        chosen = slots[i]
        view.rows.append(SlotView(
            i, pick(choice.get("html_th", ""), choice.get("html_en", "")),
            "" if chosen is None else str(order.index(chosen)),
            "" if chosen is None else partners[chosen],
            partners[i] if reveal else None, (chosen == i) if reveal else None))


def unanswered(views: list[ItemView]) -> list[int]:
    """The numbers of the questions nothing was given for (no choice, no text, no slot), to
    list before a submit: a test asks for review or confirmation (WCAG 3.3.4)."""
    return [v.number for v in views
            if not (v.text.strip() or any(c.picked for c in v.choices)
                    or any(r.selected for r in v.rows))]


def attempts_left(attempt: AssessmentAttempt) -> int | None:
    """How many more attempts the attempt's owner may start (None: unlimited), counted as
    start() counts them."""
    assessment = session.get(Assessment, attempt.assessment_id)
    version = assessment.current_version if assessment is not None else None
    if assessment is None or version is None or version.attempts_allowed is None:
        return None
    user = session.get(User, attempt.user_id)
    enrolled = session.get(Enrolment, attempt.enrolment_id) if attempt.enrolment_id else None
    total = int(session.scalar(select(func.count()).select_from(AssessmentAttempt).where(
        AssessmentAttempt.user_id == attempt.user_id,
        AssessmentAttempt.assessment_id == attempt.assessment_id)) or 0)
    used = _attempts_in_cycle(user, assessment, enrolled, total) if user else total
    return max(0, version.attempts_allowed - used)


def disclosure(attempt: AssessmentAttempt) -> grading.Disclosure:
    """What the result of `attempt` may show its owner, by the one policy in grading."""
    if attempt.status != AttemptStatus.SUBMITTED:
        return grading.Disclosure(False, False)
    version = session.get(AssessmentVersion, attempt.assessment_version_id)
    return grading.disclosure(version.feedback if version else "never", passed=attempt.passed,
                              attempts_left=attempts_left(attempt))


def items(attempt: AssessmentAttempt, lang: str, *,
          shown: grading.Disclosure | None = None) -> list[ItemView]:
    """The attempt's questions; verdicts and answers only as far as `shown` allows (nothing by
    default, as on the attempt page)."""
    submitted = attempt.status == AttemptStatus.SUBMITTED
    reveal = bool(shown and shown.answers and submitted)
    verdicts = bool(shown and (shown.verdicts or shown.answers) and submitted)
    return question_views(layout_questions(attempt), lang,
                          answers={a.question_id: a for a in attempt.answers},
                          reveal=reveal, verdicts=verdicts)


def question_views(layout: list[tuple[Question, list[int]]], lang: str, *,
                   answers: Mapping[int, AttemptAnswer] | None = None, reveal: bool = False,
                   verdicts: bool = False) -> list[ItemView]:
    """Questions (each with its choice order) as the attempt page shows them; an author's
    preview passes a version's questions in authored order and no answers."""
    answers = answers or {}

    def pick(th: str, en: str) -> str:
        return en if lang == "en" and en else th

    views = []
    for number, (question, order) in enumerate(layout, start=1):
        answer = answers.get(question.id)
        response = answer.response if answer else {}
        picked = grading.picked_indexes(response, len(question.choices or []))
        view = ItemView(number, question.id, question.kind,
                        pick(question.text_html_th, question.text_html_en), question.points,
                        text=str(response.get("text") or ""))
        if question.kind in SLOT_KINDS:
            _slot_rows(view, question, order, response, reveal, pick)
        for index in ([] if question.kind in SLOT_KINDS else order):
            choice = question.choices[index]
            view.choices.append(ChoiceView(
                index, pick(choice.get("html_th", ""), choice.get("html_en", "")),
                index in picked, bool(choice.get("correct")) if reveal else None))
        if verdicts:
            view.correct = bool(answer.correct) if answer else False
            view.awarded = answer.points_awarded if answer and answer.points_awarded else 0.0
        if reveal:
            view.explanation_html = pick(question.explanation_html_th,
                                         question.explanation_html_en)
        views.append(view)
    return views
