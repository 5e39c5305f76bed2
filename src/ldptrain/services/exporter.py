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


@dataclass
class ExportResult:
    course: str
    files: list[str] = field(default_factory=list)  # written, relative to the target folder

    def __str__(self) -> str:
        return f"{self.course}: {len(self.files)} files written"


def export_course(slug: str, target: str | os.PathLike[str]) -> ExportResult:
    """Write `<target>/courses/<slug>/...` and `<target>/assessments/...` for one course."""
    course = session.scalar(
        select(Course)
        .where(Course.slug == slug)
        .options(selectinload(Course.modules).selectinload(Module.current_version))
    )
    if course is None:
        raise ExportError(f"no course '{slug}'")
    root = Path(target)
    result = ExportResult(slug)

    def write(rel: str, data: bytes | str) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        result.files.append(rel)

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
    return result
