"""Property tests (hypothesis, issue #13): the parsers and normalisers that read what people and
authors type never fail with anything but their documented error, report where the problem is,
and normalise to a fixed point.

Pure functions get 1,000 generated cases each per run (``MANY``). The CSV importers check each
case against the database, so they get ``SOME`` (300) per database, which keeps the file to a few
tens of seconds on a CI machine. No example database is kept: every run tries new cases.
"""

from __future__ import annotations

import csv
import io
import re
import string
from html.parser import HTMLParser

import pytest
from flask import Flask
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ldptrain.certificates.serials import (
    Serial,
    SerialError,
    format_serial,
    normalise_serial,
    parse_serial,
)
from ldptrain.content.assessments import load_assessment
from ldptrain.content.format import Problem
from ldptrain.content.render import render
from ldptrain.db import get_session
from ldptrain.models import Organisation
from ldptrain.services import grading, org_import, user_import
from ldptrain.thai import fold_answer

from .. import factories

MANY = settings(max_examples=1000, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])

THAI = "กขคงจฉชซญดตถทนบปผพฟมยรลวศสหอฮะาำิีึืุูเแโใไ็่้๊๋์ํ๐๑๒๓๔๕๖๗๘๙"
# Text people really type, plus the characters that break parsers: controls (NUL included),
# zero-width and no-break spaces, combining marks, quotes, separators, other scripts' digits.
# Any character UTF-8 can carry (forms, files and JSON arrive as UTF-8: no lone surrogates).
TRICKY = "\x00\x01\x0b\x0c\x1b\x7f\u00a0\u200b\u200d\ufeff\u0301\u0e4d\u2028\u2029\"',;:-\t\r\n"
text = st.text(st.one_of(st.sampled_from(THAI + TRICKY + string.ascii_letters + string.digits),
                         st.characters(codec="utf-8")), max_size=40)


# --- certificate serials ---------------------------------------------------------------------
PART = st.from_regex(r"[A-Z0-9]{2,8}", fullmatch=True)
DASHES = st.sampled_from(["-", " ", "–", "—", " - ", ".", "/", "\u200b", "−", "\u00a0"])
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


@MANY
@given(st.one_of(text, st.builds(lambda p, c, y, s: f"{p}-{c}-{y}-{s}", text, text, text, text)))
def test_serial_parsing_refuses_only_with_serial_error_and_normalising_is_idempotent(
        typed: str) -> None:
    once = normalise_serial(typed)
    assert normalise_serial(once) == once
    try:
        serial = parse_serial(typed)
    except SerialError:
        return
    # What was accepted reads back as its one standard form, which is what normalising gives.
    assert str(serial) == once
    assert parse_serial(once) == serial


@MANY
@given(PART, PART, st.integers(2500, 2999), st.integers(1, 999_999), DASHES, DASHES, DASHES,
       st.booleans(), st.booleans())
def test_serials_round_trip_however_they_are_typed(
        prefix: str, code: str, year: int, sequence: int, d1: str, d2: str, d3: str,
        lower: bool, thai_digits: bool) -> None:
    printed = format_serial(prefix, code, year, sequence)
    assert parse_serial(printed) == Serial(prefix, code, year, sequence)
    assert str(parse_serial(printed)) == printed
    typed = f"{prefix}{d1}{code}{d2}{year}{d3}{sequence:06d}"
    typed = typed.lower() if lower else typed
    typed = typed.translate(THAI_DIGITS) if thai_digits else typed
    assert normalise_serial(typed) == printed
    assert parse_serial(f"  {typed} ") == Serial(prefix, code, year, sequence)


@MANY
@given(PART, PART, st.integers(2500, 2999), st.integers(1, 999_999),
       st.characters(categories=["Nd"]))
def test_serials_with_digits_of_other_scripts_are_not_half_read(
        prefix: str, code: str, year: int, sequence: int, digit: str) -> None:
    """Only Arabic and Thai digits are read; other scripts' digits make it not a serial (else
    the redirect to the standard form would print them)."""
    typed = f"{prefix}-{code}-{year}-{sequence:06d}"[:-1] + digit
    if digit in "0123456789๐๑๒๓๔๕๖๗๘๙":
        return  # read as the Arabic digit: the round-trip test covers these
    with pytest.raises(SerialError):
        parse_serial(typed)


# --- answer normalisation and scoring --------------------------------------------------------
@MANY
@given(text)
# Found by this test: a zero-width space between a letter and its mark, or inside a decomposed
# sara am, folded differently the second time.
@example("a\u200b\u0301")
@example("\u0e4d\u200b\u0e32")
def test_folding_an_answer_is_idempotent_and_an_answer_matches_itself(answer: str) -> None:
    folded = fold_answer(answer)
    assert fold_answer(folded) == folded
    mark = grading.score_short([folded], answer, points=1.0)
    assert mark.correct == bool(folded)
    # Case, surrounding space and zero-width characters do not change the verdict.
    assert grading.score_short([folded], f" \u200b{answer.upper()}\t", points=1.0).correct == (
        bool(folded) and fold_answer(answer.upper()) == folded)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | text,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(text, inner, max_size=5),
    max_leaves=12)
responses = st.one_of(
    st.none(), st.dictionaries(st.sampled_from(["choices", "slots", "text"]) | text, json_values,
                               max_size=3))


@MANY
@given(st.sampled_from(["single", "multiple", "short", "ordering", "matching", "other"]),
       st.lists(st.fixed_dictionaries({"correct": st.booleans()}), max_size=6),
       st.lists(text, max_size=3), st.floats(0, 100), st.sampled_from(["all_or_nothing",
                                                                       "partial"]), responses)
def test_any_response_scores_between_zero_and_the_points(
        kind: str, choices: list[dict[str, bool]], answers: list[str], points: float,
        scoring: str, response: object) -> None:
    """Responses come from forms and the API as any JSON: scoring never fails on them."""
    mark = grading.score_question(kind, choices=choices, answers=[fold_answer(a) for a in answers],
                                  points=points, scoring=scoring,
                                  response=response)  # type: ignore[arg-type]
    assert 0.0 <= mark.points <= points
    assert not mark.correct or mark.points == points
    assert 0.0 <= grading.percent(mark.points, points or 1.0) <= 100.0


# --- the content parser ----------------------------------------------------------------------
BANK_LINES = st.sampled_from([
    "", "---", "title: แบบทดสอบ", "title: {th: ทดสอบ, en: Test}", "pass_mark: 70", "pass_mark: x",
    "attempts: 3", "draw: 2", "feedback: after_submit", "feedback: after_last_attempt",
    "time_limit: 30", "shuffle: true", "  en: Quiz", "## คำถาม", "## Question?", "##", "# Title",
    "{id=q1 points=2}", "{id=q1 scoring=partial}", "{kind=ordering}", "{kind=matching}",
    "{id=}", "{points=-1}", "{tags=a,b}", "{", "- [ ] ผิด", "- [x] ถูก", "- [X] right",
    "- [ ]", "- plain item", "1. first", "2. second", "- left :: right", "answer: 543",
    "answer:", "> คำอธิบาย", ">", "[ref]: https://example.org", "[link](../courses/x.md)",
    "!!! note", "    indented", "```", "| a | b |", "<script>alert(1)</script>",
    "\t- [x] tab", "- [x] a\u0000b",
])
bank_files = st.lists(st.one_of(BANK_LINES, text), max_size=30).map("\n".join)


@MANY
@given(bank_files, st.sampled_from(["", "---\ntitle: Quiz\n---\n", "---\n"]),
       st.sampled_from([b"", b"\xef\xbb\xbf"]), st.sampled_from(["\n", "\r\n"]))
def test_the_assessment_parser_reports_problems_with_a_line_and_never_fails(
        tmp_path_factory: pytest.TempPathFactory, body: str, front: str, bom: bytes,
        newline: str) -> None:
    folder = tmp_path_factory.mktemp("bank", numbered=True)
    path = folder / "quiz.md"
    content = (front + body).replace("\n", newline)
    path.write_bytes(bom + content.encode("utf-8", "surrogatepass"))
    problems: list[Problem] = []
    load_assessment(str(path), problems)
    # Lines as an author's editor counts them: CRLF, LF and a lone CR each end a line
    # (content/parse.read_text), so a stray CR inside a line starts a new one.
    lines = content.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for problem in problems:
        assert problem.path == str(path), problem
        assert 1 <= problem.line <= lines + 1, (problem, lines)
        assert str(problem).startswith(f"{path}:{problem.line}: ")


markdown_text = st.lists(st.one_of(BANK_LINES, text, st.sampled_from([
    "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "<a href='vbscript:x'>v</a>",
    "<iframe src=//evil>", "<style>*{}</style>", "**bold**", "`code`", "<svg onload=x>",
    "[x]: javascript:alert(1)", "<details open ontoggle=x>", "&#106;avascript:x",
])), max_size=12).map("\n".join)

class _Markup(HTMLParser):
    """The elements and attributes of rendered HTML, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


SCRIPT_TAGS = {"script", "iframe", "style", "svg", "object", "embed", "form", "base", "meta"}


def _dangers(html: str) -> list[str]:
    markup = _Markup()
    markup.feed(html)
    markup.close()
    dangers = []
    for tag, attrs in markup.found:
        if tag in SCRIPT_TAGS:
            dangers.append(tag)
        for name, value in attrs:
            url = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on") or (name in {"href", "src"} and url.startswith(
                    ("javascript:", "vbscript:", "data:"))):
                dangers.append(f"{tag} {name}={value}")
    return dangers


@MANY
@given(markdown_text)
def test_rendered_markdown_is_always_sanitised(source: str) -> None:
    body = render(source)
    assert _dangers(body.html) == [], body.html


# --- the CSV importers (each case reads the database) ---------------------------------------
def _csv_cell() -> st.SearchStrategy[str]:
    return st.one_of(
        text, st.sampled_from(["", "somchai@example.org", "SomChai@Example.org", "not-an-email",
                               "5000001", "9999999", "trainee", "trainer", "coordinator",
                               "mayor", "นายสมชาย ใจดี", "เทศบาล", "10", "50", "99", "yes",
                               "no", "municipality", "sao", "=1+1", "x" * 300]))


def _csv_file(header: list[str], rows: list[list[str]], raw: str, quoted: bool) -> str:
    if raw:
        return raw
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL if quoted else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _problems_name_their_row(problems: list[str], name: str, source: str) -> None:
    lines = source.count("\n") + source.count("\r") + 2
    for problem in problems:
        match = re.match(rf"{re.escape(name)}:(\d+): \S", problem)
        assert match, problem
        assert 1 <= int(match.group(1)) <= lines, (problem, lines)


def _seed() -> None:
    """The organisation (and its province) plausible rows name: kept across the examples of a
    test, which roll back their own writes."""
    if get_session().scalar(select(Organisation).where(Organisation.code == "5000001")) is None:
        factories.organisation(code="5000001", province_code="50")
        get_session().commit()


# Odd but storable text (control characters are the random rows' business).
names = st.text(st.one_of(st.sampled_from(THAI + string.ascii_letters + " .-'\"\u00a0\u200b\u0301"),
                          st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs"])),
                min_size=1, max_size=30)
#: Rows that pass most checks, so the writes are exercised with odd text too.
plausible_people = st.builds(
    lambda local, name, name_en, position, role: [f"{local}@example.org", name, name_en,
                                                  position, "5000001", role],
    st.text(st.sampled_from(string.ascii_letters + string.digits + "._+-\u0e01"), min_size=1,
            max_size=12),
    names, names, names, st.sampled_from(["", "trainee", "trainer", "Trainee"]))
plausible_orgs = st.builds(
    lambda code, name, name_en, kind, district, parent, active: [
        code, name, name_en, kind, "50", district, district, parent, active],
    st.from_regex(r"[0-9]{7}", fullmatch=True), names, names,
    st.sampled_from([*org_import.TYPES, "SAO", ""]), names, st.sampled_from(["", "5000001"]),
    st.sampled_from(["", "yes", "no", "maybe"]))

PEOPLE_HEADERS = st.lists(st.sampled_from([*user_import.COLUMNS, "Email", " name_th ", "extra",
                                           ""]), max_size=8)
ORG_HEADERS = st.lists(st.sampled_from([*org_import.ORG_COLUMNS, "Code", "extra", ""]),
                       max_size=10)


@SOME
@given(st.one_of(st.just(list(user_import.COLUMNS)), PEOPLE_HEADERS),
       st.one_of(st.lists(st.lists(_csv_cell(), max_size=8), max_size=6),
                 st.lists(plausible_people, max_size=6)),
       st.one_of(st.just(""), text), st.booleans())
def test_the_people_import_reports_every_refusal_by_file_and_row(
        app: Flask, header: list[str], rows: list[list[str]], raw: str, quoted: bool) -> None:
    _seed()
    source = _csv_file(header, rows, raw, quoted)
    try:
        user_import.import_users(source, "staff.csv")
        get_session().flush()
        event("imported")
    except user_import.ImportFailed as failed:
        _problems_name_their_row(failed.problems, "staff.csv", source)
    finally:
        get_session().rollback()


@SOME
@given(st.one_of(st.just(list(org_import.ORG_COLUMNS)), ORG_HEADERS),
       st.one_of(st.lists(st.lists(_csv_cell(), max_size=10), max_size=6),
                 st.lists(plausible_orgs, max_size=6)),
       st.one_of(st.just(""), text), st.booleans())
def test_the_organisation_import_reports_every_refusal_by_file_and_row(
        app: Flask, header: list[str], rows: list[list[str]], raw: str, quoted: bool) -> None:
    _seed()
    source = _csv_file(header, rows, raw, quoted)
    try:
        plan = org_import.plan_import(source, "orgs.csv")
        org_import.apply_import(plan)
        get_session().flush()
        event("imported")
    except org_import.ImportFailed as failed:
        _problems_name_their_row(failed.problems, "orgs.csv", source)
    finally:
        get_session().rollback()


def test_a_csv_field_beyond_the_csv_modules_limit_is_a_row_problem(app: Flask) -> None:
    """Python's csv refuses fields over 128 KB with its own error: a FILE:ROW problem here."""
    big = "x" * 200_000
    people = ",".join(user_import.COLUMNS) + f"\na@example.org,{big},,,5000001,\n"
    with pytest.raises(user_import.ImportFailed) as failed:
        user_import.import_users(people, "staff.csv")
    assert failed.value.problems[0].startswith("staff.csv:2: ")
    row = {"code": "5000001", "name_th": big, "type": "sao", "province_code": "10"}
    orgs = ",".join(org_import.ORG_COLUMNS) + "\n" + ",".join(
        row.get(c, "") for c in org_import.ORG_COLUMNS) + "\n"
    with pytest.raises(org_import.ImportFailed) as failed_orgs:
        org_import.plan_import(orgs, "orgs.csv")
    assert failed_orgs.value.problems[0].startswith("orgs.csv:2: ")

