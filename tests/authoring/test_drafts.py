"""Drafts and publishing (#19), at the service level on both databases: a draft publishes as a
new content version through the importer; earlier versions and the progress on them stay; a
stale save is a conflict, not an overwrite; a draft with problems is not published."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from ldptrain.db import get_session
from ldptrain.models import (
    Assessment,
    AuditEvent,
    ContentDraft,
    ContentPublication,
    Course,
    Enrolment,
    Module,
    ModuleProgress,
    ModuleVersion,
)
from ldptrain.services import authoring, enrolment

from .helpers import set_up

INTRO = "courses/plan-basics/01-intro.md"


def _source(course: Course, path: str) -> authoring.Source:
    return authoring.find_source(course, path)


def _intro() -> Module:
    found = get_session().scalar(select(Module).where(Module.slug == "intro"))
    assert found is not None
    return found


def test_a_published_draft_is_a_new_version_and_earlier_progress_stays(
        app: Flask, tmp_path: Path) -> None:
    people = set_up(tmp_path)
    session = get_session()
    course = people.course
    mine = enrolment.enrol(people.trainee, course)
    first = _intro().current_version
    assert first is not None and first.number == 1
    session.add(ModuleProgress(enrolment_id=mine.id, module_id=_intro().id,
                               module_version_id=first.id))
    session.commit()

    source = _source(course, INTRO)
    text = authoring.published_text(course, source).replace(
        "ข้อความมีเชิงอรรถ", "ข้อความฉบับปรับปรุงมีเชิงอรรถ")
    draft = authoring.save_draft(people.trainer, course, source, text, 0)
    session.commit()
    assert draft.revision == 1 and _intro().current_version.number == 1  # a draft only
    done = authoring.publish_draft(people.trainer, course, source, 1)
    session.commit()

    assert done.changed and done.number == 2
    module = _intro()
    assert module.current_version is not None and module.current_version.number == 2
    assert "ฉบับปรับปรุง" in module.current_version.html_th
    assert module.current_version.source_th == text
    assert session.get(ModuleVersion, first.id) is not None  # version 1 kept
    kept = session.scalar(select(ModuleProgress).where(ModuleProgress.enrolment_id == mine.id))
    assert kept is not None and kept.module_version_id == first.id
    assert session.scalar(select(func.count()).select_from(ContentDraft)) == 0
    publication = session.scalar(select(ContentPublication))
    assert publication is not None and publication.author_id == people.trainer.id
    assert publication.module_version_id == module.current_version.id
    assert publication.origin == "browser"
    actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "content.draft_saved" in actions and "content.published" in actions
    course_row = session.get(Course, course.id)
    assert course_row is not None and "ldp-author-" not in course_row.source_path
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_the_second_save_from_a_stale_page_is_a_conflict_with_a_diff(
        app: Flask, tmp_path: Path) -> None:
    people = set_up(tmp_path)
    course, session = people.course, get_session()
    source = _source(course, INTRO)
    text = authoring.published_text(course, source)
    authoring.save_draft(people.trainer, course, source, text + "\nส่วนของคนแรก\n", 0)
    session.commit()
    # Both pages were loaded at revision 1; the first saves, the second is refused.
    authoring.save_draft(people.trainer, course, source, text + "\nแก้ครั้งที่สอง\n", 1)
    session.commit()
    with pytest.raises(authoring.DraftConflict) as caught:
        authoring.save_draft(people.admin, course, source, text + "\nของคนที่สอง\n", 1)
    session.rollback()
    conflict = caught.value
    assert conflict.revision == 2 and conflict.author_id == people.trainer.id
    assert "-แก้ครั้งที่สอง" in conflict.diff and "+ของคนที่สอง" in conflict.diff
    draft = authoring.get_draft(course, source)
    assert draft is not None and "แก้ครั้งที่สอง" in draft.text and draft.revision == 2
    # Having seen the diff, the second author saves over it deliberately (revision 2).
    authoring.save_draft(people.admin, course, source, text + "\nของคนที่สอง\n", 2)
    session.commit()
    assert "ของคนที่สอง" in authoring.get_draft(course, source).text  # type: ignore[union-attr]


def test_a_first_save_racing_another_first_save_is_a_conflict(
        app: Flask, tmp_path: Path) -> None:
    people = set_up(tmp_path)
    course, session = people.course, get_session()
    source = _source(course, INTRO)
    authoring.save_draft(people.trainer, course, source, "ของคนแรก", 0)
    session.commit()
    with pytest.raises(authoring.DraftConflict):
        authoring.save_draft(people.admin, course, source, "ของคนที่สอง", 0)


def test_a_draft_with_problems_is_not_published(app: Flask, tmp_path: Path) -> None:
    people = set_up(tmp_path)
    course, session = people.course, get_session()
    source = _source(course, INTRO)
    text = authoring.published_text(course, source).replace("duration: 30", "duration: ครึ่งชม.")
    authoring.save_draft(people.trainer, course, source, text, 0)
    session.commit()
    with pytest.raises(authoring.PublishRefused) as caught:
        authoring.publish_draft(people.trainer, course, source, 1)
    session.rollback()
    problems = caught.value.problems
    assert problems and problems[0].path == INTRO and problems[0].line == 5
    assert _intro().current_version.number == 1  # type: ignore[union-attr]
    assert session.scalar(select(func.count()).select_from(ContentPublication)) == 0


def test_publishing_a_quiz_and_the_overview(app: Flask, tmp_path: Path) -> None:
    people = set_up(tmp_path)
    course, session = people.course, get_session()
    quiz = _source(course, "assessments/plan-basics-01-quiz.md")
    text = authoring.published_text(course, quiz).replace(
        "อ่านคำถามให้ครบก่อนตอบ", "อ่านคำถามทุกข้อให้ครบก่อนตอบ")
    done = authoring.publish_text(people.admin, course, quiz, text, origin="browser")
    session.commit()
    item = session.scalar(select(Assessment).where(Assessment.slug == "plan-basics-01-quiz"))
    assert done.changed and item is not None and item.current_version.number == 2  # type: ignore[union-attr]

    overview = _source(course, "courses/plan-basics/course.md")
    text = authoring.published_text(course, overview).replace("# ภาพรวมหลักสูตร",
                                                               "# ภาพรวมของหลักสูตร")
    done = authoring.publish_text(people.admin, course, overview, text, origin="browser")
    session.commit()
    row = session.get(Course, course.id)
    assert done.changed and row is not None and "ภาพรวมของหลักสูตร" in row.overview_html_th
    assert authoring.published_text(row, overview) == text
    # The same text again changes nothing and records nothing.
    again = authoring.publish_text(people.admin, course, overview, text, origin="browser")
    assert not again.changed
    # The quiz's publication, and the overview's: the imported text it replaced, then the new.
    assert session.scalar(select(func.count()).select_from(ContentPublication)) == 3
    entries = authoring.history(row, overview)
    assert [e.origin for e in entries] == ["file", "browser"] and entries[1].current
    assert "+# ภาพรวมของหลักสูตร" in (entries[1].diff or [])
    authoring.restore(people.admin, row, overview, entries[0].key)
    session.commit()
    assert "ภาพรวมของหลักสูตร" not in row.overview_html_th
    assert [e.origin for e in authoring.history(row, overview)] == ["file", "browser", "restore"]


def test_a_draft_started_before_another_publication_is_not_published_over_it(
        app: Flask, tmp_path: Path) -> None:
    people = set_up(tmp_path)
    course, session = people.course, get_session()
    source = _source(course, INTRO)
    text = authoring.published_text(course, source)
    authoring.save_draft(people.trainer, course, source, text + "\nร่างของวิทยากร\n", 0)
    authoring.publish_text(people.admin, course, source, text + "\nเผยแพร่โดยผู้ดูแล\n",
                           origin="browser")
    session.commit()
    with pytest.raises(authoring.PublishRefused):
        authoring.publish_draft(people.trainer, course, source, 1)


def test_a_readable_diff_marks_changed_thai_letters_without_splitting_marks() -> None:
    from ldptrain.services.authoring.diffs import clusters, readable

    assert clusters("ที่สอง") == ["ที่", "ส", "อ", "ง"]  # the tone mark stays on its consonant
    assert clusters("เรียน") == ["เรี", "ย", "น"]  # and the leading vowel too
    rows = readable(authoring.line_diff("ผู้เรียนต้องทำแบบทดสอบ\nเหมือนเดิม\n",
                                        "ผู้เข้าอบรมต้องทำแบบทดสอบ\nเหมือนเดิม\nบรรทัดใหม่\n"))
    changed = [(r.kind, [t for c, t in r.parts if c]) for r in rows if r.kind in ("add", "del")]
    assert changed == [("del", ["เรียน"]), ("add", ["เข้าอบรม"]), ("add", [])]
    # "ดี" -> "ดี่": the new tone mark marks the whole letter it sits on, never the mark alone.
    rows = readable(authoring.line_diff("ดี\n", "ดี่\n"))
    assert [t for r in rows if r.kind == "add" for c, t in r.parts if c] == ["ดี่"]


def test_export_writes_a_browser_publication_back_byte_for_byte(app: Flask,
                                                               tmp_path: Path) -> None:
    from ldptrain.services.exporter import export_course
    from ldptrain.services.importer import import_content

    people = set_up(tmp_path)
    course, session = people.course, get_session()
    source = _source(course, INTRO)
    text = authoring.published_text(course, source).replace(
        "ข้อความมีเชิงอรรถ", "ข้อความจากเบราว์เซอร์มีเชิงอรรถ") + "\r\nบรรทัด CRLF จากเบราว์เซอร์\r\n"
    authoring.publish_text(people.trainer, course, source, text, origin="browser")
    session.commit()
    out = tmp_path / "export"
    export_course("plan-basics", out)
    written = (out / INTRO).read_bytes()
    assert written == authoring.normalise(text).encode("utf-8")  # LF, NFC: as an import stores
    again = import_content([str(out / "courses" / "plan-basics")])
    session.commit()
    assert again.ok and again.created == again.updated == again.retired == 0  # a no-op
