"""History of a course file: every published version (from a file import or the browser) with
its author and time, a line diff with the one before, and restore as a new version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from ...db import session
from ...i18n import lazy_gettext
from ...models import (
    Assessment,
    AssessmentVersion,
    ContentPublication,
    Course,
    Module,
    ModuleVersion,
    User,
)
from .diffs import DiffLine, readable
from .drafts import Published, line_diff, publish_text
from .sources import Source, SourceError, current_version


@dataclass
class Entry:
    key: int  # the version number (the publication's id for an overview)
    number: int | None  # the version number; None for an overview
    at: dt.datetime
    origin: str  # "file" (content import), "browser" or "restore"
    author: User | None
    text: str
    restored_from: int | None = None
    diff: list[str] | None = None  # against the entry before it; None for the first
    current: bool = False

    @property
    def diff_rows(self) -> list[DiffLine]:
        return readable(self.diff or [])


def _versions(course: Course, source: Source) -> list[ModuleVersion] | list[AssessmentVersion]:
    if source.kind == "module":
        module = session.scalar(select(Module).where(Module.course_id == course.id,
                                                     Module.slug == source.slug))
        if module is None:
            return []
        return list(session.scalars(select(ModuleVersion).where(
            ModuleVersion.module_id == module.id).order_by(ModuleVersion.number)))
    item = session.scalar(select(Assessment).where(Assessment.slug == source.slug))
    if item is None:
        return []
    return list(session.scalars(select(AssessmentVersion).where(
        AssessmentVersion.assessment_id == item.id).order_by(AssessmentVersion.number)))


def history(course: Course, source: Source) -> list[Entry]:
    """Oldest first; each with its diff against the one before."""
    authors: dict[int, User | None] = {}

    def author(user_id: int | None) -> User | None:
        if user_id is None:
            return None
        if user_id not in authors:
            authors[user_id] = session.get(User, user_id)
        return authors[user_id]

    entries: list[Entry] = []
    if source.kind == "course":
        for p in session.scalars(select(ContentPublication).where(
                ContentPublication.course_id == course.id, ContentPublication.path == source.path)
                .order_by(ContentPublication.id)):
            entries.append(Entry(p.id, None, p.created_at, p.origin, author(p.author_id), p.text,
                                 p.restored_from))
    else:
        versions = _versions(course, source)
        column = (ContentPublication.module_version_id if source.kind == "module"
                  else ContentPublication.assessment_version_id)
        published = {p_id: p for p in session.scalars(select(ContentPublication).where(
            column.in_([v.id for v in versions])))
            if (p_id := p.module_version_id or p.assessment_version_id) is not None}
        live = current_version(course, source)
        for v in versions:
            p = published.get(v.id)
            entries.append(Entry(
                v.number, v.number, p.created_at if p else v.created_at,
                p.origin if p else "file", author(p.author_id) if p else None,
                v.source_en if source.english else v.source_th,
                p.restored_from if p else None, current=live is not None and v.id == live.id))
    for before, entry in zip(entries, entries[1:], strict=False):
        entry.diff = line_diff(before.text, entry.text, _name(before), _name(entry))
    if entries and source.kind == "course":
        entries[-1].current = True
    return entries


def _name(entry: Entry) -> str:
    return f"version {entry.number}" if entry.number is not None else f"#{entry.key}"


def restore(actor: User, course: Course, source: Source, key: int, ip: str = "") -> Published:
    """Publish an earlier version's text again, as a new version (nothing is rewritten)."""
    entry = next((e for e in history(course, source) if e.key == key), None)
    if entry is None:
        raise SourceError(lazy_gettext("There is no such version."))
    return publish_text(actor, course, source, entry.text, origin="restore",
                        restored_from=entry.number if entry.number is not None else entry.key,
                        ip=ip)
