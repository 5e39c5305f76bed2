"""Round trip between the files and the browser (#19): which version a folder of files is based
on, and the conflict an import of those files would make with a later browser edit.

A file's *base* is the published text it was exported from. `content export` records it, for
every file whose current text was published in the browser, in a hidden `.ldptrain-base.json`
beside the file (the importer skips hidden files): its version number and the SHA-256 of that
text. Files whose current text came from a file import need no record: importing files over a
file import is the ordinary update.

An import conflicts on a file when the file differs from the current published text, that text
was published in the browser (a draft or a restore), and no record beside the file names that
text as its base: the files were exported before the browser edit (or never exported), so
importing them would silently replace it. Nothing is imported then unless `--force`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..content.format import ContentSet
from ..content.messages import N_, Msg
from ..content.parse import read_text
from ..db import session
from ..models import (
    Assessment,
    AssessmentVersion,
    ContentPublication,
    Course,
    CourseFile,
    Module,
    ModuleVersion,
    User,
)

BASE_FILE = ".ldptrain-base.json"


def text_hash(text: str) -> str:
    """SHA-256 of a source as the importer stores it (already NFC, LF)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_bases(folder: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """The records of `folder`'s base file: file name -> {"version": N | None, "sha256": ...};
    {} when there is none or it cannot be read (then every browser edit is a conflict)."""
    path = os.path.join(folder, BASE_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return {k: v for k, v in files.items() if isinstance(v, dict)} if isinstance(
        files, dict) else {}


def base_file_bytes(records: dict[str, dict[str, Any]]) -> bytes:
    body = {"comment": "Written by `ldptrain content export`: the published version each file "
                       "here was exported from. Keep it with the files.",
            "files": dict(sorted(records.items()))}
    return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@dataclass
class Conflict:
    """A file whose import would replace a text published in the browser after its base."""

    path: str  # the file, as given to the import
    version: int | None  # the browser-published version (None: a course overview)
    base: int | None  # the version the file is based on, when known
    author: str  # who published it: name and address, or "" when the account is gone
    at: dt.datetime

    def message(self) -> Msg:
        when = self.at.strftime("%Y-%m-%d %H:%M UTC")
        who = self.author or N_("an account since removed")
        what = (N_("version %(version)s", version=self.version) if self.version is not None
                else N_("the course overview"))
        base = (N_("version %(version)s", version=self.base) if self.base is not None
                else N_("an earlier version"))
        return N_("%(path)s: conflict: %(what)s was published in the browser by %(who)s on "
                  "%(when)s, after the version this file is based on (%(base)s); importing it "
                  "would replace that edit. Export the course, bring your changes into the "
                  "exported files and import those, or use --force to replace the browser "
                  "edit.", path=self.path, what=what, who=who, when=when, base=base)

    def __str__(self) -> str:
        return str.__str__(self.message())


def _read(path: str) -> str | None:
    return read_text(path, []) if os.path.exists(path) else None


def _who(user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    if user is None:
        return ""
    name = user.name_th or user.name_en
    return f"{name} <{user.email}>" if name else user.email


def _latest_file_import(versions: list[Any], published: set[int]) -> int | None:
    numbers = [v.number for v in versions if v.id not in published]
    return max(numbers) if numbers else None


def _check_versioned(path: str, stored_th: str, stored_en: str, current: Any,
                     publication: ContentPublication | None, versions: list[Any],
                     published: set[int], found: list[Conflict]) -> None:
    if publication is None:
        return
    for file, stored in ((path, stored_th), (path[:-3] + ".en.md", stored_en)):
        text = _read(file)
        if text is None:
            text = ""
        if text == stored:
            continue
        record = read_bases(os.path.dirname(file)).get(os.path.basename(file))
        if record is not None and record.get("sha256") == text_hash(stored):
            continue  # exported from this very text: the file's edits come after it
        base = record.get("version") if record else _latest_file_import(versions, published)
        found.append(Conflict(file, current.number, base if isinstance(base, int) else None,
                              _who(publication.author_id), publication.created_at))


def find_conflicts(content: ContentSet) -> list[Conflict]:
    """Every file in `content` whose import would replace a browser edit made after its base."""
    found: list[Conflict] = []
    for item in sorted(content.courses.values(), key=lambda x: x.slug):
        course = session.scalar(select(Course).where(Course.slug == item.slug))
        if course is None:
            continue
        _course_overview(course, item.path, found)
        for module in item.modules:
            row = session.scalar(select(Module).where(Module.course_id == course.id,
                                                      Module.slug == module.slug))
            current = row.current_version if row is not None else None
            if row is None or current is None or current.content_hash == module.content_hash:
                continue
            _check_current(module.path, current, select(ModuleVersion).where(
                ModuleVersion.module_id == row.id), ContentPublication.module_version_id, found)
    for slug, item in sorted(content.assessments.items()):
        assessment = session.scalar(select(Assessment).where(Assessment.slug == slug))
        current = assessment.current_version if assessment is not None else None
        if assessment is None or current is None or current.content_hash == item.content_hash:
            continue
        _check_current(item.path, current, select(AssessmentVersion).where(
            AssessmentVersion.assessment_id == assessment.id),
            ContentPublication.assessment_version_id, found)
    return found


def _check_current(path: str, current: Any, versions_query: Any, published_column: Any,
                   found: list[Conflict]) -> None:
    """A module's or an assessment's file against its current version: its versions, which of
    them were published from the browser (`published_column`, the publication's link to that
    kind of version), then the common check."""
    versions = list(session.scalars(versions_query))
    publications = {getattr(p, published_column.key): p for p in session.scalars(
        select(ContentPublication).where(published_column.in_([v.id for v in versions])))}
    _check_versioned(path, current.source_th, current.source_en, current,
                     publications.get(current.id), versions, set(publications), found)


def _course_overview(course: Course, folder: str, found: list[Conflict]) -> None:
    """course.md and course.en.md: their text has no versions; the last browser publication of
    each, when it is still the stored text, is the edit an import must not replace."""
    for name in ("course.md", "course.en.md"):
        stored_row = session.scalar(select(CourseFile).where(
            CourseFile.course_id == course.id, CourseFile.path == name))
        stored = stored_row.data.decode("utf-8") if stored_row is not None else ""
        publication = session.scalar(
            select(ContentPublication)
            .where(ContentPublication.course_id == course.id,
                   ContentPublication.path == f"courses/{course.slug}/{name}")
            .order_by(ContentPublication.id.desc()).limit(1))
        if publication is None or publication.text != stored:
            continue
        file = os.path.join(folder, name)
        text = _read(file) or ""
        if text == stored:
            continue
        record = read_bases(folder).get(name)
        if record is not None and record.get("sha256") == text_hash(stored):
            continue
        found.append(Conflict(file, None, None, _who(publication.author_id),
                              publication.created_at))


def browser_published(course: Course) -> dict[str, tuple[int | None, str]]:
    """The course's export-layout paths whose current text was published in the browser:
    path -> (version number, text). What `content export` records as the files' base."""
    out: dict[str, tuple[int | None, str]] = {}
    root = f"courses/{course.slug}"
    for name in ("course.md", "course.en.md"):
        stored_row = session.scalar(select(CourseFile).where(
            CourseFile.course_id == course.id, CourseFile.path == name))
        publication = session.scalar(
            select(ContentPublication)
            .where(ContentPublication.course_id == course.id,
                   ContentPublication.path == f"{root}/{name}")
            .order_by(ContentPublication.id.desc()).limit(1))
        if stored_row is not None and publication is not None and (
                publication.text == stored_row.data.decode("utf-8")):
            out[f"{root}/{name}"] = (None, publication.text)
    for module in session.scalars(select(Module).where(Module.course_id == course.id,
                                                       Module.retired.is_(False))):
        version = module.current_version
        if version is None or not _published_in_browser(
                ContentPublication.module_version_id, version.id):
            continue
        name = f"{root}/{module.position:02d}-{module.slug}"
        out[f"{name}.md"] = (version.number, version.source_th)
        if version.source_en:
            out[f"{name}.en.md"] = (version.number, version.source_en)
    return out


def assessment_published(assessment: Assessment) -> dict[str, tuple[int | None, str]]:
    version = assessment.current_version
    if version is None or not _published_in_browser(
            ContentPublication.assessment_version_id, version.id):
        return {}
    name = f"assessments/{assessment.slug}"
    out: dict[str, tuple[int | None, str]] = {f"{name}.md": (version.number, version.source_th)}
    if version.source_en:
        out[f"{name}.en.md"] = (version.number, version.source_en)
    return out


def _published_in_browser(column: Any, version_id: int) -> bool:
    return session.scalar(select(ContentPublication.id).where(column == version_id).limit(1)
                          ) is not None
