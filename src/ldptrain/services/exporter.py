"""Export a course (with its assessments and files) back to the content format.

The importer keeps every source file as written (NFC, LF), so export writes those texts back and a
re-import of the export finds every content hash unchanged: export -> import is a no-op.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..db import session
from ..models import (
    Assessment,
    AssessmentVersion,
    ContentPublication,
    Course,
    CourseFile,
    Module,
    ModuleVersion,
)
from .content_base import (
    BASE_FILE,
    assessment_published,
    base_file_bytes,
    browser_published,
    read_bases,
    text_hash,
)
from .errors import ServiceError


class ExportError(ServiceError, LookupError):
    pass


class ExportConflict(ExportError):
    """Files in the target differ from what the export would write (edited by hand, or newer
    than the database): nothing was written."""

    def __init__(self, changed: list[str]) -> None:
        self.changed = changed
        super().__init__(
            f"{len(changed)} file{'' if len(changed) == 1 else 's'} in the target differ from "
            "what export would write; nothing written (use --force to overwrite them): "
            + ", ".join(changed))


@dataclass
class ExportResult:
    course: str
    files: list[str] = field(default_factory=list)  # the course's files, relative to the target
    written: list[str] = field(default_factory=list)  # new or changed (the rest were identical)
    stray: list[str] = field(default_factory=list)  # in the target, not written by this export

    def __str__(self) -> str:
        unchanged = len(self.files) - len(self.written)
        return (f"{self.course}: {len(self.written)} files written, {unchanged} unchanged"
                + (f", {len(self.stray)} stray" if self.stray else ""))


def export_course(slug: str, target: str | os.PathLike[str], *, force: bool = False
                  ) -> ExportResult:
    """Write `<target>/courses/<slug>/...` and `<target>/assessments/...` for one course.

    Files already holding the same bytes are left alone; files holding other bytes are a
    conflict (ExportConflict, nothing written) unless `force`. Files in the course folder (and
    siblings of its assessments) that the export does not write are listed as stray, not
    deleted."""
    planned, bases = _planned(slug)
    return _write(slug, planned, bases, Path(target), force=force,
                  stray=lambda root: _stray(root, slug, planned))


def export_version(name: str, number: int, target: str | os.PathLike[str], *,
                   force: bool = False) -> ExportResult:
    """Write version `number` of one module (`name` = "<course>/<module>") or assessment
    (`name` = its slug) at its place in the export layout: its Markdown and translation, as
    published then. Same rules as `export_course` for files already there."""
    planned, bases = _planned_version(name, number)
    return _write(name, planned, bases, Path(target), force=force, stray=lambda root: [])


def _write(name: str, planned: dict[str, bytes], bases: dict[str, tuple[int | None, str]],
           root: Path, *, force: bool, stray: Callable[[Path], list[str]]) -> ExportResult:
    result = ExportResult(name, files=list(planned))
    changed = []
    for rel, data in planned.items():
        path = root / rel
        if not path.exists():
            result.written.append(rel)
        elif path.read_bytes() != data:
            changed.append(rel)
    if changed and not force:
        raise ExportConflict(changed)
    result.written = sorted([*result.written, *changed])
    for rel in result.written:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(planned[rel])
    _record_bases(root, planned, bases)
    result.stray = stray(root)
    return result


def _record_bases(root: Path, planned: dict[str, bytes],
                  bases: dict[str, tuple[int | None, str]]) -> None:
    """Beside the files, the browser-published text each one was exported from (see
    content_base): an import of these files after a later browser edit is then a conflict,
    while edits made to them after this export import cleanly. A folder none of whose files
    came from the browser gets no record, so exporting file-imported content writes nothing
    but the content itself."""
    folders: dict[str, list[str]] = {}
    for rel in planned:
        folder, _sep, name = rel.rpartition("/")
        folders.setdefault(folder, []).append(name)
    for folder, names in folders.items():
        path = root / folder / BASE_FILE
        records = read_bases(root / folder)
        before = dict(records)
        for name in names:
            base = bases.get(f"{folder}/{name}")
            if base is None:
                records.pop(name, None)
            else:
                records[name] = {"version": base[0], "sha256": text_hash(base[1])}
        if records != before or (records and not path.exists()):
            path.write_bytes(base_file_bytes(records))


def _stray(root: Path, slug: str, planned: dict[str, bytes]) -> list[str]:
    found = []
    folder = root / "courses" / slug
    if folder.is_dir():
        found += [p.relative_to(root).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.name != BASE_FILE]
    for rel in planned:
        if rel.startswith("assessments/"):
            stem = rel[: -len(".en.md")] if rel.endswith(".en.md") else rel[: -len(".md")]
            found += [f"{stem}{suffix}" for suffix in (".md", ".en.md")
                      if (root / f"{stem}{suffix}").is_file()]
    return sorted(set(found) - set(planned))


def _planned(slug: str) -> tuple[dict[str, bytes], dict[str, tuple[int | None, str]]]:
    """Every file of the course's export, relative path -> bytes, in writing order; and those
    whose text was published in the browser, with its version (content_base)."""
    course = session.scalar(
        select(Course)
        .where(Course.slug == slug)
        .options(selectinload(Course.modules).selectinload(Module.current_version))
    )
    if course is None:
        raise ExportError(f"no course '{slug}'")
    planned: dict[str, bytes] = {}
    bases = browser_published(course)

    def write(rel: str, data: bytes | str) -> None:
        planned[rel] = data.encode("utf-8") if isinstance(data, str) else data

    for item in session.scalars(
        select(CourseFile).where(CourseFile.course_id == course.id).order_by(CourseFile.path)
    ):
        write(f"courses/{slug}/{item.path}", item.data)
    assessment_ids = {course.final_assessment_id} - {None}
    for module in course.modules:
        version: ModuleVersion | None = module.current_version
        if module.retired or version is None:
            continue
        name = f"courses/{slug}/{module.position:02d}-{module.slug}"
        write(f"{name}.md", version.source_th)
        if version.source_en:
            write(f"{name}.en.md", version.source_en)
        if version.assessment_id:
            assessment_ids.add(version.assessment_id)
    for assessment in session.scalars(
        select(Assessment)
        .where(Assessment.id.in_(assessment_ids))
        .options(selectinload(Assessment.current_version))
        .order_by(Assessment.slug)
    ):
        if assessment.current_version is None:
            continue
        write(f"assessments/{assessment.slug}.md", assessment.current_version.source_th)
        if assessment.current_version.source_en:
            write(f"assessments/{assessment.slug}.en.md", assessment.current_version.source_en)
        bases.update(assessment_published(assessment))
    return planned, bases


def _planned_version(name: str, number: int
                     ) -> tuple[dict[str, bytes], dict[str, tuple[int | None, str]]]:
    version: ModuleVersion | AssessmentVersion | None
    if "/" in name:
        course_slug, _sep, module_slug = name.partition("/")
        module = session.scalar(select(Module).join(Course).where(
            Course.slug == course_slug, Module.slug == module_slug))
        if module is None:
            raise ExportError(f"no module '{name}' (write it as <course>/<module>)")
        version = session.scalar(select(ModuleVersion).where(
            ModuleVersion.module_id == module.id, ModuleVersion.number == number))
        stem = f"courses/{course_slug}/{module.position:02d}-{module.slug}"
        column = ContentPublication.module_version_id
    else:
        assessment = session.scalar(select(Assessment).where(Assessment.slug == name))
        if assessment is None:
            raise ExportError(f"no assessment '{name}' (a module is <course>/<module>)")
        version = session.scalar(select(AssessmentVersion).where(
            AssessmentVersion.assessment_id == assessment.id,
            AssessmentVersion.number == number))
        stem = f"assessments/{assessment.slug}"
        column = ContentPublication.assessment_version_id
    if version is None:
        raise ExportError(f"'{name}' has no version {number}")
    planned = {f"{stem}.md": version.source_th.encode("utf-8")}
    if version.source_en:
        planned[f"{stem}.en.md"] = version.source_en.encode("utf-8")
    browser = session.scalar(select(ContentPublication.id).where(column == version.id)
                             .limit(1)) is not None
    bases: dict[str, tuple[int | None, str]] = {
        rel: (version.number, data.decode("utf-8")) for rel, data in planned.items()
    } if browser else {}
    return planned, bases
