"""Question lint: warnings about questions that test-wise trainees can answer without knowing
the subject, or that repeat each other. Pure (reads a ContentSet, returns Problems).

`content check` prints these as `path:line: warning: ...`; `--strict` makes them errors.
Thai has no spaces between words, so nothing here splits text into words: texts are compared as
letter sequences (NFC, case-folded, spaces and punctuation removed), with difflib for similarity
and substring or character 4-gram containment for "does this text contain that one".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from ldptrain.content.format import Assessment, Body, ContentSet, Problem, Question
from ldptrain.content.messages import N_
from ldptrain.thai import fold_answer

LONGEST_SHARE = 1 / 3  # the key is strictly the longest option in more than this share
LONGEST_MIN = 3  # ... of a bank with at least this many single-choice questions
POSITION_SHARE = 1 / 2  # one position holds more than this share of the keys
POSITION_MIN = 6  # ... of a bank with at least this many single-choice questions
SIMILAR = 0.85  # near-duplicate stems
PADDING = 2  # an option more than this many times as long as every other
MIN_TERM = 3  # shorter answers ("ใช่", "5") are too common to mean anything in a stem
GRAM = 4  # character n-gram size for fuzzy containment of answer terms in module text
GRAM_SHARE = 0.6  # share of a term's n-grams that must occur in the module

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_SPLIT = re.compile(r"[\s\u200b]+|[^\w\u0e00-\u0e7f]+")


def letters(markdown: str) -> str:
    """The comparison form: link targets dropped, NFC, case-folded, Thai digits as Arabic,
    and only letters, marks (Thai vowels and tone marks) and digits kept."""
    text = fold_answer(_LINK.sub(r"\1", markdown))
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LMN")


def terms(markdown: str) -> list[str]:
    """An answer's key terms: its runs between spaces and punctuation (Thai authors put spaces
    between phrases, not words), in comparison form, of MIN_TERM characters or more."""
    runs = (letters(run) for run in _SPLIT.split(_LINK.sub(r"\1", markdown)))
    return [run for run in runs if len(run) >= MIN_TERM]


def _grams(text: str) -> set[str]:
    return {text[i : i + GRAM] for i in range(len(text) - GRAM + 1)}


def contains_term(haystack: str, term: str, haystack_grams: set[str] | None = None) -> bool:
    """`term` occurs in `haystack` (both in comparison form): as a substring, or for a long
    term (a Thai compound phrase the module may word slightly differently) when most of its
    character 4-grams do."""
    if term in haystack:
        return True
    grams = _grams(term)
    if len(term) < 2 * GRAM or not grams:
        return False
    found = haystack_grams if haystack_grams is not None else _grams(haystack)
    return len(grams & found) / len(grams) >= GRAM_SHARE


@dataclass(frozen=True)
class Stem:
    path: str
    line: int
    text: str  # comparison form


def _lang_text(question: Question, language: str) -> str:
    heading = question.text.get(language)
    stem = question.stems.get(language)
    return heading + " " + (stem.markdown if stem else "")


def _md(texts: Mapping[str, Body], language: str) -> str:
    """The text in `language`, else the first there is."""
    body = texts.get(language) or next(iter(texts.values()), None)
    return body.markdown if body else ""


def _options(question: Question, language: str) -> list[str]:
    return [letters(_md(c.text, language)) for c in question.choices]


def _warn(path: str, line: int, message: str) -> Problem:
    return Problem(path, line, N_("warning: %(message)s", message=message))


def _bank_rules(a: Assessment, out: list[Problem]) -> None:
    # Only well-formed ones: the check reports the rest as problems.
    singles = [q for q in a.questions
               if q.kind == "single" and len(q.choices) > 1 and any(c.correct for c in q.choices)]
    longest: list[Question] = []
    positions: Counter[int] = Counter()
    for q in singles:
        lengths = [len(o) for o in _options(q, a.language)]
        key = next(i for i, c in enumerate(q.choices) if c.correct)
        positions[key] += 1
        if lengths[key] > max(n for i, n in enumerate(lengths) if i != key):
            longest.append(q)
    first = a.questions[0].line if a.questions else 1
    if len(singles) >= LONGEST_MIN and len(longest) > LONGEST_SHARE * len(singles):
        lines = ", ".join(str(q.line) for q in longest)
        out.append(_warn(a.path, first,
                         N_("the correct option is strictly the longest in %(count)s of "
                            "%(total)s single-choice questions (lines %(lines)s); trainees "
                            "learn to pick the longest", count=len(longest),
                            total=len(singles), lines=lines)))
    if len(singles) >= POSITION_MIN:
        position, count = max(positions.items(), key=lambda kv: (kv[1], -kv[0]))
        if count > POSITION_SHARE * len(singles):
            out.append(_warn(a.path, first,
                             N_("option %(option)s is the correct one in %(count)s of "
                                "%(total)s single-choice questions (as written); spread the "
                                "keys or set shuffle: true", option=position + 1, count=count,
                                total=len(singles))))


def _question_rules(a: Assessment, q: Question, out: list[Problem]) -> None:
    if q.kind in ("ordering", "matching"):  # every item is "correct"; the order is the answer
        return
    stem = letters(_lang_text(q, a.language))
    if q.kind == "short":
        keys = [letters(answer) for answer in q.answers]
    else:
        options = _options(q, a.language)
        keys = [o for o, c in zip(options, q.choices, strict=True) if c.correct]
        for i, option in enumerate(options):
            others = [len(o) for j, o in enumerate(options) if j != i]
            if others and len(option) > PADDING * max(others):
                out.append(_warn(a.path, q.line,
                                 N_("option %(option)s is more than twice as long as every "
                                    "other option; padding points at (or away from) the answer",
                                    option=i + 1)))
    for key in keys:
        if len(key) >= MIN_TERM and key in stem:
            out.append(_warn(a.path, q.line,
                             N_("the question text contains its own answer")))
            break


def near_duplicates(stems: Sequence[Stem], threshold: float = SIMILAR) -> list[Problem]:
    """Each stem similar (difflib ratio >= threshold) to an earlier one, reported at the later.
    Cheap upper bounds (real_quick_ratio, quick_ratio) skip most pairs before ratio()."""
    out = []
    for i, later in enumerate(stems):
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(later.text)
        for earlier in stems[:i]:
            matcher.set_seq1(earlier.text)
            if (matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold
                    and (ratio := matcher.ratio()) >= threshold):
                where = (N_("line %(line)s", line=earlier.line) if earlier.path == later.path
                         else f"{earlier.path}:{earlier.line}")
                out.append(_warn(later.path, later.line,
                                 N_("question is a near-duplicate of %(where)s "
                                    "(similarity %(ratio).2f)", where=where, ratio=ratio)))
                break
    return out


def _module_rules(content: ContentSet, out: list[Problem]) -> None:
    for course in content.courses.values():
        for module in course.modules:
            a = content.assessments.get(module.assessment or "")
            if a is None:
                continue
            # Every language: short answers list accepted answers in both.
            text = letters(" ".join([*module.title.as_dict().values(),
                                     *(b.markdown for b in module.bodies.values())]))
            grams = _grams(text)
            for q in a.questions:
                if q.kind in ("ordering", "matching"):
                    continue
                if q.kind == "short":
                    answer_terms = [t for answer in q.answers for t in terms(answer)]
                else:
                    answer_terms = [t for c in q.choices if c.correct
                                    for t in terms(_md(c.text, a.language))]
                if answer_terms and not any(contains_term(text, t, grams) for t in answer_terms):
                    out.append(_warn(a.path, q.line,
                                     N_("none of the answer's words appear in module "
                                        "%(module)s; is it taught there?", module=module.path)))


def lint_content(content: ContentSet, assessments: Iterable[Assessment] | None = None
                 ) -> list[Problem]:
    """Every lint warning for the set, sorted by path and line."""
    out: list[Problem] = []
    banks = list(assessments if assessments is not None else content.assessments.values())
    stems = []
    for a in sorted(banks, key=lambda a: a.path):
        _bank_rules(a, out)
        for q in a.questions:
            _question_rules(a, q, out)
            stems.append(Stem(a.path, q.line, letters(_lang_text(q, a.language))))
    out.extend(near_duplicates(stems))
    _module_rules(content, out)
    return sorted(out, key=lambda p: (p.path, p.line, p.message))
