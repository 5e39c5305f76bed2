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
from ...models import Assessment, AssessmentVersion, Course, Module, ModuleVersion, Question
from ..attempts import ItemView, question_views
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
