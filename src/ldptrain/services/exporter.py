"""Export a course (with its assessments and files) back to the content format.

The importer keeps every source file as written (NFC, LF), so export writes those texts back and a
re-import of the export finds every content hash unchanged: export -> import is a no-op.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..db import session
from ..models import Assessment, Course, CourseFile, Module, ModuleVersion
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
    planned = _planned(slug)
    root = Path(target)
    result = ExportResult(slug, files=list(planned))
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
    result.stray = _stray(root, slug, planned)
    return result


def _stray(root: Path, slug: str, planned: dict[str, bytes]) -> list[str]:
    found = []
    folder = root / "courses" / slug
    if folder.is_dir():
        found += [p.relative_to(root).as_posix() for p in folder.rglob("*") if p.is_file()]
    for rel in planned:
        if rel.startswith("assessments/"):
            stem = rel[: -len(".en.md")] if rel.endswith(".en.md") else rel[: -len(".md")]
            found += [f"{stem}{suffix}" for suffix in (".md", ".en.md")
                      if (root / f"{stem}{suffix}").is_file()]
    return sorted(set(found) - set(planned))


def _planned(slug: str) -> dict[str, bytes]:
    """Every file of the course's export, relative path -> bytes, in writing order."""
    course = session.scalar(
        select(Course)
        .where(Course.slug == slug)
        .options(selectinload(Course.modules).selectinload(Module.current_version))
    )
    if course is None:
        raise ExportError(f"no course '{slug}'")
    planned: dict[str, bytes] = {}

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
    return planned
