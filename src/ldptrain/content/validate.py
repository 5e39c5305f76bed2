"""The rules of the content format. Each failure is a Problem(path, line, message).

Per-file rules read front matter into typed values (`*_fields`); the question and translation rules
work on the parsed question banks; the set rules (references, duplicates, cycles) run once every
file is read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ldptrain.content.format import LocalText, Problem
from ldptrain.content.parse import SLUG, Fields, SourceFile, did_you_mean
from ldptrain.content.questions import RawBank, RawQuestion
from ldptrain.thai import fold_answer

COURSE_KEYS = (
    "slug",
    "code",
    "title",
    "summary",
    "version",
    "order",
    "language",
    "hours",
    "prerequisites",
    "final_assessment",
    "certificate",
    "certificate_valid_years",
    "tags",
)
COURSE_REQUIRED = ("slug", "title", "version", "hours")
COURSE_EN_KEYS = ("title", "summary")
MODULE_KEYS = ("title", "duration", "assessment")
MODULE_REQUIRED = ("title", "duration")
MODULE_EN_KEYS = ("title",)
ASSESSMENT_KEYS = (
    "title",
    "pass_mark",
    "attempts",
    "time_limit",
    "draw",
    "shuffle",
    "feedback",
    "scoring",
)
ASSESSMENT_REQUIRED = ("title", "pass_mark")
ASSESSMENT_EN_KEYS = ("title",)
PROGRAMME_KEYS = (
    "slug",
    "code",
    "title",
    "summary",
    "version",
    "order",
    "courses",
    "certificate",
    "certificate_valid_years",
    "tags",
)
PROGRAMME_REQUIRED = ("slug", "title", "courses")
FEEDBACK = ("after_submit", "after_pass", "never")
SCORING = ("all_or_nothing", "partial")
CODE = re.compile(r"[A-Z0-9]{2,8}\Z")
QUESTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
SLUG_WHAT = "a slug (lower-case a-z, 0-9 and -, starting with a letter)"


def _fields(src: SourceFile, problems: list[Problem], required_front: bool) -> Fields | None:
    if src.front is None:
        if required_front and not src.has_front:
            problems.append(
                Problem(
                    src.path,
                    1,
                    "missing front matter: the file must start with a "
                    "--- line, key: value lines and a --- line",
                )
            )
        return None
    return Fields(src.front, src.path, problems)


def course_fields(src: SourceFile, folder: str, problems: list[Problem]) -> dict[str, Any] | None:
    fields = _fields(src, problems, True)
    if fields is None:
        return None
    fields.check_keys(COURSE_KEYS, COURSE_REQUIRED)
    slug = fields.text("slug", SLUG, SLUG_WHAT)
    if slug and slug != folder:
        problems.append(
            Problem(
                src.path,
                src.front["slug"].line,  # type: ignore[index]
                f"slug '{slug}' must match the folder name '{folder}'",
            )
        )
    return {
        "slug": folder,
        "code": fields.text("code", CODE, "2-8 upper-case letters or digits"),
        "title": fields.local_text("title") or LocalText(th=folder),
        "summary": fields.local_text("summary") or LocalText(),
        "version": fields.text("version") or "",
        "order": fields.integer("order") or 0,
        "language": fields.text("language", options=("th", "en")) or "th",
        "hours": fields.number("hours", minimum=0, what="a number of hours") or 0,
        "prerequisites": fields.text_list("prerequisites", SLUG, "a course slug"),
        "final_assessment": fields.text("final_assessment", SLUG, SLUG_WHAT),
        "certificate": fields.boolean("certificate", False),
        "certificate_valid_years": fields.integer("certificate_valid_years", minimum=1),
        "tags": fields.text_list("tags"),
    }


def translation_fields(
    src: SourceFile, allowed: Sequence[str], problems: list[Problem], lang: str = "en"
) -> dict[str, LocalText | None]:
    """Front matter of an `.en.md` sibling: only its own-language texts."""
    fields = _fields(src, problems, False)
    if fields is None:
        return {}
    fields.check_keys(allowed, where=" in an .en.md file")
    return {key: fields.local_text(key, lang) for key in allowed}


def module_fields(src: SourceFile, problems: list[Problem]) -> dict[str, Any] | None:
    fields = _fields(src, problems, True)
    if fields is None:
        return None
    fields.check_keys(MODULE_KEYS, MODULE_REQUIRED)
    return {
        "title": fields.local_text("title") or LocalText(),
        "duration": fields.integer("duration", minimum=1, what="a whole number of minutes") or 0,
        "assessment": fields.text("assessment", SLUG, SLUG_WHAT),
    }


def assessment_fields(src: SourceFile, problems: list[Problem]) -> dict[str, Any] | None:
    fields = _fields(src, problems, True)
    if fields is None:
        return None
    fields.check_keys(ASSESSMENT_KEYS, ASSESSMENT_REQUIRED)
    attempts: int | None = None
    if (value := src.front.get("attempts")) is not None and value.value != "unlimited":  # type: ignore[union-attr]
        attempts = fields.integer("attempts", minimum=1, what="a number or unlimited")
    pass_mark = fields.number("pass_mark", 0, 100, "a percentage")
    return {
        "title": fields.local_text("title") or LocalText(),
        "pass_mark": pass_mark if pass_mark is not None else 0,
        "attempts": attempts,
        "time_limit": fields.integer("time_limit", minimum=1, what="a whole number of minutes"),
        "draw": fields.integer("draw", minimum=1),
        "shuffle": fields.boolean("shuffle", False),
        "feedback": fields.text("feedback", options=FEEDBACK) or "after_submit",
        "scoring": fields.text("scoring", options=SCORING) or "all_or_nothing",
    }


def programme_fields(
    src: SourceFile, folder: str, problems: list[Problem]
) -> dict[str, Any] | None:
    fields = _fields(src, problems, True)
    if fields is None:
        return None
    fields.check_keys(PROGRAMME_KEYS, PROGRAMME_REQUIRED)
    slug = fields.text("slug", SLUG, SLUG_WHAT)
    if slug and slug != folder:
        problems.append(
            Problem(
                src.path,
                src.front["slug"].line,  # type: ignore[index]
                f"slug '{slug}' must match the folder name '{folder}'",
            )
        )
    courses = fields.text_list("courses", SLUG, "a course slug")
    listed = src.front.get("courses")  # type: ignore[union-attr]
    if listed is not None and listed.value == []:
        problems.append(
            Problem(src.path, src.line_of("courses"), "'courses' must list at least one course")
        )
    return {
        "slug": folder,
        "code": fields.text("code", CODE, "2-8 upper-case letters or digits"),
        "title": fields.local_text("title") or LocalText(th=folder),
        "summary": fields.local_text("summary") or LocalText(),
        "version": fields.text("version"),
        "order": fields.integer("order") or 0,
        "courses": courses,
        "certificate": fields.boolean("certificate", False),
        "certificate_valid_years": fields.integer("certificate_valid_years", minimum=1),
        "tags": fields.text_list("tags"),
    }


def check_body(src: SourceFile, problems: list[Problem], what: str) -> None:
    if not src.body.strip():
        last = src.text.count("\n") + 1
        problems.append(Problem(src.path, min(src.body_line, last), f"{what} has no text"))


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


# Questions ---------------------------------------------------------------------------------------


@dataclass
class QuestionAttrs:
    id: str
    points: int
    tags: tuple[str, ...]
    scoring: str | None


def derived_id(heading: str) -> str:
    """A stable id from the heading text, for questions without {id=...}."""
    return "q-" + hashlib.sha256(fold_answer(heading).encode("utf-8")).hexdigest()[:10]


def question_attrs(q: RawQuestion, path: str, problems: list[Problem]) -> QuestionAttrs:
    qid = q.attrs.get("id") or derived_id(q.heading)
    if "id" in q.attrs and (not QUESTION_ID.match(qid) or len(qid) > 100):
        problems.append(
            Problem(
                path,
                q.attrs_line,
                f"question id '{qid}' may contain only letters, digits, '.', '_' and '-' "
                "(at most 100)",
            )
        )
    points = 1
    if "points" in q.attrs:
        if q.attrs["points"].isdigit() and int(q.attrs["points"]) > 0:
            points = int(q.attrs["points"])
        else:
            problems.append(
                Problem(
                    path,
                    q.attrs_line,
                    f"points must be a whole number above 0 (got '{q.attrs['points']}')",
                )
            )
    scoring = q.attrs.get("scoring")
    if scoring is not None and scoring not in SCORING:
        problems.append(
            Problem(
                path,
                q.attrs_line,
                f"scoring must be one of {', '.join(SCORING)} "
                f"(got '{scoring}'){did_you_mean(scoring, SCORING)}",
            )
        )
        scoring = None
    tags = tuple(t.strip() for t in q.attrs.get("tags", "").split(",") if t.strip())
    return QuestionAttrs(qid, points, tags, scoring)


def check_question(q: RawQuestion, path: str, problems: list[Problem]) -> None:
    if not q.heading:
        problems.append(Problem(path, q.line, "empty question: write the question text after ##"))
        return
    if q.choices and q.answers:
        problems.append(
            Problem(
                path, q.answers[0][1], "a question has either choices or answer lines, not both"
            )
        )
    elif not q.choices and not q.answers:
        problems.append(
            Problem(path, q.line, "question has no choices (- [x] / - [ ]) and no `answer:` lines")
        )
    elif q.choices and not any(c.correct for c in q.choices):
        problems.append(
            Problem(path, q.choices_line, "no correct choice: mark at least one with [x]")
        )
    elif q.choices and len(q.choices) < 2:
        problems.append(
            Problem(path, q.choices_line, "a choice question needs at least two choices")
        )
    for choice in q.choices:
        if not choice.markdown.strip():
            problems.append(Problem(path, choice.line, "empty choice"))


def check_bank(
    bank: RawBank, src: SourceFile, draw: int | None, problems: list[Problem]
) -> list[QuestionAttrs]:
    if not bank.questions:
        problems.append(
            Problem(
                src.path,
                min(src.body_line, src.text.count("\n") + 1),
                "assessment has no questions (each starts with a ## heading)",
            )
        )
    attrs: list[QuestionAttrs] = []
    first_seen: dict[str, int] = {}
    for q in bank.questions:
        check_question(q, src.path, problems)
        a = question_attrs(q, src.path, problems)
        if a.id in first_seen:
            hint = "" if "id" in q.attrs else "; give one of them an {id=...} line"
            problems.append(
                Problem(
                    src.path,
                    q.attrs_line or q.line,
                    f"duplicate question id '{a.id}' (first at line {first_seen[a.id]}){hint}",
                )
            )
        first_seen.setdefault(a.id, q.line)
        attrs.append(a)
    if draw is not None and bank.questions and draw > len(bank.questions):
        problems.append(
            Problem(
                src.path,
                src.front["draw"].line,  # type: ignore[index]
                f"draw is {draw} but the bank has only {plural(len(bank.questions), 'question')}",
            )
        )
    return attrs


def check_translation(
    original: RawBank,
    ids: list[QuestionAttrs],
    en: RawBank,
    en_src: SourceFile,
    problems: list[Problem],
) -> None:
    """The .en.md bank must mirror the original: same ids, order, choice counts and [x] marks."""
    path = en_src.path
    for q in en.questions:
        check_question(q, path, problems)
    if len(en.questions) != len(original.questions):
        line = (
            en.questions[len(original.questions)].line
            if len(en.questions) > len(original.questions)
            else min(en_src.body_line, en_src.text.count("\n") + 1)
        )
        problems.append(
            Problem(
                path,
                line,
                f"has {plural(len(en.questions), 'question')} but the "
                f"original has {len(original.questions)}",
            )
        )
    for q, orig, attrs in zip(en.questions, original.questions, ids, strict=False):
        en_id = q.attrs.get("id")
        if en_id is not None and en_id != attrs.id:
            problems.append(
                Problem(
                    path,
                    q.attrs_line,
                    f"question id '{en_id}' differs from the "
                    f"original's '{attrs.id}' at line "
                    f"{orig.line}",
                )
            )
        if bool(q.choices) != bool(orig.choices):
            kind = "short answer" if orig.answers else "choice"
            problems.append(
                Problem(
                    path, q.line, f"the original question (line {orig.line}) is a {kind} question"
                )
            )
        elif len(q.choices) != len(orig.choices):
            problems.append(
                Problem(
                    path,
                    q.choices_line,
                    f"{len(q.choices)} choices but the "
                    f"original (line {orig.choices_line}) has "
                    f"{len(orig.choices)}",
                )
            )
        else:
            for mine, theirs in zip(q.choices, orig.choices, strict=True):
                if mine.correct != theirs.correct:
                    mark = "[x]" if theirs.correct else "[ ]"
                    problems.append(
                        Problem(
                            path,
                            mine.line,
                            f"marked differently from the original (line {theirs.line}: {mark})",
                        )
                    )


# The set ---------------------------------------------------------------------------------------


def check_cycles(
    prerequisites: Mapping[str, tuple[str, ...]],
    report: Mapping[str, tuple[str, int]],
    problems: list[Problem],
) -> None:
    """Report each prerequisite cycle once, at the prerequisites line of its first course."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(slug: str) -> None:
        state[slug] = 1
        stack.append(slug)
        for nxt in prerequisites.get(slug, ()):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                path, line = report[nxt]
                problems.append(Problem(path, line, "prerequisite cycle: " + " -> ".join(cycle)))
            elif nxt in prerequisites and state.get(nxt) is None:
                visit(nxt)
        stack.pop()
        state[slug] = 2

    for slug in sorted(prerequisites):
        if state.get(slug) is None:
            visit(slug)
