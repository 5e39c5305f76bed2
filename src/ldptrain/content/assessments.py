"""Assessments: read a question bank (and its .en.md sibling) and build the Assessment."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

from ldptrain.content.format import (
    Assessment,
    Body,
    Choice,
    LocalText,
    Problem,
    Question,
    content_hash,
)
from ldptrain.content.links import check_layout, reject_local_links
from ldptrain.content.parse import SourceFile, read_source
from ldptrain.content.question_rules import (
    QuestionAttrs,
    check_bank,
    check_translation,
    shape,
)
from ldptrain.content.questions import RawBank, RawQuestion, parse_bank
from ldptrain.content.render import Links, render, render_inline
from ldptrain.content.validate import ASSESSMENT_EN_KEYS, assessment_fields, translation_fields


@dataclass
class AssessmentDraft:
    """What the check needs before the course language (the bank's original language) is known."""

    src: SourceFile
    fields: dict[str, Any]
    bank: RawBank
    attrs: list[QuestionAttrs]
    en: SourceFile | None
    en_bank: RawBank | None
    en_title: LocalText | None

    @property
    def slug(self) -> str:
        return os.path.basename(self.src.path)[:-3]


def load_assessment(path: str, problems: list[Problem]) -> AssessmentDraft | None:
    src = read_source(path, problems)
    if src is None:
        return None
    fields = assessment_fields(src, problems)
    bank = parse_bank(src.body, src.body_line, path, problems)
    attrs = check_bank(bank, src, (fields or {}).get("draw"), problems)
    reject_local_links(src.body, src.body_line, path, problems)
    check_layout(src.body, src.body_line, path, problems)
    en_path = path[:-3] + ".en.md"
    en = read_source(en_path, problems) if os.path.exists(en_path) else None
    en_bank, en_title = None, None
    if en is not None:
        en_title = translation_fields(en, ASSESSMENT_EN_KEYS, problems).get("title")
        en_bank = parse_bank(en.body, en.body_line, en.path, problems)
        check_translation(bank, attrs, en_bank, en, problems)
        reject_local_links(en.body, en.body_line, en.path, problems)
        check_layout(en.body, en.body_line, en.path, problems)
    if fields is None:
        return None
    return AssessmentDraft(src, fields, bank, attrs, en, en_bank, en_title)


def _texts(language: str, original: str, english: str | None) -> dict[str, Body]:
    texts = {language: Body(original)} if original else {}
    if english:
        texts["en"] = Body(english)
    return texts


def _question(
    q: RawQuestion, attrs: QuestionAttrs, en: RawQuestion | None, language: str, scoring: str
) -> Question:
    # The English question only contributes text when its shape matches (the check says when not).
    if en is not None and shape(en) != shape(q):
        en = None
    correct = sum(c.correct for c in q.choices)
    kind = "short" if not q.choices else "multiple" if correct > 1 else "single"
    choices = tuple(
        Choice(c.correct, _texts(language, c.markdown, en.choices[i].markdown if en else None))
        for i, c in enumerate(q.choices)
    )
    if q.order:
        kind = "ordering"
        choices = tuple(
            Choice(True, _texts(language, text, en.order[i][0] if en else None))
            for i, (text, _at) in enumerate(q.order)
        )
    elif q.pairs:
        kind = "matching"
        choices = tuple(
            Choice(True, _texts(language, left, en.pairs[i][0] if en else None),
                   _texts(language, right, en.pairs[i][1] if en else None))
            for i, (left, right, _at) in enumerate(q.pairs)
        )
    answers = [a for a, _ in q.answers] + [a for a, _ in (en.answers if en else [])]
    return Question(
        id=attrs.id,
        kind=kind,  # type: ignore[arg-type]
        points=attrs.points,
        tags=attrs.tags,
        scoring=attrs.scoring or scoring,  # type: ignore[arg-type]
        text=LocalText(**{language: q.heading, **({"en": en.heading} if en else {})}),
        stems=_texts(language, q.stem_markdown, en.stem_markdown if en else None),
        choices=choices,
        answers=tuple(dict.fromkeys(answers)),
        explanations=_texts(
            language, q.explanation_markdown, en.explanation_markdown if en else None
        ),
        line=q.line,
        content_hash=content_hash(q.source, en.source if en else ""),
    )


def build_assessment(draft: AssessmentDraft, language: str) -> Assessment:
    f = draft.fields
    en_questions = draft.en_bank.questions if draft.en_bank else []
    questions = tuple(
        _question(q, a, en_questions[i] if i < len(en_questions) else None, language, f["scoring"])
        for i, (q, a) in enumerate(zip(draft.bank.questions, draft.attrs, strict=True))
    )
    title: LocalText = f["title"]
    if draft.en_title:
        title = LocalText(th=title.th, en=draft.en_title.en)
    return Assessment(
        slug=draft.slug,
        title=title,
        pass_mark=f["pass_mark"],
        attempts=f["attempts"],
        time_limit=f["time_limit"],
        draw=f["draw"],
        shuffle=f["shuffle"],
        feedback=f["feedback"],
        scoring=f["scoring"],
        language=language,
        intro=_texts(language, draft.bank.intro, draft.en_bank.intro if draft.en_bank else None),
        questions=questions,
        path=draft.src.path,
        content_hash=content_hash("assessment", draft.src.text, draft.en.text if draft.en else ""),
    )


def _rendered(texts: dict[str, Body] | Any, links: Links, inline: bool = False) -> dict[str, Body]:
    fn = render_inline if inline else render
    return {lang: fn(body.markdown, links) for lang, body in texts.items()}


def render_assessment(assessment: Assessment, links: Links | None = None) -> Assessment:
    """Fill in the HTML of every text; `links.files_prefix` is where the assessments folder is
    served relative to the page that shows the questions."""
    links = links or Links()
    questions = tuple(
        dataclasses.replace(
            q,
            stems=_rendered(q.stems, links),
            explanations=_rendered(q.explanations, links),
            choices=tuple(
                dataclasses.replace(c, text=_rendered(c.text, links, inline=True),
                                    match=_rendered(c.match, links, inline=True))
                for c in q.choices
            ),
        )
        for q in assessment.questions
    )
    return dataclasses.replace(
        assessment, intro=_rendered(assessment.intro, links), questions=questions
    )
