"""The structure of an assessment body: level-2 headings start questions, a task list holds the
choices, `answer:` lines hold short answers, a blockquote after them is the explanation.

markdown-it-py finds the blocks (so a `##` in a fenced code block is code, not a question) and keeps
their line ranges; the Markdown of each part is cut from the source so it renders as written.
"""

from __future__ import annotations

import re
import shlex
import textwrap
from dataclasses import dataclass, field

from ldptrain.content.blocks import Block, scan_blocks
from ldptrain.content.format import Problem
from ldptrain.content.messages import N_
from ldptrain.content.parse import did_you_mean

_TASK = re.compile(r"\s*(?:[-*+]|\d+[.)])\s+\[([ xX])\](?:\s+|$)")
_ANSWER = re.compile(r"\s*(answer|order|match):(.*)\Z")
MATCH_SEPARATOR = "=>"
_ATTRS = re.compile(r"\s*\{(.*)\}\s*\Z")
ATTRIBUTE_KEYS = ("id", "points", "tags", "scoring")


@dataclass
class RawChoice:
    correct: bool
    markdown: str
    line: int


@dataclass
class RawQuestion:
    heading: str
    line: int
    attrs: dict[str, str] = field(default_factory=dict)
    attrs_line: int = 0
    stem: list[str] = field(default_factory=list)
    choices: list[RawChoice] = field(default_factory=list)
    choices_line: int = 0
    answers: list[tuple[str, int]] = field(default_factory=list)
    # `order:` lines, in the correct order; `match:` lines split at MATCH_SEPARATOR.
    order: list[tuple[str, int]] = field(default_factory=list)
    pairs: list[tuple[str, str, int]] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def stem_markdown(self) -> str:
        return "\n\n".join(self.stem).strip()

    @property
    def explanation_markdown(self) -> str:
        return "\n\n".join(self.explanation).strip()


@dataclass
class RawBank:
    intro: str
    questions: list[RawQuestion]


def _cut(lines: list[str], start: int, end: int) -> str:
    return "\n".join(lines[start:end]).strip("\n")


def parse_bank(body: str, first_line: int, path: str, problems: list[Problem]) -> RawBank:
    """Split an assessment body (starting at file line `first_line`) into intro and questions."""
    lines = body.split("\n")
    intro: list[str] = []
    questions: list[RawQuestion] = []
    current: RawQuestion | None = None
    phase = "stem"  # stem -> answers (choices or answer lines seen) -> explained
    for block in scan_blocks(lines):
        start, end = block.start, block.end
        line = first_line + start
        text = _cut(lines, start, end)
        if block.kind == "heading" and block.level == 2:
            current = RawQuestion(block.content, line)
            questions.append(current)
            phase = "stem"
            continue
        if current is None:
            intro.append(text)
            continue
        if block.kind == "reference":  # [label]: url definitions serve the text around them
            (current.explanation if phase == "explained" else current.stem).append(text)
            continue
        if (
            block.kind == "paragraph"
            and not current.stem
            and not current.attrs_line
            and phase == "stem"
            and (match := _ATTRS.match(lines[start]))
        ):
            current.attrs_line = line
            current.attrs = _parse_attrs(match.group(1), path, line, problems)
            text = _cut(lines, start + 1, end)
            if not text:
                continue
            start, line = start + 1, line + 1
        if block.kind == "list" and _TASK.match(lines[start]):
            if current.choices:
                problems.append(
                    Problem(path, line,
                            N_("a question has one list of choices; this is a second one"))
                )
                continue
            if phase == "explained":
                problems.append(Problem(path, line,
                                        N_("choices must come before the > explanation")))
            current.choices = _choices(block, lines, first_line, path, problems)
            current.choices_line = line
            phase = "answers"
            continue
        if block.kind == "paragraph":
            para = lines[start:end]
            tagged = [
                (m.group(1), m.group(2).strip(), line + i)
                for i, raw in enumerate(para)
                if (m := _ANSWER.match(raw))
            ]
            if tagged:
                word = tagged[0][0]
                for kind, value, at in tagged:
                    _add_line(current, kind, value, at, path, problems)
                rest = [raw for raw in para if not _ANSWER.match(raw)]
                if rest and phase == "stem" and not _ANSWER.match(para[0]):
                    current.stem.append("\n".join(rest))
                elif rest:
                    problems.append(
                        Problem(
                            path, line,
                            N_("every line of an %(word)s block must start with `%(word)s:`",
                               word=word)
                        )
                    )
                if phase == "explained":
                    problems.append(
                        Problem(path, line, N_("%(word)s lines must come before the > explanation",
                                               word=word))
                    )
                phase = "answers" if phase == "stem" else phase
                continue
        if phase == "stem":
            current.stem.append(text)
        elif block.kind == "blockquote":
            current.explanation.append(_unquote(lines[start:end]))
            phase = "explained"
        else:
            problems.append(
                Problem(
                    path,
                    line,
                    N_("text after the choices or answers is not part of "
                       "the question; move it above them or into the > "
                       "explanation"),
                )
            )
    for number, question in enumerate(questions):
        start = question.line - first_line
        end = questions[number + 1].line - first_line if number + 1 < len(questions) else len(lines)
        question.source = _cut(lines, start, end)
    return RawBank("\n\n".join(intro).strip(), questions)


def _add_line(
    q: RawQuestion, kind: str, value: str, at: int, path: str, problems: list[Problem]
) -> None:
    if not value:
        message = {
            "answer": N_("empty answer: write the accepted answer after `answer:`"),
            "order": N_("empty order: write an item after `order:`"),
            "match": N_("empty match: write a pair after `match:`"),
        }[kind]
        problems.append(Problem(path, at, message))
    elif kind == "answer":
        q.answers.append((value, at))
    elif kind == "order":
        q.order.append((value, at))
    else:
        left, sep, right = value.partition(MATCH_SEPARATOR)
        if not sep or not left.strip() or not right.strip():
            problems.append(
                Problem(path, at, N_("write a pair as `match: left %(separator)s right`",
                                       separator=MATCH_SEPARATOR))
            )
        else:
            q.pairs.append((left.strip(), right.strip(), at))


def _choices(
    block: Block, lines: list[str], first_line: int, path: str, problems: list[Problem]
) -> list[RawChoice]:
    choices: list[RawChoice] = []
    for start, end in block.items:
        item = lines[start:end]
        match = _TASK.match(item[0])
        line = first_line + start
        if not match:
            problems.append(Problem(path, line,
                                    N_("every item in a list of choices needs [ ] or [x]")))
            continue
        rest = textwrap.dedent("\n".join(item[1:]))
        markdown = (item[0][match.end() :] + "\n" + rest).strip()
        choices.append(RawChoice(match.group(1) in "xX", markdown, line))
    return choices


def _unquote(block: list[str]) -> str:
    return "\n".join(re.sub(r"^\s{0,3}> ?", "", raw) for raw in block).strip("\n")


def _parse_attrs(inner: str, path: str, line: int, problems: list[Problem]) -> dict[str, str]:
    """`{id=fiscal-year points=2 tags=plan,sfci}`; values may be quoted."""
    try:
        parts = shlex.split(inner)
    except ValueError as exc:
        problems.append(Problem(path, line, N_("cannot read the attribute line: %(error)s",
                                                    error=str(exc))))
        return {}
    attrs: dict[str, str] = {}
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep or not value:
            problems.append(Problem(path, line, N_("attribute '%(part)s' must be written key=value",
                                                    part=part)))
        elif key not in ATTRIBUTE_KEYS:
            problems.append(
                Problem(path, line, N_("unknown attribute '%(key)s'%(hint)s", key=key,
                                       hint=did_you_mean(key, ATTRIBUTE_KEYS)))
            )
        elif key in attrs:
            problems.append(Problem(path, line, N_("duplicate attribute '%(key)s'", key=key)))
        else:
            attrs[key] = value
    return attrs
