"""load_content(paths) -> (ContentSet, problems): read, check and (optionally) render everything.

Checking needs no HTML, so `render=False` skips the expensive part; the importer renders only the
courses and assessments whose content hash changed (`render_course`, `render_assessment`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ldptrain.content.assessments import AssessmentDraft, build_assessment, load_assessment
from ldptrain.content.discover import MODULE_FILE, Found, discover
from ldptrain.content.format import (
    Body,
    ContentSet,
    Course,
    LocalText,
    Module,
    Problem,
    Programme,
    content_hash,
)
from ldptrain.content.links import check_markdown
from ldptrain.content.parse import SourceFile, Y, did_you_mean, read_source
from ldptrain.content.render import course_links, module_links, render
from ldptrain.content.validate import (
    COURSE_EN_KEYS,
    MODULE_EN_KEYS,
    check_body,
    check_cycles,
    course_fields,
    module_fields,
    programme_fields,
    translation_fields,
)


@dataclass
class _Draft:
    src: SourceFile
    fields: dict[str, Any]
    folder: str


def _read(path: str, problems: list[Problem]) -> SourceFile | None:
    return read_source(path, problems) if os.path.exists(path) else None


def _load_module(
    folder: str, name: str, language: str, problems: list[Problem], course: str
) -> Module | None:
    match = MODULE_FILE.match(name)
    assert match is not None
    path = os.path.join(folder, name)
    src = read_source(path, problems)
    if src is None:
        return None
    fields = module_fields(src, problems) or {}
    check_body(src, problems, "module")
    check_markdown(src.body, src.body_line, path, folder, problems)
    en = _read(path[:-3] + ".en.md", problems)
    title: LocalText = fields.get("title") or LocalText()
    bodies = {language: Body(src.body.strip())}
    if en is not None:
        en_title = translation_fields(en, MODULE_EN_KEYS, problems).get("title")
        check_body(en, problems, "the English text")
        check_markdown(en.body, en.body_line, en.path, folder, problems)
        title = LocalText(th=title.th, en=en_title.en if en_title else title.en)
        bodies["en"] = Body(en.body.strip())
    return Module(
        course=course,
        slug=match.group(2),
        number=int(match.group(1)),
        title=title,
        duration=fields.get("duration", 0),
        assessment=fields.get("assessment"),
        bodies=bodies,
        path=path,
        content_hash=content_hash("module", name, src.text, en.text if en else ""),
    )


def _load_course(folder: str, problems: list[Problem]) -> tuple[Course, _Draft] | None:
    src = read_source(os.path.join(folder, "course.md"), problems)
    if src is None:
        return None
    slug = os.path.basename(os.path.realpath(folder))
    fields = course_fields(src, slug, problems)
    if fields is None:
        return None
    language = fields["language"]
    check_markdown(src.body, src.body_line, src.path, folder, problems)
    overview = {language: Body(src.body.strip())}
    en = _read(os.path.join(folder, "course.en.md"), problems)
    title, summary = fields["title"], fields["summary"]
    if en is not None:
        texts = translation_fields(en, COURSE_EN_KEYS, problems)
        check_markdown(en.body, en.body_line, en.path, folder, problems)
        overview["en"] = Body(en.body.strip())
        if texts.get("title"):
            title = LocalText(th=title.th, en=texts["title"].en)  # type: ignore[union-attr]
        if texts.get("summary"):
            summary = LocalText(th=summary.th, en=texts["summary"].en)  # type: ignore[union-attr]
    modules: list[Module] = []
    numbers: dict[int, str] = {}
    slugs: dict[str, str] = {}
    tried = 0
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if (
            not name.endswith(".md")
            or name in ("course.md", "course.en.md")
            or name.lower() == "readme.md"
            or os.path.isdir(path)
        ):
            continue
        match = MODULE_FILE.match(name)
        if match is not None and len(match.group(2)) > 100:
            problems.append(Problem(path, 1, "a module slug may be at most 100 characters"))
        elif match is None:
            problems.append(
                Problem(
                    path,
                    1,
                    f"'{name}' is not a module file name: use NN-slug.md "
                    "(two digits, a hyphen, a lower-case slug)",
                )
            )
        elif match.group(3):
            if not os.path.exists(path[:-6] + ".md"):
                problems.append(
                    Problem(path, 1, f"English text without its original '{name[:-6]}.md'")
                )
            elif language == "en":
                problems.append(
                    Problem(
                        path, 1, "the course language is en, so this .en.md file is never shown"
                    )
                )
        else:
            tried += 1
            module = _load_module(folder, name, language, problems, slug)
            if module is None:
                continue
            if module.number in numbers:
                problems.append(
                    Problem(
                        path,
                        1,
                        f"module number {module.number:02d} is also used "
                        f"by {numbers[module.number]}",
                    )
                )
            if module.slug in slugs:
                problems.append(
                    Problem(
                        path, 1, f"module slug '{module.slug}' is also used by {slugs[module.slug]}"
                    )
                )
            numbers.setdefault(module.number, name)
            slugs.setdefault(module.slug, name)
            modules.append(module)
    if not tried:  # (a module that failed to load has its own problem)
        problems.append(Problem(src.path, 1, "course has no modules (NN-slug.md files)"))
    course = Course(
        slug=slug,
        code=fields["code"],
        title=title,
        summary=summary,
        version=fields["version"],
        order=fields["order"],
        language=language,
        hours=fields["hours"],
        prerequisites=fields["prerequisites"],
        final_assessment=fields["final_assessment"],
        certificate=fields["certificate"],
        certificate_valid_years=fields["certificate_valid_years"],
        tags=fields["tags"],
        overview=overview,
        modules=tuple(sorted(modules, key=lambda m: m.number)),
        path=folder,
        content_hash=content_hash("course", src.text, en.text if en else ""),
    )
    return course, _Draft(src, fields, folder)


def _load_programme(folder: str, problems: list[Problem]) -> tuple[Programme, _Draft] | None:
    src = read_source(os.path.join(folder, "programme.md"), problems)
    if src is None:
        return None
    slug = os.path.basename(os.path.realpath(folder))
    f = programme_fields(src, slug, problems)
    if f is None:
        return None
    check_markdown(src.body, src.body_line, src.path, folder, problems, "the programme folder")
    overview = {"th": Body(src.body.strip())}
    title, summary = f["title"], f["summary"]
    en = _read(os.path.join(folder, "programme.en.md"), problems)
    if en is not None:  # optional English overview, like course.en.md
        texts = translation_fields(en, COURSE_EN_KEYS, problems)
        check_markdown(en.body, en.body_line, en.path, folder, problems, "the programme folder")
        overview["en"] = Body(en.body.strip())
        if (en_title := texts.get("title")) is not None:
            title = LocalText(th=title.th, en=en_title.en)
        if (en_summary := texts.get("summary")) is not None:
            summary = LocalText(th=summary.th, en=en_summary.en)
    programme = Programme(
        slug=slug,
        code=f["code"],
        title=title,
        summary=summary,
        version=f["version"],
        order=f["order"],
        courses=f["courses"],
        certificate=f["certificate"],
        certificate_valid_years=f["certificate_valid_years"],
        tags=f["tags"],
        overview=overview,
        path=folder,
        content_hash=content_hash("programme", src.text, en.text if en else ""),
    )
    return programme, _Draft(src, f, folder)


def _item_lines(src: SourceFile, key: str) -> dict[str, int]:
    """The line of each item of a list value (`prerequisites`, `courses`)."""
    value = (src.front or {}).get(key)
    if value is None or not isinstance(value.value, list):
        return {}
    return {
        item.value.strip(): item.line
        for item in value.value
        if isinstance(item, Y) and isinstance(item.value, str)
    }


def _value_line(src: SourceFile, key: str) -> int:
    value = (src.front or {}).get(key)
    return value.line if value is not None else 1


class _Loader:
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.courses: list[tuple[Course, _Draft]] = []
        self.programmes: list[tuple[Programme, _Draft]] = []
        self.assessments: list[AssessmentDraft] = []

    def load(self, found: Found, done: int = 0) -> None:
        for folder in found.courses[done:]:
            if loaded := _load_course(folder, self.problems):
                self.courses.append(loaded)
        for folder in found.programmes[done:]:
            if programme := _load_programme(folder, self.problems):
                self.programmes.append(programme)
        for path in found.assessments[done:]:
            if draft := load_assessment(path, self.problems):
                self.assessments.append(draft)

    def resolve(self, found: Found) -> None:
        """Load what the given courses refer to from their usual places (a course folder's siblings
        and `../assessments/`), so checking one course also checks its links to the others."""
        while True:
            before = (len(found.courses), len(found.programmes), len(found.assessments))
            known_courses = {c.slug for c, _ in self.courses}
            known_assessments = {a.slug for a in self.assessments}
            referrers: list[tuple[str, tuple[str, ...], list[str]]] = [
                (
                    d.folder,
                    c.prerequisites,
                    [c.final_assessment or ""] + [m.assessment or "" for m in c.modules],
                )
                for c, d in self.courses
            ] + [(d.folder, p.courses, []) for p, d in self.programmes]
            for folder, courses, assessments in referrers:
                parent = os.path.dirname(os.path.normpath(folder)) or "."
                for slug in set(courses) - known_courses:
                    candidate = os.path.normpath(os.path.join(parent, slug))
                    if os.path.exists(os.path.join(candidate, "course.md")):
                        found.add(found.courses, candidate)
                for slug in set(assessments) - known_assessments - {""}:
                    candidate = os.path.normpath(
                        os.path.join(parent, "..", "assessments", slug + ".md")
                    )
                    if os.path.exists(candidate):
                        found.add(found.assessments, candidate)
            if before == (len(found.courses), len(found.programmes), len(found.assessments)):
                return
            self._load_new(found, before)

    def _load_new(self, found: Found, before: tuple[int, int, int]) -> None:
        for folder in found.courses[before[0] :]:
            if loaded := _load_course(folder, self.problems):
                self.courses.append(loaded)
        for path in found.assessments[before[2] :]:
            if draft := load_assessment(path, self.problems):
                self.assessments.append(draft)

    def check_set(self) -> None:
        problems = self.problems
        slugs: dict[str, str] = {}
        items: list[tuple[Course | Programme, _Draft]] = [*self.courses, *self.programmes]
        for item, draft in items:
            if item.slug in slugs:
                problems.append(
                    Problem(
                        draft.src.path,
                        draft.src.line_of("slug"),
                        f"duplicate slug '{item.slug}' (also {slugs[item.slug]})",
                    )
                )
            slugs.setdefault(item.slug, draft.src.path)
        seen: dict[str, str] = {}
        for a in self.assessments:
            if a.slug in seen:
                problems.append(
                    Problem(
                        a.src.path, 1, f"duplicate assessment slug '{a.slug}' (also {seen[a.slug]})"
                    )
                )
            seen.setdefault(a.slug, a.src.path)
        courses = {c.slug for c, _ in self.courses}
        for course, draft in self.courses:
            lines = _item_lines(draft.src, "prerequisites")
            for slug in course.prerequisites:
                if slug not in courses:
                    problems.append(
                        Problem(
                            draft.src.path,
                            lines.get(slug, 1),
                            f"prerequisite '{slug}' is not a course{did_you_mean(slug, courses)}",
                        )
                    )
            if course.final_assessment and course.final_assessment not in seen:
                problems.append(
                    self._missing(draft.src, "final_assessment", course.final_assessment, seen)
                )
            for module in course.modules:
                if module.assessment and module.assessment not in seen:
                    src = read_source(module.path, [])
                    if src is not None:
                        problems.append(self._missing(src, "assessment", module.assessment, seen))
        for programme, draft in self.programmes:
            lines = _item_lines(draft.src, "courses")
            for slug in programme.courses:
                if slug not in courses:
                    problems.append(
                        Problem(
                            draft.src.path,
                            lines.get(slug, 1),
                            f"course '{slug}' is not a course{did_you_mean(slug, courses)}",
                        )
                    )
        check_cycles(
            {c.slug: c.prerequisites for c, _ in self.courses},
            {c.slug: (d.src.path, _value_line(d.src, "prerequisites")) for c, d in self.courses},
            problems,
        )

    @staticmethod
    def _missing(src: SourceFile, key: str, slug: str, known: dict[str, str]) -> Problem:
        return Problem(
            src.path,
            _value_line(src, key),
            f"{key} '{slug}' is not an assessment{did_you_mean(slug, known)}",
        )

    def content(self) -> ContentSet:
        language: dict[str, str] = {}
        for course, _ in self.courses:
            for slug in [course.final_assessment, *(m.assessment for m in course.modules)]:
                if slug:
                    language.setdefault(slug, course.language)
        return ContentSet(
            courses={c.slug: c for c, _ in self.courses},
            assessments={
                a.slug: build_assessment(a, language.get(a.slug, "th")) for a in self.assessments
            },
            programmes={p.slug: p for p, _ in self.programmes},
        )


def load_content(paths: list[str], *, render: bool = True) -> tuple[ContentSet, list[Problem]]:
    """Read and check every course, programme and assessment under `paths`.

    Problems come back sorted by path and line. With render=False the Bodies hold Markdown only
    (fast: enough for `content check` and for comparing content hashes).
    """
    problems: list[Problem] = []
    found = discover(paths, problems)
    loader = _Loader(problems)
    loader.load(found)
    loader.resolve(found)
    loader.check_set()
    if not (found.courses or found.programmes or found.assessments) and not problems:
        problems.extend(Problem(p, 1, "no courses, programmes or assessments found") for p in paths)
    content = loader.content()
    if render:
        content = render_all(content)
    problems.sort(key=lambda p: (p.path, p.line))
    return content, problems


def _module_files(course: Course) -> dict[str, str]:
    return {
        f"{m.number:02d}-{m.slug}{suffix}": m.slug
        for m in course.modules
        for suffix in (".md", ".en.md")
    }


def render_modules(course: Course, modules: Iterable[Module]) -> list[Module]:
    """Some of a course's modules with their HTML filled in (links resolve among all of them)."""
    links = module_links(_module_files(course))
    return [
        dataclasses.replace(
            m, bodies={lang: render(b.markdown, links) for lang, b in m.bodies.items()}
        )
        for m in modules
    ]


def render_course(course: Course) -> Course:
    """Fill in the HTML of the course overview and of every module."""
    clinks = course_links(_module_files(course))
    modules = tuple(render_modules(course, course.modules))
    overview = {lang: render(b.markdown, clinks) for lang, b in course.overview.items()}
    return dataclasses.replace(course, modules=modules, overview=overview)


def render_all(content: ContentSet) -> ContentSet:
    from ldptrain.content.assessments import render_assessment

    return ContentSet(
        courses={slug: render_course(c) for slug, c in content.courses.items()},
        assessments={slug: render_assessment(a) for slug, a in content.assessments.items()},
        programmes={
            slug: dataclasses.replace(
                p, overview={lang: render(b.markdown) for lang, b in p.overview.items()}
            )
            for slug, p in content.programmes.items()
        },
    )
