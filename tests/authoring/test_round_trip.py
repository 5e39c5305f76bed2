"""Round trip between the files and the browser (#19): importing files based on a version older
than a browser edit is a conflict (which file, which version, who, when) and imports nothing;
files exported after the edit import cleanly; --force replaces the edit; `content export
--version N` writes an older version. Runs on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from ldptrain.cli.content import content
from ldptrain.db import get_session
from ldptrain.models import Assessment, AssessmentVersion, Course, Module, ModuleVersion
from ldptrain.services import authoring
from ldptrain.services.content_base import BASE_FILE
from ldptrain.services.exporter import export_course
from ldptrain.services.importer import import_content

from .helpers import People, set_up

INTRO = "courses/plan-basics/01-intro.md"
QUIZ = "assessments/plan-basics-01-quiz.md"


def _publish(people: People, path: str, old: str, new: str) -> int:
    course = people.course
    source = authoring.find_source(course, path)
    text = authoring.published_text(course, source)
    assert old in text
    draft = authoring.save_draft(people.trainer, course, source, text.replace(old, new), 0)
    done = authoring.publish_draft(people.trainer, course, source, draft.revision)
    get_session().commit()
    assert done.changed
    return done.number or 0


def _intro_versions() -> list[int]:
    return list(get_session().scalars(
        select(ModuleVersion.number).join(Module, ModuleVersion.module_id == Module.id)
        .where(Module.slug == "intro").order_by(ModuleVersion.number)))


def _current_intro() -> ModuleVersion:
    get_session().expire_all()
    module = get_session().scalar(select(Module).where(Module.slug == "intro"))
    assert module is not None and module.current_version is not None
    return module.current_version


def test_stale_files_conflict_with_a_browser_edit_and_nothing_is_imported(
        app: Flask, tmp_path: Path) -> None:
    people = set_up(tmp_path)
    project = tmp_path / "project"
    assert _publish(people, INTRO, "ข้อความมีเชิงอรรถ", "ข้อความจากเบราว์เซอร์") == 2
    intro = project / INTRO
    intro.write_text(intro.read_text("utf-8").replace("ข้อความมีเชิงอรรถ", "แก้ในไฟล์"),
                     "utf-8")
    # Another file changed too: it is not imported either, since the import is all or nothing.
    other = project / "courses/plan-basics/02-cycle.md"
    other.write_text(other.read_text("utf-8") + "\nเพิ่มในไฟล์\n", "utf-8")
    versions = get_session().scalar(select(func.count()).select_from(ModuleVersion))

    result = import_content([str(project)])
    assert not result.ok and result.problems == []
    [conflict] = result.conflicts
    assert conflict.path == str(intro) and conflict.version == 2 and conflict.base == 1
    assert "trainer@example.org" in conflict.author
    message = str(conflict)
    assert f"{intro}: conflict: version 2 was published in the browser by " in message
    assert "trainer@example.org" in message and "(version 1)" in message
    assert "--force" in message
    get_session().rollback()
    assert get_session().scalar(select(func.count()).select_from(ModuleVersion)) == versions
    assert "ข้อความจากเบราว์เซอร์" in _current_intro().source_th

    runner = app.test_cli_runner()
    cli = runner.invoke(content, ["import", str(project)], env={"LANG": "en_GB.UTF-8"})
    assert cli.exit_code == 1, cli.output
    assert f"{intro}: conflict: version 2 was published in the browser by" in cli.output
    assert "1 conflict with edits made in the browser; nothing imported" in cli.output
    thai = runner.invoke(content, ["import", str(project)], env={"LANG": "th_TH.UTF-8"})
    assert thai.exit_code == 1 and "ขัดแย้ง" in thai.output and "เบราว์เซอร์" in thai.output
    dry = runner.invoke(content, ["import", "--dry-run", str(project)])
    assert dry.exit_code == 1 and "conflict" in dry.output
    assert get_session().scalar(select(func.count()).select_from(ModuleVersion)) == versions

    forced = runner.invoke(content, ["import", "--force", str(project)])
    assert forced.exit_code == 0, forced.output
    assert "module plan-basics/intro: updated (version 3)" in forced.output
    current = _current_intro()
    assert current.number == 3 and "แก้ในไฟล์" in current.source_th
    assert _intro_versions() == [1, 2, 3]  # the browser's version 2 stays in the history


def test_unchanged_old_files_would_undo_the_edit_so_they_conflict(
        app: Flask, tmp_path: Path) -> None:
    people = set_up(tmp_path)
    _publish(people, INTRO, "ข้อความมีเชิงอรรถ", "ข้อความจากเบราว์เซอร์")
    result = import_content([str(tmp_path / "project")])
    assert [c.path for c in result.conflicts] == [str(tmp_path / "project" / INTRO)]


def test_files_exported_after_the_edit_import_cleanly_and_a_later_edit_conflicts_again(
        app: Flask, tmp_path: Path) -> None:
    people = set_up(tmp_path)
    _publish(people, INTRO, "ข้อความมีเชิงอรรถ", "ข้อความจากเบราว์เซอร์")
    out = tmp_path / "out"
    export_course("plan-basics", out)
    record = json.loads((out / "courses/plan-basics" / BASE_FILE).read_text("utf-8"))
    assert record["files"]["01-intro.md"]["version"] == 2
    assert "02-cycle.md" not in record["files"]  # came from a file import: no record needed
    # The record is hidden: neither stray, nor a course file, nor in the way of the check.
    assert BASE_FILE not in " ".join(export_course("plan-basics", out).stray)

    intro = out / INTRO
    intro.write_text(intro.read_text("utf-8").replace("ข้อความจากเบราว์เซอร์", "ต่อยอดในไฟล์"),
                     "utf-8")
    result = import_content([str(out / "courses/plan-basics"), str(out / "assessments")])
    assert result.ok, (result.problems, [str(c) for c in result.conflicts])
    get_session().commit()
    current = _current_intro()
    assert current.number == 3 and "ต่อยอดในไฟล์" in current.source_th

    # Someone edits in the browser again: the same files are now stale.
    _publish(people, INTRO, "ต่อยอดในไฟล์", "แก้อีกครั้งในเบราว์เซอร์")
    intro.write_text(intro.read_text("utf-8") + "\nอีกย่อหน้า\n", "utf-8")
    again = import_content([str(out / "courses/plan-basics")])
    [conflict] = again.conflicts
    assert conflict.version == 4 and conflict.base == 2


def test_an_assessment_and_the_overview_edited_in_the_browser_conflict(
        app: Flask, tmp_path: Path) -> None:
    people = set_up(tmp_path)
    project = tmp_path / "project"
    _publish(people, QUIZ, "อ่านคำถามให้ครบก่อนตอบ", "อ่านคำถามทุกข้อก่อนตอบ")
    _publish(people, "courses/plan-basics/course.md", "หลักสูตรตัวอย่างสำหรับการทดสอบ",
             "หลักสูตรตัวอย่างฉบับเบราว์เซอร์")
    quiz = project / QUIZ
    quiz.write_text(quiz.read_text("utf-8").replace("อ่านคำถามให้ครบก่อนตอบ", "แก้ในไฟล์"),
                    "utf-8")
    result = import_content([str(project)])
    paths = sorted(c.path for c in result.conflicts)
    assert paths == sorted([str(project / "courses/plan-basics/course.md"), str(quiz)])
    overview = next(c for c in result.conflicts if c.path.endswith("course.md"))
    assert overview.version is None and "the course overview was published" in str(overview)
    get_session().rollback()
    course = get_session().scalar(select(Course).where(Course.slug == "plan-basics"))
    assert course is not None and "ฉบับเบราว์เซอร์" in course.summary_th

    # Exported, edited, imported: no conflict; the overview keeps the browser's text.
    out = tmp_path / "out"
    export_course("plan-basics", out)
    exported = out / QUIZ
    exported.write_text(exported.read_text("utf-8") + "\n", "utf-8")
    assert import_content([str(out)]).ok


def test_publishing_in_the_browser_after_a_file_import_is_not_a_conflict(
        app: Flask, tmp_path: Path) -> None:
    """The browser publishes through the importer on an export of the course: its own record
    of the current text is what lets two browser publications follow each other."""
    people = set_up(tmp_path)
    assert _publish(people, INTRO, "ข้อความมีเชิงอรรถ", "ครั้งที่หนึ่ง") == 2
    assert _publish(people, INTRO, "ครั้งที่หนึ่ง", "ครั้งที่สอง") == 3


def test_export_an_older_version_of_a_module_and_of_an_assessment(
        app: Flask, tmp_path: Path) -> None:
    people = set_up(tmp_path)
    original = (tmp_path / "project" / INTRO).read_bytes()
    _publish(people, INTRO, "ข้อความมีเชิงอรรถ", "ข้อความจากเบราว์เซอร์")
    _publish(people, QUIZ, "อ่านคำถามให้ครบก่อนตอบ", "อ่านคำถามทุกข้อก่อนตอบ")
    runner = app.test_cli_runner()
    out = tmp_path / "old"
    done = runner.invoke(content, ["export", "plan-basics/intro", "--version", "1",
                                   "--to", str(out)])
    assert done.exit_code == 0, done.output
    assert f"written: {INTRO}" in done.output
    assert (out / INTRO).read_bytes() == original
    assert (out / "courses/plan-basics/01-intro.en.md").read_bytes() == (
        tmp_path / "project/courses/plan-basics/01-intro.en.md").read_bytes()
    assert not (out / "courses/plan-basics" / BASE_FILE).exists()  # version 1 came from files

    newer = runner.invoke(content, ["export", "plan-basics/intro", "--version", "2",
                                    "--to", str(out)])
    assert newer.exit_code == 1 and "--force" in newer.output  # version 1's file is there
    forced = runner.invoke(content, ["export", "plan-basics/intro", "--version", "2",
                                     "--to", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "ข้อความจากเบราว์เซอร์" in (out / INTRO).read_text("utf-8")
    record = json.loads((out / "courses/plan-basics" / BASE_FILE).read_text("utf-8"))
    assert record["files"]["01-intro.md"]["version"] == 2

    quiz = runner.invoke(content, ["export", "plan-basics-01-quiz", "--version", "1",
                                   "--to", str(out)])
    assert quiz.exit_code == 0, quiz.output
    assert (out / QUIZ).read_bytes() == (tmp_path / "project" / QUIZ).read_bytes()
    assessment = get_session().scalar(select(Assessment).where(
        Assessment.slug == "plan-basics-01-quiz"))
    assert assessment is not None
    assert get_session().scalar(select(func.max(AssessmentVersion.number)).where(
        AssessmentVersion.assessment_id == assessment.id)) == 2

    missing = runner.invoke(content, ["export", "plan-basics/intro", "--version", "9",
                                      "--to", str(out)])
    assert missing.exit_code == 1 and "'plan-basics/intro' has no version 9" in missing.output
    unknown = runner.invoke(content, ["export", "plan-basics/nope", "--version", "1",
                                      "--to", str(out)])
    assert unknown.exit_code == 1 and "no module 'plan-basics/nope'" in unknown.output
