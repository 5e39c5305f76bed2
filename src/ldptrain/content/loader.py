"""load_content(paths) -> (ContentSet, problems): read, check and (optionally) render everything.

Checking needs no HTML, so `render=False` skips the expensive part; the importer renders only the
courses and assessments whose content hash changed (`render_course`, `render_assessment`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable

from ldptrain.content.assessments import (
    AssessmentDraft,
    build_assessment,
    load_assessment,
    render_assessment,
)
from ldptrain.content.courses import Draft, load_course, load_programme
from ldptrain.content.discover import Found, discover
from ldptrain.content.feedback import reveals_before_last_attempt
from ldptrain.content.format import (
    Body,
    ContentSet,
    Course,
    Module,
    Problem,
    Programme,
)
from ldptrain.content.messages import N_
from ldptrain.content.parse import SourceFile, Y, did_you_mean, read_source
from ldptrain.content.render import course_links, module_links, render
from ldptrain.content.validate import (
    check_cycles,
)


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
        self.courses: list[tuple[Course, Draft]] = []
        self.programmes: list[tuple[Programme, Draft]] = []
        self.assessments: list[AssessmentDraft] = []
        # Slugs whose file could not be read or has unusable front matter: its own problem says
        # so, and a link to it must not add a misleading "is not an assessment" on top.
        self.failed: set[str] = set()

    def load(self, found: Found, start: tuple[int, int, int] = (0, 0, 0)) -> None:
        """Read what `found` lists, from `start` on (per kind): resolve() adds to the lists."""
        for folder in found.courses[start[0] :]:
            if loaded := load_course(folder, self.problems):
                self.courses.append(loaded)
            else:
                self.failed.add(os.path.basename(os.path.realpath(folder)))
        for folder in found.programmes[start[1] :]:
            if programme := load_programme(folder, self.problems):
                self.programmes.append(programme)
        for path in found.assessments[start[2] :]:
            if draft := load_assessment(path, self.problems):
                self.assessments.append(draft)
            else:
                self.failed.add(os.path.basename(path)[:-3])

    def resolve(self, found: Found) -> None:
        """Load what the given courses refer to from their usual places (a course folder's siblings
        and `../assessments/`), so checking one course also checks its links to the others."""
        while True:
            before = (len(found.courses), len(found.programmes), len(found.assessments))
            known_courses = {c.slug for c, _ in self.courses} | self.failed
            known_assessments = {a.slug for a in self.assessments} | self.failed
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
            self.load(found, before)

    def check_set(self) -> None:
        problems = self.problems
        slugs: dict[str, str] = {}
        items: list[tuple[Course | Programme, Draft]] = [*self.courses, *self.programmes]
        for item, draft in items:
            if item.slug in slugs:
                problems.append(
                    Problem(
                        draft.src.path,
                        draft.src.line_of("slug"),
                        N_("duplicate slug '%(slug)s' (also %(other)s)", slug=item.slug,
                           other=slugs[item.slug]),
                    )
                )
            slugs.setdefault(item.slug, draft.src.path)
        seen: dict[str, str] = {}
        for a in self.assessments:
            if a.slug in seen:
                problems.append(
                    Problem(
                        a.src.path, 1, N_("duplicate assessment slug '%(slug)s' (also %(other)s)",
                                          slug=a.slug, other=seen[a.slug])
                    )
                )
            seen.setdefault(a.slug, a.src.path)
        courses = {c.slug for c, _ in self.courses}
        for course, draft in self.courses:
            lines = _item_lines(draft.src, "prerequisites")
            for slug in course.prerequisites:
                if slug not in courses and slug not in self.failed:
                    problems.append(
                        Problem(
                            draft.src.path,
                            lines.get(slug, 1),
                            N_("prerequisite '%(slug)s' is not a course%(hint)s", slug=slug,
                               hint=did_you_mean(slug, courses)),
                        )
                    )
            if course.final_assessment in self.failed:
                pass
            elif course.final_assessment and course.final_assessment not in seen:
                problems.append(
                    self._missing(draft.src, "final_assessment", course.final_assessment, seen)
                )
            elif course.final_assessment and course.certificate:
                self._check_final_feedback(course.final_assessment)
            for module in course.modules:
                if module.assessment and module.assessment not in {*seen, *self.failed}:
                    src = read_source(module.path, [])
                    if src is not None:
                        problems.append(self._missing(src, "assessment", module.assessment, seen))
        for programme, draft in self.programmes:
            lines = _item_lines(draft.src, "courses")
            for slug in programme.courses:
                if slug not in courses and slug not in self.failed:
                    problems.append(
                        Problem(
                            draft.src.path,
                            lines.get(slug, 1),
                            N_("course '%(slug)s' is not a course%(hint)s", slug=slug,
                               hint=did_you_mean(slug, courses)),
                        )
                    )
        check_cycles(
            {c.slug: c.prerequisites for c, _ in self.courses},
            {c.slug: (d.src.path, _value_line(d.src, "prerequisites")) for c, d in self.courses},
            problems,
        )

    def _check_final_feedback(self, slug: str) -> None:
        """A final a certificate rests on must not show the answers to someone who failed and
        may try again (one deliberate failure would give the bank away)."""
        for a in self.assessments:
            if a.slug != slug:
                continue
            feedback, attempts = a.fields["feedback"], a.fields["attempts"]
            if reveals_before_last_attempt(feedback, attempts):
                self.problems.append(Problem(
                    a.src.path, a.src.line_of("feedback"),
                    N_("feedback: %(feedback)s shows the correct answers while attempts remain, "
                       "on a final that a certificate rests on; use after_last_attempt (or "
                       "after_pass, or never)", feedback=feedback)))

    @staticmethod
    def _missing(src: SourceFile, key: str, slug: str, known: dict[str, str]) -> Problem:
        return Problem(
            src.path,
            _value_line(src, key),
            N_("%(key)s '%(slug)s' is not an assessment%(hint)s", key=key, slug=slug,
               hint=did_you_mean(slug, known)),
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


def load_content(
    paths: list[str], *, render: bool = True, files: list[str] | None = None
) -> tuple[ContentSet, list[Problem]]:
    """Read and check every course, programme and assessment under `paths`.

    Problems come back sorted by path and line. With render=False the Bodies hold Markdown only
    (fast: enough for `content check` and for comparing content hashes). `files`, when given,
    receives the path of every Markdown file checked (for the check's summary).
    """
    problems: list[Problem] = []
    found = discover(paths, problems)
    loader = _Loader(problems)
    loader.load(found)
    loader.resolve(found)
    loader.check_set()
    if not (found.courses or found.programmes or found.assessments) and not problems:
        problems.extend(Problem(p, 1, N_("no courses, programmes or assessments found"))
                        for p in paths)
    content = loader.content()
    if render:
        content = render_all(content)
    problems.sort(key=lambda p: (p.path, p.line))
    if files is not None:
        files.extend(_markdown_files(found))
    return content, problems


def _markdown_files(found: Found) -> list[str]:
    out: list[str] = []
    for folder in [*found.courses, *found.programmes]:
        out.extend(os.path.join(folder, name) for name in sorted(os.listdir(folder))
                   if name.endswith(".md") and name.lower() != "readme.md")
    for path in found.assessments:
        out.extend(p for p in (path, path[:-3] + ".en.md") if os.path.exists(p))
    return out


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
            m, bodies={lang: render(b.markdown, links, page=True)
                        for lang, b in m.bodies.items()}
        )
        for m in modules
    ]


def render_overview(course: Course) -> dict[str, Body]:
    """The course page's text, by language, rendered (links resolve to its modules)."""
    clinks = course_links(_module_files(course))
    return {lang: render(b.markdown, clinks, page=True) for lang, b in course.overview.items()}


def render_course(course: Course) -> Course:
    """Fill in the HTML of the course overview and of every module."""
    modules = tuple(render_modules(course, course.modules))
    return dataclasses.replace(course, modules=modules, overview=render_overview(course))


def render_all(content: ContentSet) -> ContentSet:
    return ContentSet(
        courses={slug: render_course(c) for slug, c in content.courses.items()},
        assessments={slug: render_assessment(a) for slug, a in content.assessments.items()},
        programmes={
            slug: dataclasses.replace(
                p, overview={lang: render(b.markdown, page=True) for lang, b in p.overview.items()}
            )
            for slug, p in content.programmes.items()
        },
    )
