"""`ldptrain content preview PATH`: a course folder served on this computer as trainees will see
it, before any import.

Files are read again on every request, so an author edits, saves and reloads. Modules,
overviews and questions go through the importer's own renderer and sanitiser
(`load_content(render=True)`), and the URLs mirror the real site's
(`/courses/<course>/m/<module>`, `.../files/<path>`, `.../a/<assessment>`), so relative links and
images resolve as they will after import. No database, no accounts, nothing written.
"""

from __future__ import annotations

import os
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, abort, render_template, request, send_from_directory

from ..content import ContentSet, Problem, load_content, render_assessment
from ..content.format import Assessment, Course, Question
from ..content.loader import render_modules, render_overview
from ..content.messages import N_, translate
from ..content.render import Links, render_heading
from ..resources import STATIC, bundled

HOST = "127.0.0.1"  # the preview is for the author's own browser, never the network


@dataclass
class Loaded:
    content: ContentSet  # Markdown only: each page renders just what it shows
    problems: list[Problem]
    files: list[str] = field(default_factory=list)  # every Markdown file read
    stamp: tuple[tuple[str, int, int], ...] = ()


def _stamp(paths: list[str], files: list[str]) -> tuple[tuple[str, int, int], ...]:
    """Path, modification time and size of every file under `paths` and of every file the last
    check read (a course's assessments may live beside the folder given): any edit changes it."""
    found = set(files)
    for path in paths:
        if os.path.isdir(path):
            for root, _dirs, names in os.walk(path):
                found.update(os.path.join(root, name) for name in names)
        else:
            found.add(path)
    stamp = []
    for name in sorted(found):
        try:
            info = os.stat(name)
        except OSError:
            continue
        stamp.append((name, info.st_mtime_ns, info.st_size))
    return tuple(stamp)


class Reader:
    """The content under `paths`, checked again only when a file changed (checking a whole
    project takes about half a second; a reload that changed nothing should not wait)."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        self.loaded = Loaded(ContentSet({}, {}, {}), [])
        self.lock = threading.Lock()

    def __call__(self) -> Loaded:
        with self.lock:
            stamp = _stamp(self.paths, self.loaded.files)
            if stamp != self.loaded.stamp or not self.loaded.stamp:
                files: list[str] = []
                content, problems = load_content(self.paths, render=False, files=files)
                self.loaded = Loaded(content, problems, files, _stamp(self.paths, files))
            return self.loaded


def preview_app(paths: list[str]) -> Flask:
    app = Flask("ldptrain.preview", template_folder=str(bundled("templates")),
                static_folder=str(STATIC), static_url_path="/static")
    load = Reader(paths)

    def lang() -> str:
        return "en" if request.args.get("lang") == "en" else "th"

    @app.context_processor
    def helpers() -> dict[str, Any]:
        current = lang()
        return {"_": lambda text, **values: translate(N_(text, **values), current),
                "lang": current}

    def course_or_404(loaded: Loaded, slug: str) -> Course:
        course = loaded.content.courses.get(slug)
        if course is None:
            abort(404)
        return course

    @app.get("/")
    def index() -> str:
        loaded = load()
        courses = sorted(loaded.content.courses.values(), key=lambda c: (c.order, c.slug))
        return render_template("ldptrain/preview/index.html", courses=courses,
                               assessments=sorted(loaded.content.assessments),
                               problems=loaded.problems)

    @app.get("/courses/<slug>/")
    def course(slug: str) -> str:
        loaded = load()
        item = course_or_404(loaded, slug)
        overview = render_overview(item)
        return render_template("ldptrain/preview/course.html", course=item,
                               html=overview.get(lang(), overview.get(item.language)),
                               problems=_of(loaded.problems, folder=item.path))

    @app.get("/courses/<slug>/m/<module>")
    def module(slug: str, module: str) -> str:
        loaded = load()
        item = course_or_404(loaded, slug)
        modules = list(item.modules)
        found = next((m for m in modules if m.slug == module), None)
        if found is None:
            abort(404)
        at = modules.index(found)
        (rendered,) = render_modules(item, [found])
        return render_template(
            "ldptrain/preview/module.html", course=item, module=found,
            body=rendered.body(lang(), item.language), number=at + 1, total=len(modules),
            previous=modules[at - 1] if at else None,
            next=modules[at + 1] if at + 1 < len(modules) else None,
            problems=_of(loaded.problems, found.path))

    @app.get("/courses/<slug>/files/<path:name>")
    def files(slug: str, name: str) -> Any:
        item = course_or_404(load(), slug)
        return send_from_directory(item.path, name)  # safe_join: nothing outside the folder

    @app.get("/courses/<slug>/a/<assessment>")
    @app.get("/a/<assessment>")
    def quiz(assessment: str, slug: str | None = None) -> str:
        loaded = load()
        item = loaded.content.assessments.get(assessment)
        if item is None:
            abort(404)
        item = render_assessment(item)
        answers = request.args.get("answers") == "1"
        return render_template(
            "ldptrain/preview/quiz.html", assessment=item,
            questions=[_question(q, lang(), item, answers) for q in item.questions],
            answers=answers, problems=_of(loaded.problems, item.path))

    return app


def _of(problems: list[Problem], path: str = "", folder: str = "") -> list[str]:
    """The problems of one file (and its .en.md sibling) or of everything in a folder, as
    `path:line: message` in the page's language."""
    lang = "en" if request.args.get("lang") == "en" else "th"
    files = {path, path[:-3] + ".en.md"} if path else set()
    inside = folder.rstrip("/") + "/" if folder else None
    return [f"{p.path}:{p.line}: {translate(p.message, lang)}" for p in problems
            if p.path in files or (inside and p.path.startswith(inside))]


def _text(texts: Any, lang: str, fallback: str) -> str:
    body = texts.get(lang) or texts.get(fallback) or next(iter(texts.values()), None)
    return body.html if body is not None else ""


def _question(q: Question, lang: str, item: Assessment, answers: bool) -> dict[str, Any]:
    """What the attempt page shows for one question: its text, then its choices (shuffled for
    ordering and the right-hand side of matching, as trainees get them)."""
    heading = q.text.get(lang, item.language)
    choices = [{"html": _text(c.text, lang, item.language), "correct": c.correct,
                "match": _text(c.match, lang, item.language) if c.match else ""}
               for c in q.choices]
    shuffled = random.sample(choices, len(choices))
    return {
        "id": q.id, "kind": q.kind, "points": q.points,
        "html": f"<p>{render_heading(heading, Links())}</p>\n" + _text(q.stems, lang, item.language)
        if q.stems else f"<p>{render_heading(heading, Links())}</p>",
        "choices": choices if q.kind in ("single", "multiple") or answers else shuffled,
        "options": sorted({c["match"] for c in choices}) if q.kind == "matching" else [],
        "answers": sorted(q.answers),
        "explanation": _text(q.explanations, lang, item.language) if q.explanations else "",
    }
