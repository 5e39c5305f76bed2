"""The rules for questions: each question alone, a bank as a whole, and an .en.md bank against
its original (same ids, order, choice counts and correct marks)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ldptrain.content.format import Problem
from ldptrain.content.messages import N_
from ldptrain.content.parse import SourceFile, did_you_mean
from ldptrain.content.questions import RawBank, RawQuestion
from ldptrain.content.validate import QUESTION_ID, SCORING
from ldptrain.thai import fold_answer


def questions(count: int) -> str:
    return N_("1 question") if count == 1 else N_("%(count)s questions", count=count)


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
                N_("question id '%(id)s' may contain only letters, digits, '.', '_' and '-' "
                   "(at most 100)", id=qid),
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
                    N_("points must be a whole number above 0 (got '%(points)s')",
                       points=q.attrs["points"]),
                )
            )
    scoring = q.attrs.get("scoring")
    if scoring is not None and scoring not in SCORING:
        problems.append(
            Problem(
                path,
                q.attrs_line,
                N_("scoring must be one of %(options)s (got '%(value)s')%(hint)s",
                   options=", ".join(SCORING), value=scoring,
                   hint=did_you_mean(scoring, SCORING)),
            )
        )
        scoring = None
    tags = tuple(t.strip() for t in q.attrs.get("tags", "").split(",") if t.strip())
    return QuestionAttrs(qid, points, tags, scoring)


def check_question(q: RawQuestion, path: str, problems: list[Problem]) -> None:
    if not q.heading:
        problems.append(Problem(path, q.line,
                                N_("empty question: write the question text after ##")))
        return
    kinds = [k for k, present in (("choices", q.choices), ("answer", q.answers),
                                  ("order", q.order), ("match", q.pairs)) if present]
    if q.choices and q.answers:
        problems.append(
            Problem(
                path, q.answers[0][1],
                N_("a question has either choices or answer lines, not both")
            )
        )
    elif len(kinds) > 1:
        problems.append(Problem(
            path, q.line, N_("a question has one kind of answer, not %(kinds)s lines",
                                  kinds=" and ".join(kinds))))
    elif q.order or q.pairs:
        _check_items(q, path, problems)
    elif not q.choices and not q.answers:
        problems.append(
            Problem(path, q.line,
                    N_("question has no choices (- [x] / - [ ]) and no `answer:` lines"))
        )
    elif q.choices and not any(c.correct for c in q.choices):
        problems.append(
            Problem(path, q.choices_line, N_("no correct choice: mark at least one with [x]"))
        )
    elif q.choices and len(q.choices) < 2:
        problems.append(
            Problem(path, q.choices_line, N_("a choice question needs at least two choices"))
        )
    for choice in q.choices:
        if not choice.markdown.strip():
            problems.append(Problem(path, choice.line, N_("empty choice")))


def _check_items(q: RawQuestion, path: str, problems: list[Problem]) -> None:
    """Ordering and matching: two or more items, none repeated (a repeat has no one place)."""
    if q.order:
        items = [(text, at) for text, at in q.order]
        what = N_("an ordering question needs at least two `order:` lines")
    else:
        items = [(left, at) for left, _right, at in q.pairs]
        items += [(right, at) for _left, right, at in q.pairs]
        what = N_("a matching question needs at least two `match:` lines")
    if len(q.order or q.pairs) < 2:
        problems.append(Problem(path, items[0][1], what))
    seen: dict[str, int] = {}
    for text, at in items:
        key = fold_answer(text)
        if key in seen:
            problems.append(Problem(path, at, N_("'%(text)s' is listed twice (also line %(line)s)",
                                                 text=text, line=seen[key])))
        seen.setdefault(key, at)


def shape(q: RawQuestion) -> tuple[str, int]:
    """The kind of a question and its count of choices or items, for comparing translations."""
    if q.order:
        return "ordering", len(q.order)
    if q.pairs:
        return "matching", len(q.pairs)
    return ("choice", len(q.choices)) if q.choices else ("short answer", 0)


KINDS = {"ordering": N_("an ordering"), "matching": N_("a matching"), "choice": N_("a choice"),
         "short answer": N_("a short answer")}


def check_bank(
    bank: RawBank, src: SourceFile, draw: int | None, problems: list[Problem]
) -> list[QuestionAttrs]:
    if not bank.questions:
        problems.append(
            Problem(
                src.path,
                min(src.body_line, src.text.count("\n") + 1),
                N_("assessment has no questions (each starts with a ## heading)"),
            )
        )
    attrs: list[QuestionAttrs] = []
    first_seen: dict[str, int] = {}
    for q in bank.questions:
        check_question(q, src.path, problems)
        a = question_attrs(q, src.path, problems)
        if a.id in first_seen:
            hint = "" if "id" in q.attrs else N_("; give one of them an {id=...} line")
            problems.append(
                Problem(
                    src.path,
                    q.attrs_line or q.line,
                    N_("duplicate question id '%(id)s' (first at line %(line)s)%(hint)s",
                       id=a.id, line=first_seen[a.id], hint=hint),
                )
            )
        first_seen.setdefault(a.id, q.line)
        attrs.append(a)
    if draw is not None and bank.questions and draw > len(bank.questions):
        problems.append(
            Problem(
                src.path,
                src.front["draw"].line,  # type: ignore[index]
                N_("draw is %(draw)s but the bank has only %(count)s", draw=draw,
                   count=questions(len(bank.questions))),
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
                N_("has %(count)s but the original has %(original)s",
                   count=questions(len(en.questions)), original=len(original.questions)),
            )
        )
    for q, orig, attrs in zip(en.questions, original.questions, ids, strict=False):
        en_id = q.attrs.get("id")
        if en_id is not None and en_id != attrs.id:
            problems.append(
                Problem(
                    path,
                    q.attrs_line,
                    N_("question id '%(id)s' differs from the original's '%(original)s' at "
                       "line %(line)s", id=en_id, original=attrs.id, line=orig.line),
                )
            )
        mine, theirs = shape(q), shape(orig)
        if {"ordering", "matching"} & {mine[0], theirs[0]}:
            if mine[0] != theirs[0]:
                problems.append(Problem(
                    path, q.line,
                    N_("the original question (line %(line)s) is %(kind)s question",
                       line=orig.line, kind=KINDS[theirs[0]])))
            elif mine[1] != theirs[1]:
                problems.append(Problem(
                    path, q.line,
                    N_("%(count)s items but the original (line %(line)s) has %(original)s",
                       count=mine[1], line=orig.line, original=theirs[1])))
            continue
        if bool(q.choices) != bool(orig.choices):
            kind = N_("a short answer") if orig.answers else N_("a choice")
            problems.append(
                Problem(
                    path, q.line, N_("the original question (line %(line)s) is %(kind)s question",
                                     line=orig.line, kind=kind)
                )
            )
        elif len(q.choices) != len(orig.choices):
            problems.append(
                Problem(
                    path,
                    q.choices_line,
                    N_("%(count)s choices but the original (line %(line)s) has %(original)s",
                       count=len(q.choices), line=orig.choices_line,
                       original=len(orig.choices)),
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
                            N_("marked differently from the original (line %(line)s: "
                               "%(mark)s)", line=theirs.line, mark=mark),
                        )
                    )
