"""Import Markdown content into the database: checked first, idempotent, versioned, never lossy.

- Nothing is written unless `content check` finds no problem.
- Unchanged content (same content hash) changes nothing; only changed items are rendered.
- A changed module or assessment gets a new version row; earlier versions, the progress and the
  attempts that point at them stay.
- A module no longer in its course folder is retired (hidden, no longer required), never deleted.
- Courses and assessments missing from the given paths are left alone: a path may be a subset.

The caller commits (the CLI command, or setup on first start).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.orm import load_only, selectinload

from .. import content as c
from ..content.format import Body, LocalText
from ..content.loader import render_modules
from ..content.messages import N_, Msg
from ..content.parse import read_text
from ..content.render import course_links, render, render_heading
from ..db import session
from ..models import (
    Assessment,
    AssessmentAttempt,
    AssessmentVersion,
    AttemptStatus,
    Course,
    CourseFile,
    Module,
    ModuleVersion,
    Programme,
    Question,
)
from .content_base import Conflict, find_conflicts

SOURCE_FILES = ("course.md", "course.en.md")  # kept as CourseFile rows so export can write them


@dataclass
class AssessmentImpact:
    """What a new version of an assessment means for the people already using it, reported
    before anything is written: the old version, attempts and passes stay as they are."""

    slug: str
    old_version: int
    changed_answers: list[str] = field(default_factory=list)  # question ids
    removed: list[str] = field(default_factory=list)  # question ids no longer in the bank
    open_attempts: int = 0  # in progress on an earlier version: they finish on that version
    passed: int = 0  # trainees who passed an earlier version: their pass stands

    def message(self) -> Msg:
        """One line, in English as a str; `translate(impact.message(), "th")` for Thai."""
        changed = (N_("correct answer changed: %(ids)s", ids=", ".join(self.changed_answers))
                   if self.changed_answers else N_("correct answer changed: none"))
        removed = (N_("; questions removed: %(ids)s", ids=", ".join(self.removed))
                   if self.removed else "")
        attempts = (N_("1 attempt open on version %(version)s or earlier",
                       version=self.old_version) if self.open_attempts == 1 else
                    N_("%(count)s attempts open on version %(version)s or earlier",
                       count=self.open_attempts, version=self.old_version))
        passed = (N_("1 trainee passed it") if self.passed == 1 else
                  N_("%(count)s trainees passed it", count=self.passed))
        return N_("assessment %(slug)s: %(changed)s%(removed)s; %(attempts)s; %(passed)s",
                  slug=self.slug, changed=changed, removed=removed, attempts=attempts,
                  passed=passed)

    def __str__(self) -> str:
        return str.__str__(self.message())


@dataclass
class ImportResult:
    problems: list[c.Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0  # a new version, or changed course/programme settings
    unchanged: int = 0
    retired: int = 0
    files_written: int = 0
    changes: list[str] = field(default_factory=list)  # one line per created/updated/retired item
    impacts: list[AssessmentImpact] = field(default_factory=list)  # changed assessments in use
    # Files whose import would replace a later browser edit: nothing is imported unless forced.
    conflicts: list[Conflict] = field(default_factory=list)
    dry_run: bool = False

    def record(self, outcome: str, what: str, detail: str = "") -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        if outcome != "unchanged":
            self.changes.append(f"{what}: {outcome}" + (f" ({detail})" if detail else ""))

    @property
    def ok(self) -> bool:
        return not self.problems and not self.conflicts

    def __str__(self) -> str:
        if self.conflicts and not self.problems:
            count = len(self.conflicts)
            return (f"{count} conflict{'' if count == 1 else 's'} with edits made in the "
                    "browser; nothing imported")
        if self.problems:
            count = len(self.problems)
            return f"{count} problem{'' if count == 1 else 's'}; nothing imported"
        counts = (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.retired} retired, {self.files_written} files written"
        )
        return f"dry run, nothing written: would be {counts}" if self.dry_run else counts


def import_content(paths: Iterable[str], *, dry_run: bool = False,
                   force: bool = False) -> ImportResult:
    """Import `paths`; with dry_run, work out the same result and impact inside a savepoint that
    is rolled back, so nothing is written whatever the caller then does. A file that would
    replace a text published in the browser after the version it is based on is a conflict
    (content_base): nothing is imported, unless `force`."""
    content, problems = c.load_content([str(p) for p in paths], render=False)
    if problems:
        return ImportResult(problems=problems)
    result = ImportResult(dry_run=dry_run)
    _serialise_imports()
    if not force:
        result.conflicts = find_conflicts(content)
        if result.conflicts:
            return result
    if not dry_run:
        _import(content, result)
        return result
    savepoint = session.begin_nested()
    try:
        _import(content, result)
    finally:
        savepoint.rollback()
    return result


def _import(content: c.ContentSet, result: ImportResult) -> None:
    assessments = _import_assessments(content, result)
    rows, files = _existing_courses(list(content.courses))
    for course in sorted(content.courses.values(), key=lambda x: x.slug):
        _import_course(course, rows.get(course.slug), files, assessments, result)
    for programme in content.programmes.values():
        _import_programme(programme, result)
    session.flush()


# An arbitrary constant: the key of the lock that lets one import run at a time.
_IMPORT_LOCK = 0x6C6470696D70  # "ldpimp"


def _serialise_imports() -> None:
    """Several workers may import the bundled content at start-up: on PostgreSQL they take turns
    (the lock is held until the caller commits), and the later ones find nothing to change.
    SQLite allows a single writer anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _IMPORT_LOCK})


def _th_en(texts: LocalText | dict[str, Body], language: str) -> tuple[str, str]:
    """The *_th / *_en columns: th holds the course language when Thai text is missing."""
    if isinstance(texts, LocalText):
        return texts.get("th", language), texts.en or ""
    main = texts.get("th") or texts.get(language) or next(iter(texts.values()), None)
    english = texts.get("en")
    return (main.html if main else ""), (english.html if english else "")


# Assessments --------------------------------------------------------------------------------------


def _import_assessments(content: c.ContentSet, result: ImportResult) -> dict[str, int]:
    rows = {
        a.slug: a
        for a in session.scalars(
            select(Assessment)
            .where(Assessment.slug.in_(list(content.assessments)))
            .options(
                selectinload(Assessment.current_version).load_only(
                    AssessmentVersion.id, AssessmentVersion.content_hash
                )
            )
        )
    }
    for slug, item in sorted(content.assessments.items()):
        row = rows.get(slug)
        outcome = "updated"
        if row is None:
            row = rows[slug] = Assessment(slug=slug)
            session.add(row)
            outcome = "created"
        elif (
            row.current_version is not None
            and not row.retired
            and row.current_version.content_hash == item.content_hash
        ):
            result.record("unchanged", f"assessment {slug}")
            continue
        row.retired = False
        rendered = c.render_assessment(item)
        if row.current_version is not None:
            result.impacts.append(_impact(row, rendered))
        number = _new_assessment_version(row, rendered)
        result.record(outcome, f"assessment {slug}", f"version {number}")
    session.flush()
    return {slug: row.id for slug, row in rows.items()}


def _answer(kind: str, choices: list[dict[str, object]], answers: list[str]) -> object:
    """What makes a question's answer right, comparable between a stored and a new version:
    the correct choices' text, the accepted answers, the order or the pairs."""
    if kind == "short":
        return sorted(answers)
    if kind == "ordering":
        return [ch["html_th"] for ch in choices]
    if kind == "matching":
        return sorted((str(ch["html_th"]), str(ch.get("match_th", ""))) for ch in choices)
    return sorted(str(ch["html_th"]) for ch in choices if ch["correct"])


def _impact(row: Assessment, item: c.Assessment) -> AssessmentImpact:
    old = row.current_version
    assert old is not None
    before = {q.key: (q.kind, _answer(q.kind, list(q.choices), list(q.answers)))
              for q in session.scalars(select(Question).where(
                  Question.assessment_version_id == old.id))}
    after = {q.id: (q.kind, _answer(q.kind, [_choice(ch, item.language) for ch in q.choices],
                                    sorted(q.answer_keys)))
             for q in item.questions}
    return AssessmentImpact(
        slug=row.slug,
        old_version=old.number,
        changed_answers=[key for key, was in before.items() if key in after and after[key] != was],
        removed=[key for key in before if key not in after],
        open_attempts=session.scalar(select(func.count(AssessmentAttempt.id)).where(
            AssessmentAttempt.assessment_id == row.id,
            AssessmentAttempt.status == AttemptStatus.IN_PROGRESS)) or 0,
        passed=session.scalar(select(func.count(func.distinct(AssessmentAttempt.user_id))).where(
            AssessmentAttempt.assessment_id == row.id,
            AssessmentAttempt.passed.is_(True))) or 0,
    )


def _read(path: str) -> str:
    """A source file as the check read it (NFC, LF); "" when it does not exist."""
    return (read_text(path, []) or "") if os.path.exists(path) else ""


def _next_number(
    version: type[AssessmentVersion] | type[ModuleVersion], owner_id: int | None
) -> int:
    """The number of the next version of an assessment or module (1 for a new one)."""
    if owner_id is None:
        return 1
    owner = (
        AssessmentVersion.assessment_id if version is AssessmentVersion else ModuleVersion.module_id
    )
    return (session.scalar(select(func.max(version.number)).where(owner == owner_id)) or 0) + 1


def _new_assessment_version(row: Assessment, item: c.Assessment) -> int:
    title_th, title_en = _th_en(item.title, item.language)
    version = AssessmentVersion(
        assessment=row,
        number=_next_number(AssessmentVersion, row.id),
        content_hash=item.content_hash,
        title_th=title_th,
        title_en=title_en,
        pass_mark=item.pass_mark,
        attempts_allowed=item.attempts,
        time_limit_minutes=item.time_limit,
        draw=item.draw,
        shuffle=item.shuffle,
        feedback=item.feedback,
        scoring=item.scoring,
        source_th=_read(item.path),
        source_en=_read(item.path[:-3] + ".en.md"),
    )
    session.add(version)
    for position, q in enumerate(item.questions):
        text = {
            lang: Body(
                heading,
                f"<p>{render_heading(heading)}</p>\n"
                + (q.stems[lang].html if lang in q.stems else ""),
            )
            for lang in ("th", "en")
            if (heading := getattr(q.text, lang))
        }
        text_th, text_en = _th_en(text, item.language)
        explain_th, explain_en = _th_en(dict(q.explanations), item.language)
        session.add(
            Question(
                assessment_version=version,
                key=q.id,
                position=position,
                kind=q.kind,
                points=q.points,
                scoring=q.scoring,
                text_html_th=text_th,
                text_html_en=text_en,
                explanation_html_th=explain_th,
                explanation_html_en=explain_en,
                choices=[_choice(ch, item.language) for ch in q.choices],
                answers=sorted(q.answer_keys),
                tags=list(q.tags),
            )
        )
    row.current_version = version
    return version.number


def _choice(ch: c.Choice, language: str) -> dict[str, object]:
    """A stored choice; a matching item also keeps its partner (match_th, match_en)."""
    th, en = _th_en(dict(ch.text), language)
    stored: dict[str, object] = {"html_th": th, "html_en": en, "correct": ch.correct}
    if ch.match:
        stored["match_th"], stored["match_en"] = _th_en(dict(ch.match), language)
    return stored


# Courses --------------------------------------------------------------------------------------


def _existing_courses(
    slugs: list[str],
) -> tuple[dict[str, Course], dict[int, dict[str, CourseFile]]]:
    """The stored courses with their modules' current hashes and their files' hashes, in a few
    queries and without the heavy columns (HTML, sources, file data): all a re-import compares."""
    rows = {
        row.slug: row
        for row in session.scalars(
            select(Course)
            .where(Course.slug.in_(slugs))
            .options(
                selectinload(Course.modules)
                .selectinload(Module.current_version)
                .load_only(ModuleVersion.id, ModuleVersion.content_hash)
            )
        )
    }
    files: dict[int, dict[str, CourseFile]] = {}
    for item in session.scalars(
        select(CourseFile)
        .where(CourseFile.course_id.in_([r.id for r in rows.values()]))
        .options(
            load_only(CourseFile.id, CourseFile.course_id, CourseFile.path, CourseFile.content_hash)
        )
    ):
        files.setdefault(item.course_id, {})[item.path] = item
    return rows, files


def _import_course(
    item: c.Course,
    row: Course | None,
    files: dict[int, dict[str, CourseFile]],
    assessments: dict[str, int],
    result: ImportResult,
) -> None:
    if row is None:
        row = Course(slug=item.slug, title_th="")
        session.add(row)
        result.record("created", f"course {item.slug}")
        _course_settings(row, item, assessments)
        session.flush()  # the modules and files need its id
    elif (
        row.content_hash != item.content_hash
        or row.retired
        or row.final_assessment_id != assessments.get(item.final_assessment or "")
    ):
        result.record("updated", f"course {item.slug}", "settings or overview")
        _course_settings(row, item, assessments)
    else:
        result.record("unchanged", f"course {item.slug}")
    _import_modules(row, item, assessments, result)
    _import_files(row, item, files.get(row.id, {}), result)


def _course_settings(row: Course, item: c.Course, assessments: dict[str, int]) -> None:
    files = {f"{m.number:02d}-{m.slug}{s}": m.slug for m in item.modules for s in (".md", ".en.md")}
    links = course_links(files)
    overview = {lang: render(body.markdown, links) for lang, body in item.overview.items()}
    row.title_th, row.title_en = _th_en(item.title, item.language)
    row.summary_th, row.summary_en = _th_en(item.summary, item.language)
    row.overview_html_th, row.overview_html_en = _th_en(overview, item.language)
    row.code = item.code or ""
    row.version, row.order, row.language, row.hours = (
        item.version,
        item.order,
        item.language,
        item.hours,
    )
    row.prerequisites, row.tags = list(item.prerequisites), list(item.tags)
    row.final_assessment_id = assessments.get(item.final_assessment or "")
    row.certificate, row.certificate_valid_years = item.certificate, item.certificate_valid_years
    row.min_time_percent = item.min_time_percent
    signatory = item.signatory  # course.md's `signatory:`; none: the instance's settings sign
    row.signatory_name = signatory.name if signatory else ""
    row.signatory_title_th = signatory.title_th if signatory else ""
    row.signatory_title_en = signatory.title_en if signatory else ""
    row.signatory_image = signatory.image if signatory else ""
    row.content_hash, row.retired, row.source_path = item.content_hash, False, item.path


def _import_modules(
    row: Course, item: c.Course, assessments: dict[str, int], result: ImportResult
) -> None:
    existing = {m.slug: m for m in row.modules}
    changed = [
        m
        for m in item.modules
        if (old := existing.get(m.slug)) is None
        or old.current_version is None
        or old.current_version.content_hash != m.content_hash
    ]
    rendered = {m.slug: m for m in render_modules(item, changed)}
    for module in item.modules:
        mrow = existing.get(module.slug)
        what = f"module {item.slug}/{module.slug}"
        details = []
        if mrow is None:
            mrow = Module(course_id=row.id, slug=module.slug)
            session.add(mrow)
        elif mrow.retired:
            details.append("back from retirement")
        if mrow.position is not None and mrow.position != module.number and mrow.id:
            details.append(f"now number {module.number:02d}")
        mrow.position, mrow.retired = module.number, False
        if module.slug in rendered:
            number = _new_module_version(
                mrow, rendered[module.slug], item.language, assessments.get(module.assessment or "")
            )
            details.insert(0, f"version {number}")
        outcome = "created" if not mrow.id else "updated" if details else "unchanged"
        result.record(outcome, what, ", ".join(details))
    present = {m.slug for m in item.modules}
    for slug, mrow in existing.items():
        if slug not in present and not mrow.retired:
            mrow.retired = True
            result.record("retired", f"module {item.slug}/{slug}")


def _new_module_version(
    row: Module, module: c.Module, language: str, assessment_id: int | None
) -> int:
    title_th, title_en = _th_en(module.title, language)
    html_th, html_en = _th_en(dict(module.bodies), language)
    version = ModuleVersion(
        module=row,
        number=_next_number(ModuleVersion, row.id),
        content_hash=module.content_hash,
        title_th=title_th,
        title_en=title_en,
        html_th=html_th,
        html_en=html_en,
        source_th=_read(module.path),
        source_en=_read(module.path[:-3] + ".en.md"),
        toc={
            lang: [[e.level, e.id, e.text] for e in body.toc]
            for lang, body in module.bodies.items()
        },
        duration_minutes=module.duration,
        assessment_id=assessment_id,
    )
    session.add(version)
    row.current_version = version
    return version.number


def course_files(folder: str) -> dict[str, str]:
    """Files served with a course (relative posix path -> disk path): everything in its folder but
    the module Markdown and README; course.md and course.en.md are kept for export."""
    from ..content.discover import MODULE_FILE

    found: dict[str, str] = {}
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            rel = os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/")
            if name.startswith(".") or (
                root == folder and (MODULE_FILE.match(name) or name.lower() == "readme.md")
            ):
                continue
            found[rel] = os.path.join(root, name)
    return found


def _import_files(
    row: Course, item: c.Course, stored: dict[str, CourseFile], result: ImportResult
) -> None:
    on_disk = course_files(item.path)
    for rel, disk in on_disk.items():
        with open(disk, "rb") as handle:
            data = handle.read()
        if rel in SOURCE_FILES:  # normalised like every other source, so hashes stay stable
            data = _read(disk).encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        old = stored.get(rel)
        if old is not None and old.content_hash == digest:
            continue
        media = mimetypes.guess_type(rel)[0] or "application/octet-stream"
        if old is None:
            session.add(
                CourseFile(
                    course_id=row.id, path=rel, media_type=media, content_hash=digest, data=data
                )
            )
        else:
            old.media_type, old.content_hash, old.data = media, digest, data
        result.files_written += 1
    for rel, old in stored.items():
        if rel not in on_disk:  # files carry no history; modules keep their own versions
            session.delete(old)


def _import_programme(item: c.Programme, result: ImportResult) -> None:
    row = session.scalar(select(Programme).where(Programme.slug == item.slug))
    if row is None:
        row = Programme(slug=item.slug, title_th="")
        session.add(row)
        result.record("created", f"programme {item.slug}")
    elif row.content_hash == item.content_hash and not row.retired:
        result.record("unchanged", f"programme {item.slug}")
        return
    else:
        result.record("updated", f"programme {item.slug}")
    language = "th"
    row.title_th, row.title_en = _th_en(item.title, language)
    row.summary_th, row.summary_en = _th_en(item.summary, language)
    overview = {lang: render(body.markdown) for lang, body in item.overview.items()}
    row.overview_html_th, row.overview_html_en = _th_en(overview, language)
    row.code, row.course_slugs, row.certificate = (
        item.code or "",
        list(item.courses),
        item.certificate,
    )
    row.content_hash, row.retired = item.content_hash, False
