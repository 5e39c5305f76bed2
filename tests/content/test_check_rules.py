"""One test per rule of `content check`: the fixture under tests/fixtures/content/rules/<rule>/ and
the exact `path:line: message` lines it must print (the whole output, so nothing extra slips in)."""

from __future__ import annotations

import pytest

R = "rules"
RULES: dict[str, list[str]] = {
    "yaml-invalid": [
        f"{R}/yaml-invalid/courses/c/01-intro.md:3: front matter is not valid YAML: did not find "
        "expected ',' or ']'",
    ],
    "front-not-mapping": [
        f"{R}/front-not-mapping/courses/c/01-intro.md:2: front matter must be a mapping of "
        "`key: value` lines",
    ],
    "front-missing": [
        f"{R}/front-missing/courses/c/01-intro.md:1: missing front matter: the file must start "
        "with a --- line, key: value lines and a --- line",
    ],
    "front-unclosed": [
        f"{R}/front-unclosed/courses/c/01-intro.md:1: front matter opened with --- is never "
        "closed by a --- line",
    ],
    "unknown-key": [
        f"{R}/unknown-key/courses/c/01-intro.md:1: missing required key 'duration'",
        f"{R}/unknown-key/courses/c/01-intro.md:3: unknown key 'duraton'; did you mean 'duration'?",
    ],
    "missing-key": [f"{R}/missing-key/courses/c/01-intro.md:1: missing required key 'duration'"],
    "wrong-type": [
        f"{R}/wrong-type/courses/c/01-intro.md:3: 'duration' must be a whole number of minutes "
        "(got 'สี่สิบห้านาที')",
    ],
    "yaml11-bool": [
        f"{R}/yaml11-bool/courses/c/course.md:6: 'certificate' must be true or false (got 'yes') "
        "(yes/no/on/off are ambiguous in YAML)",
    ],
    "duplicate-key": [
        f"{R}/duplicate-key/courses/c/01-intro.md:4: duplicate key 'title' (first given at line 2)",
    ],
    "duplicate-module-slug": [
        f"{R}/duplicate-module-slug/courses/c/02-intro.md:1: module slug 'intro' is also used by "
        "01-intro.md",
    ],
    "duplicate-module-number": [
        f"{R}/duplicate-module-number/courses/c/01-intro.md:1: module number 01 is also used by "
        "01-basics.md",
    ],
    "duplicate-question-id": [
        f"{R}/duplicate-question-id/assessments/q.md:12: duplicate question id 'same' (first at "
        "line 5)",
    ],
    "missing-module-assessment": [
        f"{R}/missing-module-assessment/courses/c/01-intro.md:4: assessment 'intro-quizz' is not "
        "an assessment; did you mean 'intro-quiz'?",
    ],
    "missing-final-assessment": [
        f"{R}/missing-final-assessment/courses/c/course.md:6: final_assessment 'c-final' is not "
        "an assessment",
    ],
    "final-reveals-answers": [
        f"{R}/final-reveals-answers/assessments/c-final.md:5: feedback: after_submit shows the "
        "correct answers while attempts remain, on a final that a certificate rests on; use "
        "after_last_attempt (or after_pass, or never)",
    ],
    "ordering-matching": [
        f"{R}/ordering-matching/assessments/q.md:9: an ordering question needs at least two "
        "`order:` lines",
        f"{R}/ordering-matching/assessments/q.md:15: write a pair as `match: left => right`",
        f"{R}/ordering-matching/assessments/q.md:16: 'ซ้าย' is listed twice (also line 14)",
        f"{R}/ordering-matching/assessments/q.md:18: a question has one kind of answer, not "
        "order and match lines",
    ],
    "missing-prerequisite": [
        f"{R}/missing-prerequisite/courses/c/course.md:6: prerequisite 'basics' is not a course",
    ],
    "missing-programme-course": [
        f"{R}/missing-programme-course/courses/p/programme.md:4: course 'd' is not a course",
    ],
    "prerequisite-cycle": [
        f"{R}/prerequisite-cycle/courses/a/course.md:6: prerequisite cycle: a -> b -> a",
    ],
    "no-correct-choice": [
        f"{R}/no-correct-choice/assessments/q.md:7: no correct choice: mark at least one with [x]",
    ],
    "choices-and-answers": [
        f"{R}/choices-and-answers/assessments/q.md:10: a question has either choices or answer "
        "lines, not both",
    ],
    "no-choices-no-answers": [
        f"{R}/no-choices-no-answers/assessments/q.md:5: question has no choices (- [x] / - [ ]) "
        "and no `answer:` lines",
    ],
    "empty-question": [
        f"{R}/empty-question/assessments/q.md:10: empty question: write the question text after ##",
    ],
    "pass-mark-range": [
        f"{R}/pass-mark-range/assessments/q.md:3: 'pass_mark' must be between 0 and 100 (got 170)",
    ],
    "draw-too-large": [
        f"{R}/draw-too-large/assessments/q.md:4: draw is 5 but the bank has only 1 question",
    ],
    "empty-module": [f"{R}/empty-module/courses/c/01-intro.md:5: module has no text"],
    "not-utf8": [
        f"{R}/not-utf8/courses/c/01-intro.md:6: file is not UTF-8 (byte 0xE9 at column 4); save "
        "it as UTF-8 — in Notepad: Save as › Encoding › UTF-8",
    ],
    "missing-link": [
        f"{R}/missing-link/courses/c/01-intro.md:7: link 'images/none.png': no such file",
        f"{R}/missing-link/courses/c/01-intro.md:7: link 'docs/plan.pdf': no such file",
    ],
    "link-outside": [
        f"{R}/link-outside/courses/c/01-intro.md:7: link '../../secret.md' points outside the "
        "course folder",
    ],
    "module-name": [
        f"{R}/module-name/courses/c/intro2.md:1: 'intro2.md' is not a module file name: use "
        "NN-slug.md (two digits, a hyphen, a lower-case slug)",
    ],
    "english-orphan": [
        f"{R}/english-orphan/courses/c/02-extra.en.md:1: English text without its original "
        "'02-extra.md'",
    ],
    "english-extra-key": [
        f"{R}/english-extra-key/courses/c/01-intro.en.md:3: unknown key 'duration' (allowed in an "
        ".en.md file: title)",
    ],
    "slug-mismatch": [
        f"{R}/slug-mismatch/courses/c/course.md:2: slug 'cc' must match the folder name 'c'",
    ],
    "text-after-choices": [
        f"{R}/text-after-choices/assessments/q.md:12: text after the choices or answers is not "
        "part of the question; move it above them or into the > explanation",
    ],
    "no-questions": [
        f"{R}/no-questions/assessments/q.md:5: assessment has no questions (each starts with a ## "
        "heading)",
    ],
    "unknown-attribute": [
        f"{R}/unknown-attribute/assessments/q.md:6: unknown attribute 'point'; did you mean "
        "'points'?",
    ],
    "english-mismatch": [
        f"{R}/english-mismatch/assessments/q.en.md:7: marked differently from the original "
        "(line 8: [x])",
        f"{R}/english-mismatch/assessments/q.en.md:8: marked differently from the original "
        "(line 9: [ ])",
        f"{R}/english-mismatch/assessments/q.en.md:11: question id 'other' differs from the "
        "original's 'second' at line 11",
        f"{R}/english-mismatch/assessments/q.en.md:13: 2 choices but the original (line 14) has 3",
    ],
    "english-count": [
        f"{R}/english-count/assessments/q.en.md:1: has 1 question but the original has 2",
    ],
    "english-kind": [
        f"{R}/english-kind/assessments/q.en.md:1: the original question (line 5) is a choice "
        "question",
    ],
    "assessment-local-file": [
        f"{R}/assessment-local-file/assessments/q.md:7: link 'images/cycle.png': assessments "
        "cannot use local files (nothing serves them); use an https:// address or show the file "
        "in the module",
    ],
    "unknown-admonition": [
        f"{R}/unknown-admonition/courses/c/01-intro.md:5: unknown admonition kind 'warnng'; did "
        "you mean 'warning'? (kinds: note, tip, important, warning, danger, example)",
    ],
    # Longer than the database columns: caught before an import could fail half-way.
    "too-long": [
        f"{R}/too-long/courses/c/course.md:4: 'title' is longer than 300 characters",
        f"{R}/too-long/courses/c/course.md:6: 'version' is longer than 40 characters",
    ],
    # The mistakes Markdown renders without complaint and trainees see broken (#19).
    "box-curly-title": [
        f"{R}/box-curly-title/courses/c/01-intro.md:7: the box title is in curly quotes, so the "
        'line shows as plain text; use straight quotes: !!! note "Title"',
    ],
    "box-not-indented": [
        f"{R}/box-not-indented/courses/c/01-intro.md:5: the box is empty: indent its text by 4 "
        "spaces on the lines below !!!",
    ],
    "table-no-blank-line": [
        f"{R}/table-no-blank-line/courses/c/01-intro.md:6: the table needs an empty line before "
        "it (after line 5), otherwise it shows as raw | text",
    ],
    "image-path": [
        f"{R}/image-path/courses/c/01-intro.md:7: image 'C:\\Users\\somchai\\Desktop\\cycle.png' "
        "is a path on your own computer, which trainees cannot see; copy the picture into the "
        "course folder (e.g. images/) and write images/name.png",
        f"{R}/image-path/courses/c/01-intro.md:9: image '/images/map.png' is a path on your own "
        "computer, which trainees cannot see; copy the picture into the course folder (e.g. "
        "images/) and write images/name.png",
        f"{R}/image-path/courses/c/01-intro.md:11: image 'file:///C:/plan.png' is a path on your "
        "own computer, which trainees cannot see; copy the picture into the course folder (e.g. "
        "images/) and write images/name.png",
        f"{R}/image-path/courses/c/01-intro.md:13: link '../../outside.png' points outside the "
        "course folder",
    ],
    "curly-front-value": [
        f"{R}/curly-front-value/courses/c/01-intro.md:2: 'title' is in curly quotes ‘บทนำ’, which "
        'would be kept as part of the value; use straight quotes ("...") or none',
        f"{R}/curly-front-value/courses/c/course.md:4: 'version' is in curly quotes “1.0”, which "
        'would be kept as part of the value; use straight quotes ("...") or none',
    ],
    "yaml-tab": [f"{R}/yaml-tab/courses/c/01-intro.md:4: line 4 starts with a Tab; use spaces"],
    # One message for the file that cannot be read; none from the module that links to it.
    "tis620-quiz": [
        f"{R}/tis620-quiz/assessments/intro-quiz.md:2: saved as Windows-874/TIS-620 (old Thai "
        "encoding), not UTF-8: save it as UTF-8 — in Notepad: Save as › Encoding › UTF-8",
    ],
    # A UTF-8 BOM and CRLF endings: accepted, and the unknown key is reported on its own line.
    "bom-crlf": [
        f"{R}/bom-crlf/courses/c/01-intro.md:1: missing required key 'duration'",
        f"{R}/bom-crlf/courses/c/01-intro.md:3: unknown key 'durtion'; did you mean 'duration'?",
    ],
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_prints_exact_problem(check, rule: str) -> None:
    code, lines = check(f"{R}/{rule}")
    assert lines == RULES[rule]
    assert code == 1


@pytest.mark.parametrize("kind,name", [("course", "c/course.md"), ("assessment", "q.md")])
def test_duplicate_slugs_across_folders(check, kind: str, name: str) -> None:
    folder = "courses" if kind == "course" else "assessments"
    base = f"{R}/duplicate-{kind}-slug"
    code, lines = check(f"{base}/one", f"{base}/two")
    line = 2 if kind == "course" else 1
    label = "slug 'c'" if kind == "course" else "assessment slug 'q'"
    assert lines == [
        f"{base}/two/{folder}/{name}:{line}: duplicate {label} (also {base}/one/{folder}/{name})"
    ]
    assert code == 1


def test_bom_and_crlf_files_are_clean(check) -> None:
    assert check(f"{R}/bom-crlf-clean") == (0, [])


def test_boxes_tables_and_images_written_right_are_not_reported(check) -> None:
    # Emphasis with !!!, a title-only box, a Tab-indented box, a box in a list item, tables
    # under a heading or after an empty line, and the same mistakes shown as code.
    assert check(f"{R}/layout-clean") == (0, [])


def test_heading_in_fenced_code_is_not_a_question(check) -> None:
    # The fixture has one question whose stem shows a `##` line inside a code block.
    assert check(f"{R}/fenced-heading") == (0, [])


def test_clean_project_passes(check) -> None:
    # The format showcase has no problems; its module text does not teach its quiz, which the
    # question lint (test_lint.py) points out as warnings only.
    code, lines = check("good")
    assert code == 0 and all(": warning: " in line for line in lines)


def test_path_is_printed_as_given(check) -> None:
    code, lines = check(f"./{R}/missing-key/courses/c/")
    assert lines == [f"./{R}/missing-key/courses/c/01-intro.md:1: missing required key 'duration'"]


def test_missing_path_is_a_problem(check) -> None:
    assert check("no/such/folder") == (1, ["no/such/folder:1: no such file or folder"])


def test_a_curly_quoted_version_is_stored_without_its_quotes() -> None:
    from ldptrain.content import load_content

    from .conftest import FIXTURES

    found, problems = load_content([str(FIXTURES / R / "curly-front-value")], render=False)
    assert found.courses["c"].version == "1.0"
    assert found.courses["c"].modules[0].title.th == "บทนำ"


def test_a_clean_check_ends_with_a_one_line_summary(monkeypatch) -> None:
    from click.testing import CliRunner

    from ldptrain.cli.content import content

    from .conftest import FIXTURES

    monkeypatch.chdir(FIXTURES)
    result = CliRunner().invoke(content, ["check", f"{R}/bom-crlf-clean"])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["3 files checked, 0 errors, 0 warnings"]
    failing = CliRunner().invoke(content, ["check", f"{R}/image-path"])
    assert failing.stderr.splitlines()[-1] == "2 files checked, 4 errors, 0 warnings"


@pytest.mark.parametrize("rule,broken", [
    ("box-curly-title", lambda html: "<p>!!! note “ข้อควรรู้”" in html),
    ("box-not-indented", lambda html: '<p class="admonition-title">ระวัง</p>\n</div>' in html),
    ("table-no-blank-line", lambda html: html.count("<table>") == 2 and "| ขั้น | งาน |" in html),
    ("image-path", lambda html: '<img alt="วงจรแผน" loading="lazy">' in html),
])
def test_what_the_check_reports_is_what_the_renderer_breaks(rule: str, broken) -> None:  # type: ignore[no-untyped-def]
    """The reported mistakes are real: the importer's renderer shows each of them broken (if a
    Markdown upgrade ever renders one right, this says so)."""
    from ldptrain.content import load_content

    from .conftest import FIXTURES

    found, _ = load_content([str(FIXTURES / R / rule / "courses" / "c")])
    html = found.courses["c"].modules[0].bodies["th"].html
    assert broken(html), html
