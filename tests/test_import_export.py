"""Importing Markdown content: checked first, idempotent, versioned, retiring not deleting; and
export -> import is a no-op. Runs on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from ldptrain.db import get_session
from ldptrain.models import (
    Assessment,
    AssessmentVersion,
    Course,
    CourseFile,
    Module,
    ModuleVersion,
    Programme,
    Question,
)
from ldptrain.services.exporter import export_course
from ldptrain.services.importer import import_content

GOOD = Path(__file__).parent / "fixtures" / "content" / "good"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(GOOD, target)
    return target


def _count(model: type) -> int:
    return get_session().scalar(select(func.count()).select_from(model))  # type: ignore[return-value]


def _import(*paths: Path):  # type: ignore[no-untyped-def]
    result = import_content([str(p) for p in paths])
    get_session().commit()
    return result


def _counts() -> dict[str, int]:
    return {
        m.__name__: _count(m)
        for m in (
            Course,
            Module,
            ModuleVersion,
            Assessment,
            AssessmentVersion,
            Question,
            CourseFile,
            Programme,
        )
    }


def test_first_import_stores_rendered_content(app: Flask, project: Path) -> None:
    result = _import(project)
    assert result.ok, result.problems
    course = get_session().scalar(select(Course).where(Course.slug == "plan-basics"))
    assert course is not None and course.version == "1.10" and course.code == "PLB"
    assert course.title("en") == "Local development plan basics (EN)"
    assert 'href="m/intro"' in course.overview_html_th
    intro = next(m for m in course.modules if m.slug == "intro")
    version = intro.current_version
    assert version is not None and version.number == 1 and version.duration_minutes == 30
    assert 'src="../files/images/cycle.png"' in version.html_th
    assert "module 2" in version.html_en and version.title_en == "Introduction"
    assert version.source_th.startswith("---\ntitle:")
    quiz = get_session().scalar(select(Assessment).where(Assessment.slug == "plan-basics-01-quiz"))
    assert quiz is not None and course.final_assessment_id is not None
    assert version.assessment_id == quiz.id
    questions = quiz.current_version.questions  # type: ignore[union-attr]
    assert [q.kind for q in questions] == ["single", "multiple", "short"]
    assert questions[0].key == "fiscal-year" and questions[0].points == 2
    assert [ch["correct"] for ch in questions[0].choices] == [False, True, False]
    assert "543" in questions[2].answers and "five hundred forty-three" in questions[2].answers
    assert "ปีงบประมาณ" in questions[0].text_html_th and "fiscal year" in questions[0].text_html_en
    stored = get_session().scalar(select(CourseFile).where(CourseFile.path == "images/cycle.png"))
    assert stored is not None and stored.media_type == "image/png"
    assert stored.data == (project / "courses/plan-basics/images/cycle.png").read_bytes()
    programme = get_session().scalar(select(Programme))
    assert programme is not None and programme.course_slugs == ["plan-basics", "plan-advanced"]
    assert programme.title("en") == "LAO staff programme (EN)"
    assert "English" in programme.overview_html_en


def test_reimport_of_unchanged_content_changes_nothing(app: Flask, project: Path) -> None:
    _import(project)
    before = _counts()
    result = _import(project)
    assert (result.created, result.updated, result.retired, result.files_written) == (0, 0, 0, 0)
    assert result.unchanged > 0 and _counts() == before


def _stamps() -> dict[str, str]:
    get_session().expire_all()
    return dict(get_session().execute(select(Course.slug, Course.outline_stamp)).all())


def test_an_import_restamps_the_outline_of_each_course_it_changes(
        app: Flask, project: Path) -> None:
    """Workers remember module pages by the course's outline stamp (services/progress.py): an
    import that changes a module must change it, one that changes nothing must not."""
    _import(project)
    before = _stamps()
    _import(project)
    assert _stamps() == before
    module = project / "courses" / "plan-basics" / "02-cycle.md"
    module.write_text(module.read_text(encoding="utf-8") + "\nย่อหน้าใหม่\n", "utf-8")
    _import(project)
    after = _stamps()
    assert after["plan-basics"] != before["plan-basics"]
    assert {k: v for k, v in after.items() if k != "plan-basics"} == {
        k: v for k, v in before.items() if k != "plan-basics"}
    overview = project / "courses" / "plan-basics" / "course.md"  # the course's own file
    overview.write_text(overview.read_text(encoding="utf-8") + "\nเพิ่มเติม\n", "utf-8")
    assert _import(project).ok
    assert _stamps()["plan-basics"] != after["plan-basics"]


def test_a_problem_means_nothing_is_written(app: Flask, project: Path) -> None:
    quiz = project / "assessments" / "plan-basics-final.md"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("draw: 2", "draw: 9"), "utf-8")
    result = _import(project)
    assert not result.ok
    assert [p.line for p in result.problems] == [5]
    assert all(n == 0 for n in _counts().values())


def test_a_changed_module_gets_a_new_version_and_keeps_the_old(app: Flask, project: Path) -> None:
    _import(project)
    module = project / "courses" / "plan-basics" / "02-cycle.md"
    module.write_text(module.read_text(encoding="utf-8") + "\nย่อหน้าใหม่\n", "utf-8")
    result = _import(project)
    assert result.updated == 1 and result.created == 0
    assert result.changes == ["module plan-basics/cycle: updated (version 2)"]
    row = get_session().scalar(select(Module).where(Module.slug == "cycle"))
    assert row is not None and row.current_version is not None
    versions = (
        get_session()
        .scalars(
            select(ModuleVersion)
            .where(ModuleVersion.module_id == row.id)
            .order_by(ModuleVersion.number)
        )
        .all()
    )
    assert [v.number for v in versions] == [1, 2]
    assert row.current_version.id == versions[1].id and "ย่อหน้าใหม่" in versions[1].html_th
    assert "ย่อหน้าใหม่" not in versions[0].html_th  # the old text stays as it was


def test_a_changed_assessment_gets_a_new_version(app: Flask, project: Path) -> None:
    _import(project)
    first = get_session().scalar(select(AssessmentVersion.id))
    quiz = project / "assessments" / "plan-basics-final.md"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("## ข้อ 3", "## ข้อสาม"), "utf-8")
    _import(project)
    row = get_session().scalar(select(Assessment).where(Assessment.slug == "plan-basics-final"))
    assert row is not None and row.current_version is not None
    assert row.current_version.number == 2
    assert get_session().get(AssessmentVersion, first) is not None
    assert _count(AssessmentVersion) == 3  # two quizzes at version 1, the final at version 2


def test_a_removed_module_is_retired_not_deleted(app: Flask, project: Path) -> None:
    _import(project)
    (project / "courses" / "plan-basics" / "02-cycle.md").unlink()
    intro = project / "courses" / "plan-basics" / "01-intro.md"
    intro.write_text(
        intro.read_text(encoding="utf-8").replace("(02-cycle.md#ขั้นตอน)", "(#x)"), "utf-8"
    )
    en = project / "courses" / "plan-basics" / "01-intro.en.md"
    en.write_text(en.read_text(encoding="utf-8").replace("(02-cycle.en.md)", "(#x)"), "utf-8")
    result = _import(project)
    assert result.ok, result.problems
    assert result.retired == 1
    assert sorted(result.changes) == [
        "module plan-basics/cycle: retired",
        "module plan-basics/intro: updated (version 2)",
    ]
    row = get_session().scalar(select(Module).where(Module.slug == "cycle"))
    assert row is not None and row.retired and row.current_version is not None
    # Bringing it back un-retires the same module; the same text needs no new version.
    versions = _count(ModuleVersion)
    shutil.copy(GOOD / "courses" / "plan-basics" / "02-cycle.md", project / "courses/plan-basics")
    back = _import(project)
    assert back.changes == ["module plan-basics/cycle: updated (back from retirement)"]
    get_session().refresh(row)
    assert not row.retired and _count(ModuleVersion) == versions


def test_import_then_export_then_import_changes_nothing(
    app: Flask, project: Path, tmp_path: Path
) -> None:
    assert _import(project).ok
    before = _counts()
    out = tmp_path / "export"
    exported = export_course("plan-basics", out)
    assert "courses/plan-basics/01-intro.en.md" in exported.files
    assert "assessments/plan-basics-01-quiz.en.md" in exported.files
    assert "courses/plan-basics/images/cycle.png" in exported.files
    result = _import(out / "courses" / "plan-basics", out / "assessments")
    assert result.ok, result.problems
    assert (result.created, result.updated, result.retired, result.files_written) == (0, 0, 0, 0)
    assert _counts() == before
    # The exported files are the sources as written (normalised), so they read the same.
    for rel in exported.files:
        original = GOOD / rel
        assert (out / rel).read_bytes() == original.read_bytes(), rel


def test_import_with_crlf_and_bom_matches_the_lf_import(app: Flask, project: Path) -> None:
    _import(project)
    for path in (project / "courses" / "plan-basics").glob("*.md"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    result = _import(project)
    assert (result.created, result.updated, result.files_written) == (0, 0, 0)


def test_cli_import_and_export(app: Flask, project: Path, tmp_path: Path) -> None:
    from ldptrain.cli.content import content

    runner = app.test_cli_runner()
    result = runner.invoke(content, ["import", str(project)])
    assert result.exit_code == 0, result.output
    assert "assessment plan-basics-final: created (version 1)" in result.output
    assert "8 created" in result.output and _count(Course) == 2
    result = runner.invoke(content, ["export", "plan-basics", "--to", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "courses" / "plan-basics" / "course.md").exists()
    result = runner.invoke(content, ["export", "no-such-course", "--to", str(tmp_path / "x")])
    assert result.exit_code == 1 and "no course 'no-such-course'" in result.output


def test_cli_import_with_a_problem_prints_it_and_writes_nothing(app: Flask, project: Path) -> None:
    from ldptrain.cli.content import content

    module = project / "courses" / "plan-basics" / "02-cycle.md"
    module.write_text(
        module.read_text(encoding="utf-8").replace("duration: 45", "duration: x"), "utf-8"
    )
    result = app.test_cli_runner().invoke(content, ["import", str(project)])
    assert result.exit_code == 1
    assert f"{module}:3: 'duration' must be a whole number of minutes (got 'x')" in result.output
    assert all(n == 0 for n in _counts().values())


def test_concurrent_imports_take_turns(
    backend: str, database_url: str, project: Path, tmp_path: Path
) -> None:
    """Workers importing the bundled content at the same start-up must not collide."""
    if backend != "postgresql":
        pytest.skip("SQLite has a single writer; the advisory lock is for PostgreSQL")
    import threading

    from .conftest import make_standalone

    barrier = threading.Barrier(2)
    results: list[object] = []

    def worker(number: int) -> None:
        app = make_standalone(database_url, tmp_path / f"instance-{number}")
        with app.app_context():
            try:
                barrier.wait()
                result = import_content([str(project)])
                get_session().commit()
                results.append(result)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                results.append(exc)
            finally:
                get_session().remove()
                app.extensions["ldptrain"].db.engine.dispose()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        # Generous: a busy CI machine made two imports outlast 60 s; a deadlock still fails.
        thread.join(timeout=240)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted(r.created for r in results) == [0, 8]  # type: ignore[attr-defined]


def _quiz_in_use(project: Path) -> tuple[Assessment, Path]:
    """The module quiz imported, one trainee half-way through it, another who passed it; then
    its file edited: the first question's correct choice moves, the short answer changes."""
    from ldptrain.models import AssessmentAttempt

    from . import factories as f

    assert _import(project).ok
    quiz = get_session().scalar(select(Assessment).where(Assessment.slug == "plan-basics-01-quiz"))
    assert quiz is not None and quiz.current_version is not None
    for email, status, passed in (("open@example.org", "in_progress", None),
                                  ("passed@example.org", "submitted", True),
                                  ("failed@example.org", "submitted", False)):
        get_session().add(AssessmentAttempt(
            user_id=f.user(email).id, assessment_id=quiz.id,
            assessment_version_id=quiz.current_version.id, status=status, passed=passed))
    get_session().commit()
    path = project / "assessments" / "plan-basics-01-quiz.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("- [ ] 1 มกราคม 2569\n- [x] 1 ตุลาคม 2568",
                        "- [x] 1 มกราคม 2569\n- [ ] 1 ตุลาคม 2568")
    text = text.replace("answer: 543\n", "answer: 544\n").replace("ห้าร้อยสี่สิบสาม", "ห้าร้อยสี่สิบสี่")
    text = text.replace("ที่อยู่อาศัยและการขนส่ง", "ที่อยู่อาศัย และการขนส่ง")  # explanation only
    path.write_text(text, encoding="utf-8")
    english = path.with_suffix(".en.md")
    english.write_text(english.read_text(encoding="utf-8").replace(
        "- [ ] 1 January 2026\n- [x] 1 October 2025", "- [x] 1 January 2026\n- [ ] 1 October 2025"),
        encoding="utf-8")
    return quiz, path


def test_dry_run_reports_the_impact_and_writes_nothing(app: Flask, project: Path) -> None:
    quiz, _ = _quiz_in_use(project)
    before = _counts()
    result = import_content([str(project)], dry_run=True)
    get_session().commit()  # even a caller that commits keeps nothing of a dry run
    assert result.ok and result.dry_run
    assert _counts() == before
    get_session().expire_all()
    assert quiz.current_version is not None and quiz.current_version.number == 1
    (impact,) = result.impacts
    assert impact.slug == "plan-basics-01-quiz" and impact.old_version == 1
    assert impact.changed_answers[0] == "fiscal-year" and len(impact.changed_answers) == 2
    assert "sdg11-targets" not in impact.changed_answers
    assert (impact.open_attempts, impact.passed) == (1, 1)
    assert str(result).startswith("dry run, nothing written: would be 0 created, 1 updated")


def test_import_prints_the_same_impact_in_its_summary(app: Flask, project: Path) -> None:
    from ldptrain.cli.content import content

    quiz, _ = _quiz_in_use(project)
    before = _counts()
    runner = app.test_cli_runner()
    dry = runner.invoke(content, ["import", "--dry-run", str(project)], env={"LC_ALL": "C.UTF-8"})
    assert dry.exit_code == 0, dry.output
    impact_lines = [line for line in dry.output.splitlines() if line.startswith("assessment ")
                    and "correct answer changed" in line]
    assert len(impact_lines) == 1
    line = impact_lines[0]
    assert line.startswith("assessment plan-basics-01-quiz: correct answer changed: fiscal-year, ")
    assert line.endswith("; 1 attempt open on version 1 or earlier; 1 trainee passed it")
    assert "dry run, nothing written" in dry.output
    get_session().expire_all()
    assert _counts() == before

    thai = runner.invoke(content, ["import", "--dry-run", str(project)],
                         env={"LC_ALL": None, "LC_MESSAGES": None, "LANG": "th_TH.UTF-8"})
    assert ("แบบทดสอบ plan-basics-01-quiz: เฉลยเปลี่ยน: fiscal-year, ") in thai.output
    assert ("; มีผู้กำลังทำแบบทดสอบค้างอยู่ 1 ครั้ง ในฉบับที่ 1 หรือก่อนหน้า; "
            "ผู้เข้าอบรมสอบผ่านแล้ว 1 คน") in thai.output

    real = runner.invoke(content, ["import", str(project)], env={"LC_ALL": "en_GB.UTF-8"})
    assert real.exit_code == 0, real.output
    assert line in real.output.splitlines()
    assert "assessment plan-basics-01-quiz: updated (version 2)" in real.output
    get_session().expire_all()
    assert _count(AssessmentVersion) == before["AssessmentVersion"] + 1


def test_export_of_the_bundled_courses_is_byte_identical_to_their_files(
        app: Flask, tmp_path: Path) -> None:
    """Import -> export into the folder the courses came from: every file already holds the
    bytes the export would write, so nothing is written, nothing conflicts, nothing is stray."""
    from ldptrain.resources import bundled

    source = tmp_path / "bundled"
    shutil.copytree(bundled("courses"), source / "courses")
    shutil.copytree(bundled("assessments"), source / "assessments")
    originals = {p: p.read_bytes() for p in source.rglob("*") if p.is_file()}
    assert _import(source).ok
    slugs = get_session().scalars(select(Course.slug).order_by(Course.slug)).all()
    assert len(slugs) >= 3
    exported = 0
    for slug in slugs:
        result = export_course(slug, source)
        assert result.written == [] and result.stray == [], (slug, result)
        exported += len(result.files)
        for rel in result.files:
            assert (source / rel).read_bytes() == originals[source / rel], rel
    assert exported > 50
    assert {p: p.read_bytes() for p in source.rglob("*") if p.is_file()} == originals


def test_export_refuses_to_overwrite_changed_files_and_lists_stray_ones(
        app: Flask, project: Path) -> None:
    from ldptrain.cli.content import content
    from ldptrain.services.exporter import ExportConflict

    assert _import(project).ok
    module = project / "courses" / "plan-basics" / "02-cycle.md"
    edited = module.read_text(encoding="utf-8") + "\nแก้ไขในไฟล์หลังนำเข้า\n"
    module.write_text(edited, encoding="utf-8")
    stray = project / "courses" / "plan-basics" / "notes" / "draft.md"
    stray.parent.mkdir()
    stray.write_text("ร่าง", encoding="utf-8")
    (project / "assessments" / "plan-basics-final.en.md").write_text("left over", "utf-8")
    quiz = project / "assessments" / "plan-basics-01-quiz.md"
    quiz_bytes = quiz.read_bytes()
    quiz.unlink()  # missing in the target: written, not a conflict

    with pytest.raises(ExportConflict) as refused:
        export_course("plan-basics", project)
    assert refused.value.changed == ["courses/plan-basics/02-cycle.md"]
    assert module.read_text(encoding="utf-8") == edited and not quiz.exists()  # nothing written

    runner = app.test_cli_runner()
    cli = runner.invoke(content, ["export", "plan-basics", "--to", str(project)])
    assert cli.exit_code == 1
    assert "  courses/plan-basics/02-cycle.md" in cli.output and "--force" in cli.output
    assert module.read_text(encoding="utf-8") == edited

    forced = runner.invoke(content, ["export", "plan-basics", "--to", str(project), "--force"])
    assert forced.exit_code == 0, forced.output
    assert module.read_bytes() == (GOOD / "courses/plan-basics/02-cycle.md").read_bytes()
    assert quiz.read_bytes() == quiz_bytes
    lines = forced.output.splitlines()
    assert "written: assessments/plan-basics-01-quiz.md" in lines
    assert "written: courses/plan-basics/02-cycle.md" in lines
    assert ("stray (not written by this export, left as it is): "
            "courses/plan-basics/notes/draft.md") in lines
    assert ("stray (not written by this export, left as it is): "
            "assessments/plan-basics-final.en.md") in lines
    assert stray.exists()
    assert lines[-1].startswith("plan-basics: 2 files written, ")
