"""What a trainee would see, for an author, without enrolling: the published module, quiz or
final, or a draft rendered by the same content pipeline the importer uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ... import content as c
from ...content.format import Problem
from ...content.loader import render_modules
from ...content.render import course_links, render, render_heading
from ...db import session
from ...i18n import lazy_gettext
from ...models import (
    Assessment,
    AssessmentVersion,
    AttemptAnswer,
    Course,
    Module,
    ModuleVersion,
    Question,
)
from ...thai import nfc
from .. import grading
from ..attempts import SLOT_KINDS, ItemView, question_views, slots_from_picks
from ..catalogue import localised
from ..item_stats import for_version
from .sources import (
    Source,
    SourceError,
    course_assessments,
    current_version,
    relative,
    workspace,
)


@dataclass
class ModulePreview:
    module: Module
    version: ModuleVersion
    html: str
    number: int  # 1-based among the live modules
    total: int


@dataclass
class AssessmentPreview:
    assessment: Assessment
    version: AssessmentVersion
    items: list[ItemView]


def published_module(course: Course, slug: str, lang: str) -> ModulePreview:
    modules = list(session.scalars(
        select(Module).where(Module.course_id == course.id, Module.retired.is_(False),
                             Module.current_version_id.is_not(None))
        .order_by(Module.position)))
    for number, module in enumerate(modules, start=1):
        if module.slug == slug and module.current_version is not None:
            version = module.current_version
            return ModulePreview(module, version,
                                 localised(version.html_th, version.html_en, lang,
                                           course.language), number, len(modules))
    raise SourceError(lazy_gettext("This course has no such module."))


def published_assessment(course: Course, slug: str, lang: str) -> AssessmentPreview:
    """The current version's questions in authored order, nothing picked: the attempt page's
    questions without an attempt (nothing is stored)."""
    for item in course_assessments(course):
        if item.slug == slug and item.current_version is not None:
            version = item.current_version
            layout = [(q, list(range(len(q.choices or [])))) for q in version.questions]
            return AssessmentPreview(item, version, question_views(layout, lang))
    raise SourceError(lazy_gettext("This course has no such quiz or final."))


@dataclass
class DraftPreview:
    """A draft checked and rendered: `problems` name files by their export-layout path."""

    problems: list[Problem] = field(default_factory=list)
    title: str = ""
    html: str = ""
    items: list[ItemView] = field(default_factory=list)

    def problems_in(self, path: str) -> list[Problem]:
        return [p for p in self.problems if p.path == path]

    def elsewhere(self, path: str) -> list[Problem]:
        return [p for p in self.problems if p.path != path]


def check_drafts(course: Course, drafts: dict[str, str]) -> list[Problem]:
    """`content check` of the course with `drafts` in place of their files."""
    return render_draft(course, None, drafts).problems


def render_draft(course: Course, source: Source | None, drafts: dict[str, str]) -> DraftPreview:
    """Check the course with `drafts` in place, and render `source` as its page would show it."""
    with workspace(course, drafts) as root:
        content, problems = c.load_content([str(root / "courses" / course.slug)], render=False)
        shown = DraftPreview([Problem(relative(root, p.path), p.line, p.message)
                              for p in problems])
        loaded = content.courses.get(course.slug)
        if source is None or loaded is None:
            return shown
        lang = "en" if source.english else loaded.language
        if source.kind == "course":
            links = course_links({f"{m.number:02d}-{m.slug}{s}": m.slug
                                  for m in loaded.modules for s in (".md", ".en.md")})
            body = loaded.overview.get(lang)
            shown.title = loaded.title.get(lang, loaded.language)
            shown.html = render(body.markdown, links, page=True).html if body else ""
        elif source.kind == "module":
            module = next((m for m in loaded.modules if m.slug == source.slug), None)
            if module is not None:
                rendered = render_modules(loaded, [module])[0]
                body = rendered.bodies.get(lang)
                shown.title = module.title.get(lang, loaded.language)
                shown.html = body.html if body else ""
        else:
            item = content.assessments.get(source.slug)
            if item is not None:
                rendered_item = c.render_assessment(item)
                shown.title = item.title.get(lang, item.language)
                shown.html = "".join(b.html for k, b in rendered_item.intro.items() if k == lang)
                shown.items = _draft_items(rendered_item, lang)
        return shown


def _text(texts: Any, lang: str) -> str:
    body = texts.get(lang) if texts else None
    if body is None and texts:
        body = next(iter(texts.values()))
    return body.html if body is not None else ""


def _draft_items(item: c.Assessment, lang: str) -> list[ItemView]:
    """The draft's questions as the attempt page would show them: unsaved Question rows made as
    the importer makes them (heading, then the stem), never added to the session."""
    layout = []
    for position, q in enumerate(item.questions):
        heading = q.text.get(lang, item.language)
        html = f"<p>{render_heading(heading)}</p>\n" + _text(q.stems, lang)
        choices = [{"html_th": _text(ch.text, lang), "html_en": "", "correct": ch.correct,
                    "match_th": _text(ch.match, lang), "match_en": ""} for ch in q.choices]
        row = Question(id=position + 1, key=q.id, position=position, kind=q.kind,
                       points=q.points, text_html_th=html, text_html_en="", choices=choices)
        layout.append((row, list(range(len(choices)))))
    return question_views(layout, "th")



def bank_statistics(course: Course, source: Source) -> dict[str, tuple[int, float | None]]:
    """Beside each question of the bank editor: (submitted attempts, share answered right) of
    the published version's question with the same id (services.item_stats)."""
    version = current_version(course, source)
    if not isinstance(version, AssessmentVersion):
        return {}
    return {stat.question.key: (stat.attempts, stat.facility) for stat in for_version(version)}


@dataclass
class Played:
    """An author's answers to a published quiz, scored as an attempt would be; nothing stored."""

    items: list[ItemView]
    points: float
    max_points: float
    score: float
    passed: bool


def play(course: Course, slug: str, responses: dict[int, dict[str, Any]],
         lang: str) -> Played:
    """Score `responses` (question id -> what the form sent, as web.forms.learn reads it) against
    the current version of the course's quiz or final, with the answers and explanations shown.
    The answers are unsaved rows: no attempt, no answer, no statistic is written."""
    shown = published_assessment(course, slug, lang)
    layout = [(q, list(range(len(q.choices or [])))) for q in shown.version.questions]
    answers: dict[int, AttemptAnswer] = {}
    points = max_points = 0.0
    for question, order in layout:
        raw = responses.get(question.id, {})
        if question.kind in SLOT_KINDS:
            response: dict[str, Any] = {
                "slots": slots_from_picks(question.kind, list(raw.get("picks") or []), order)}
        elif question.kind == "short":
            response = {"text": nfc(str(raw.get("text") or ""))[:1000]}
        else:
            picked = sorted(grading.picked_indexes(raw, len(question.choices or [])))
            response = {"choices": picked[:1] if question.kind == "single" else picked}
        mark = grading.score_question(
            question.kind, choices=question.choices or [], answers=question.answers or [],
            points=question.points, scoring=question.scoring, response=response)
        answers[question.id] = AttemptAnswer(question_id=question.id, response=response,
                                             correct=mark.correct, points_awarded=mark.points)
        points += mark.points
        max_points += question.points
    return Played(question_views(layout, lang, answers=answers, reveal=True, verdicts=True),
                  points, max_points, grading.percent(points, max_points),
                  grading.is_pass(points, max_points, shown.version.pass_mark))
