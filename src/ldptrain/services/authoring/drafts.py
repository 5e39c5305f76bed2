"""Drafts and publishing: an author's edits stay a draft until published; publishing runs the
importer on the course with the draft in place of its file, so it makes a new content version
under the same rules as a file re-import (earlier versions, progress and attempts kept; nothing
is written when the check finds a problem)."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ...content.format import Problem
from ...db import session, utcnow
from ...i18n import lazy_gettext
from ...models import ContentDraft, ContentPublication, Course, User
from .. import audit
from ..errors import ServiceError
from ..importer import import_content
from .diffs import DiffLine, readable
from .preview import check_drafts
from .sources import (
    Source,
    current_version,
    normalise,
    published_text,
    relative,
    sources_of,
    workspace,
)


def text_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def line_diff(old: str, new: str, old_name: str = "", new_name: str = "") -> list[str]:
    """A readable line diff (unified, 3 lines of context); lines are compared whole, so Thai
    text without spaces between words diffs as well as English."""
    return list(difflib.unified_diff(normalise(old).splitlines(), normalise(new).splitlines(),
                                     old_name, new_name, lineterm=""))


class DraftConflict(ServiceError):
    """Someone saved this draft (or published the file) since the page was loaded."""

    def __init__(self, theirs: str, mine: str, revision: int, author_id: int | None) -> None:
        super().__init__(lazy_gettext(
            "Someone else saved this file since you opened it. Your text was not saved: "
            "compare it with theirs below, then save again to replace theirs."))
        self.theirs, self.mine, self.revision, self.author_id = theirs, mine, revision, author_id

    @property
    def diff(self) -> list[str]:
        return line_diff(self.theirs, self.mine, "saved", "yours")

    @property
    def diff_rows(self) -> list[DiffLine]:
        return readable(self.diff)

    @property
    def author(self) -> User | None:
        return session.get(User, self.author_id) if self.author_id else None


class PublishRefused(ServiceError):
    def __init__(self, message: Any, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def get_draft(course: Course, source: Source) -> ContentDraft | None:
    return session.scalar(select(ContentDraft).where(ContentDraft.course_id == course.id,
                                                     ContentDraft.path == source.path))


def drafts_of(course: Course) -> dict[str, ContentDraft]:
    return {d.path: d for d in session.scalars(
        select(ContentDraft).where(ContentDraft.course_id == course.id))}


def _base(course: Course, source: Source) -> tuple[str, int | None]:
    version = current_version(course, source)
    return text_hash(published_text(course, source)), (version.number if version else None)


def save_draft(actor: Any, course: Course, source: Source, text: str, revision: int,
               ip: str = "") -> ContentDraft:
    """Save the shared draft of `source`. `revision` is the draft's revision the author's page
    was loaded with (0: there was no draft); a different one now means someone else saved in
    between, and nothing is overwritten (DraftConflict, with both texts)."""
    text = normalise(text)
    draft = get_draft(course, source)
    if draft is None:
        if revision:  # it was published or discarded meanwhile: compare with what is live now
            raise DraftConflict(published_text(course, source), text, 0, None)
        base_hash, base_version = _base(course, source)
        draft = ContentDraft(course_id=course.id, path=source.path, text=text,
                             base_hash=base_hash, base_version=base_version, revision=1,
                             author_id=actor.id)
        try:
            with session.begin_nested():
                session.add(draft)
                session.flush()
        except IntegrityError:  # another author's first save won the race
            theirs = get_draft(course, source)
            raise DraftConflict(theirs.text if theirs else "", text,
                                theirs.revision if theirs else 0,
                                theirs.author_id if theirs else None) from None
    else:
        # Compare-and-set in the database, so two saves at once cannot both win.
        done = session.execute(
            update(ContentDraft)
            .where(ContentDraft.id == draft.id, ContentDraft.revision == revision)
            .values(text=text, revision=ContentDraft.revision + 1, author_id=actor.id,
                    updated_at=utcnow())
            .execution_options(synchronize_session=False))
        session.refresh(draft)
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise DraftConflict(draft.text, text, draft.revision, draft.author_id)
    audit.record("content.draft_saved", actor=actor, target=course, ip=ip,
                 details={"path": source.path, "revision": draft.revision})
    return draft


def discard_draft(actor: Any, course: Course, source: Source, ip: str = "") -> None:
    draft = get_draft(course, source)
    if draft is None:
        return
    session.delete(draft)
    audit.record("content.draft_discarded", actor=actor, target=course, ip=ip,
                 details={"path": source.path, "revision": draft.revision})


@dataclass
class Published:
    changed: bool
    number: int | None = None  # the new version's number (modules and assessments)
    changes: list[str] = field(default_factory=list)


def publish_draft(actor: Any, course: Course, source: Source, revision: int,
                  ip: str = "") -> Published:
    """Publish the draft of `source` as it was saved at `revision`, together with the draft of
    its other language's file when there is one (a reordered bank and its translation can only
    pass the check together)."""
    draft = get_draft(course, source)
    if draft is None or draft.revision != revision:
        raise PublishRefused(lazy_gettext(
            "The draft changed since you opened it (someone else saved or published it). "
            "Reload the page to see it."))
    drafts = [(source, draft)]
    sibling = next((s for s in sources_of(course) if s.path == source.sibling), None)
    sibling_draft = get_draft(course, sibling) if sibling is not None else None
    if sibling is not None and sibling_draft is not None:
        drafts.append((sibling, sibling_draft))
    for item, row in drafts:
        base_hash, base_version = _base(course, item)
        if row.base_hash and base_hash != row.base_hash:
            raise PublishRefused(lazy_gettext(
                "This file was published again since the draft was started (now version "
                "%(version)s). Compare the draft with the published text in the history, then "
                "start the draft again from the published text.", version=base_version or "-"))
    done = publish_texts(actor, course, [(item, row.text) for item, row in drafts],
                         origin="browser", ip=ip)
    for _item, row in drafts:
        session.delete(row)
    return done


def publish_text(actor: Any, course: Course, source: Source, text: str, *, origin: str,
                 restored_from: int | None = None, ip: str = "") -> Published:
    return publish_texts(actor, course, [(source, text)], origin=origin,
                         restored_from=restored_from, ip=ip)


def publish_texts(actor: Any, course: Course, texts: list[tuple[Source, str]], *, origin: str,
                  restored_from: int | None = None, ip: str = "") -> Published:
    """Import the course with each text in place of its file; record who published what. The
    first text is the one the author published; the rest go with it (its translation)."""
    texts = [(source, normalise(text)) for source, text in texts]
    drafts = {source.path: text for source, text in texts}
    problems = check_drafts(course, drafts)
    if problems:
        raise PublishRefused(lazy_gettext(
            "The draft has problems; correct them before publishing."), problems)
    main = texts[0][0]
    # An overview has no version rows: keep the text it replaces (from a file import) in the
    # history first, so it can be compared with and restored like a module's version 1.
    replaced = [(source, published_text(course, source)) for source, _text in texts
                if source.kind == "course"]
    imported_at = course.updated_at
    before = current_version(course, main)
    before_id = before.id if before is not None else None
    source_path = course.source_path  # the import would name the scratch folder
    with workspace(course, drafts) as root:
        result = import_content([str(root / "courses" / course.slug)])
        if not result.ok:  # the check above passed, so this is not expected; be safe anyway
            raise PublishRefused(lazy_gettext("The importer refused the draft."), [
                Problem(relative(root, p.path), p.line, p.message) for p in result.problems])
    course.source_path = source_path
    session.flush()
    after = current_version(course, main)
    changed = (after is not None and after.id != before_id) or (
        main.kind == "course"
        and any(line.startswith(f"course {course.slug}:") for line in result.changes))
    if not changed:
        return Published(False, after.number if after is not None else None)
    for source, text in replaced:
        last = session.scalar(select(ContentPublication.text).where(
            ContentPublication.course_id == course.id, ContentPublication.path == source.path)
            .order_by(ContentPublication.id.desc()).limit(1))
        if text and last != text:
            session.add(ContentPublication(course_id=course.id, path=source.path, origin="file",
                                           text=text, created_at=imported_at))
    for source, text in texts:
        session.add(ContentPublication(
            course_id=course.id, path=source.path, origin=origin, text=text, author_id=actor.id,
            restored_from=restored_from,
            module_version_id=after.id if source.kind == "module" and after is not None
            else None,
            assessment_version_id=after.id if source.kind == "assessment" and after is not None
            else None))
    number = after.number if after is not None else None
    audit.record("content.restored" if origin == "restore" else "content.published",
                 actor=actor, target=course, ip=ip,
                 details={"paths": [source.path for source, _text in texts], "version": number,
                          "restored_from": restored_from, "changes": result.changes[:20]})
    return Published(True, number, list(result.changes))


def edit_bank(actor: Any, course: Course, source: Source, text: str, revision: int, op: str,
              index: int, kind: str = "", ip: str = "") -> ContentDraft:
    """A move in the question-bank editor (up, down, retire, add) on the author's text, done on
    its translation too so both keep the same questions in the same order; both saved as
    drafts (a stale revision is a DraftConflict, as for any save)."""
    from . import bank

    sibling = next((s for s in sources_of(course) if s.path == source.sibling), None)
    other = get_draft(course, sibling) if sibling is not None else None
    other_text = other.text if other is not None else (
        published_text(course, sibling) if sibling is not None else "")
    key = bank.new_key([text, other_text])

    def apply(value: str, english: bool) -> str:
        if op == "up":
            return bank.move(value, index, -1)
        if op == "down":
            return bank.move(value, index, 1)
        if op == "retire":
            return bank.retire(value, index)
        if op == "add":
            return bank.add(value, kind, key, "en" if english else "th")
        return value

    draft = save_draft(actor, course, source, apply(text, source.english), revision, ip=ip)
    if sibling is not None and other_text.strip():
        save_draft(actor, course, sibling, apply(other_text, sibling.english),
                   other.revision if other is not None else 0, ip=ip)
    audit.record("content.bank_edited", actor=actor, target=course, ip=ip,
                 details={"path": source.path, "op": op, "index": index, "kind": kind})
    return draft
