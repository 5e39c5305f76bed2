"""The national-scale demo data generator, on a small run: 200 LAOs, 1,000 trainees."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from sqlalchemy import Connection, select

from ldptrain.certificates.serials import parse_serial
from ldptrain.certificates.signing import verify_payload
from ldptrain.db import get_session
from ldptrain.demo.cli import demo as demo_group
from ldptrain.demo.generate import CertSettings, DemoError, generate
from ldptrain.demo.world import type_counts
from ldptrain.models import (
    AssessmentAttempt,
    AttemptAnswer,
    Certificate,
    Course,
    Enrolment,
    Membership,
    Module,
    ModuleProgress,
    Organisation,
    Programme,
    Province,
    Question,
    RoleAssignment,
    SerialCounter,
    User,
)
from ldptrain.services.certificates import certificate_data

from . import factories as f

AS_OF = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = AS_OF - dt.timedelta(days=730)
KEY = Ed25519PrivateKey.generate()
LAO_TYPES = {"pao", "city_municipality", "town_municipality", "subdistrict_municipality", "sao",
             "bma", "pattaya"}
DEMO_TABLES = [Certificate, AttemptAnswer, AssessmentAttempt, ModuleProgress, Enrolment,
               Membership, RoleAssignment, User, Organisation, SerialCounter]


@pytest.fixture
def catalogue(app: Flask) -> dict[str, Course]:
    """Three courses as the bundled ones are shaped: module quizzes, finals, a prerequisite
    chain, and a programme of the first two."""
    quiz = [f.question(key=f"q{i}") for i in range(4)] + [
        f.question("short", key="be", answers=["543"])]
    courses = {}
    for slug, code, modules, prereq in (("ldp", "LDP", 3, ()), ("part", "PART", 2, ()),
                                        ("trg", "TRG", 2, ("ldp", "part"))):
        final = f.assessment(f"{slug}-final", questions=quiz, pass_mark=60, draw=4,
                             shuffle=True, attempts_allowed=3)
        course = f.course(slug, modules=modules, quizzes=(1,), final=final, prerequisites=prereq,
                          order=len(courses))
        course.code, course.certificate_valid_years = code, 3 if slug == "ldp" else None
        courses[slug] = course
    get_session().add(Programme(slug="staff", code="STAFF", title_th="โปรแกรมบุคลากร",
                                course_slugs=["ldp", "part"], certificate=True))
    get_session().commit()
    return courses


def run(seed: int = 11, orgs: int = 200, trainees: int = 1000, answers: bool = True) -> Any:
    report = generate(get_session().connection(), orgs=orgs, trainees=trainees, seed=seed,
                      as_of=AS_OF, certificates=CertSettings(key=KEY, verify_base="/verify/"),
                      answers=answers)
    get_session().commit()
    return report


def rows(model: Any) -> list[Any]:
    return list(get_session().execute(select(model.__table__)))


def test_every_type_in_every_province_in_proportion(catalogue: dict[str, Course]) -> None:
    report = run()
    orgs = rows(Organisation)
    laos = [o for o in orgs if o.type in LAO_TYPES]
    assert Counter(o.type for o in laos) == type_counts(200) == report.counts_by_type
    assert len(laos) == 200 and type_counts(7850) == {
        "pao": 76, "city_municipality": 30, "town_municipality": 195,
        "subdistrict_municipality": 2247, "sao": 5300, "bma": 1, "pattaya": 1}
    provinces = {p.code for p in rows(Province)}
    assert len(provinces) == 77 and {o.province_code for o in laos} == provinces
    offices = [o for o in orgs if o.type == "dla_office"]
    head = next(o for o in offices if o.code == "DLA-00")
    assert len(offices) == 77 and all(o.parent_id == head.id for o in offices if o is not head)
    digit = {"pao": "2", "city_municipality": "3", "town_municipality": "4",
             "subdistrict_municipality": "5", "sao": "6", "pattaya": "7"}
    for o in laos:
        assert unicodedata.normalize("NFC", o.name_th) == o.name_th and o.name_en
        if o.type != "bma":  # type digit + province + district + running number
            assert re.fullmatch(rf"{digit[o.type]}{o.province_code}\d{{4}}", o.code), o


def test_trainees_belong_to_organisations_with_history(catalogue: dict[str, Course]) -> None:
    report = run()
    users = {u.id: u for u in rows(User)}
    roles = defaultdict(set)
    for r in rows(RoleAssignment):
        roles[r.user_id].add(r.role)
    trainees = [u for u in users.values() if "trainee" in roles[u.id]]
    assert len(trainees) == report.trainees == 1000
    assert report.staff == 10 + 76  # head-office admins and trainers, one officer per province
    lao_ids = {o.id for o in rows(Organisation) if o.type in LAO_TYPES}
    open_membership = {m.user_id: m.organisation_id for m in rows(Membership)
                       if m.ended_at is None and m.status == "confirmed"}
    for u in trainees:
        assert u.organisation_id in lao_ids and open_membership[u.id] == u.organisation_id
        assert re.match("(นาย|นาง|นางสาว)[^ ]+ [^ ]+$", u.name_th), u.name_th
        assert unicodedata.normalize("NFC", u.name_th) == u.name_th
        assert START <= u.created_at < AS_OF
    assert len({u.email for u in users.values()}) == len(users)
    assert sum("coordinator" in roles[u.id] for u in trainees) == len(
        {u.organisation_id for u in trainees})  # one coordinator per organisation with trainees
    transferred = Counter(m.user_id for m in rows(Membership))
    assert 0 < sum(n == 2 for n in transferred.values()) < 100  # a few transfers (โอนย้าย)


def test_learning_rows_are_consistent(catalogue: dict[str, Course]) -> None:
    report = run()
    enrolments = {e.id: e for e in rows(Enrolment)}
    progress, attempts = rows(ModuleProgress), rows(AssessmentAttempt)
    answers = rows(AttemptAnswer)
    assert (len(enrolments), len(progress), len(attempts), len(answers)) == (
        report.enrolments, report.module_progress, report.attempts, report.answers)
    assert report.completions == sum(e.status == "completed" for e in enrolments.values()) > 0
    modules = {m.id: m.course_id for m in rows(Module)}
    courses = {c.id: c for c in rows(Course)}
    final_ids = {c.final_assessment_id: c.id for c in courses.values()}
    users = {u.id: u for u in rows(User)}
    memberships = defaultdict(list)
    for m in rows(Membership):
        memberships[m.user_id].append(m)
    for e in enrolments.values():
        assert users[e.user_id].created_at <= e.enrolled_at < AS_OF
        held = [m.organisation_id for m in memberships[e.user_id] if m.started_at <= e.enrolled_at
                and (m.ended_at is None or e.enrolled_at < m.ended_at)]
        assert held == [e.organisation_id]  # counted where the trainee was at the time
    done = defaultdict(set)
    for p in progress:
        assert modules[p.module_id] == enrolments[p.enrolment_id].course_id
        assert p.started_at <= p.last_seen_at < AS_OF
        if p.completed_at:
            done[p.enrolment_id].add(p.module_id)
    points = defaultdict(float)
    questions = {q.id: q.assessment_version_id for q in rows(Question)}
    by_attempt = {a.id: a for a in attempts}
    for a in answers:
        points[a.attempt_id] += a.points_awarded
        assert questions[a.question_id] == by_attempt[a.attempt_id].assessment_version_id
    finals = defaultdict(list)
    for a in attempts:
        e = enrolments[a.enrolment_id]
        assert a.user_id == e.user_id and a.started_at >= e.enrolled_at
        if a.status == "submitted":
            assert a.points == points[a.id] and a.score == round(100 * a.points / a.max_points, 2)
            assert a.passed == (a.score >= 60) and a.submitted_at < AS_OF
        if final_ids.get(a.assessment_id) == e.course_id and a.status == "submitted":
            finals[e.id].append(a)
    for e in enrolments.values():
        scores = [a.score for a in finals[e.id]]
        assert e.best_score == (max(scores) if scores else None)
        if e.status == "completed":
            assert done[e.id] == {m for m, c in modules.items() if c == e.course_id}
            assert e.completed_at == max(a.submitted_at for a in finals[e.id] if a.passed)
        course = courses[e.course_id]
        if course.prerequisites and e.status != "withdrawn":
            before = [x for x in enrolments.values() if x.user_id == e.user_id
                      and courses[x.course_id].slug in course.prerequisites]
            assert all(x.completed_at and x.completed_at < e.enrolled_at for x in before)
            assert len(before) == len(course.prerequisites)
    months = Counter((e.enrolled_at.year, e.enrolled_at.month) for e in enrolments.values())
    assert len(months) >= 20  # spread over the 24 months


def test_completions_have_signed_certificates(catalogue: dict[str, Course]) -> None:
    report = run()
    certs = get_session().scalars(select(Certificate)).all()
    assert len(certs) == report.certificates
    by_enrolment = {c.enrolment_id: c for c in certs if c.kind == "course"}
    completed = [e for e in rows(Enrolment) if e.status == "completed"]
    assert len(by_enrolment) == len(completed)
    last = defaultdict(int)
    for e in completed:
        cert = by_enrolment[e.id]
        assert (cert.user_id, cert.course_id, cert.organisation_id, cert.completed_at) == (
            e.user_id, e.course_id, e.organisation_id, e.completed_at)
        assert (cert.expires_at is not None) == (e.course_id == catalogue["ldp"].id)
    for cert in certs:
        serial = parse_serial(cert.serial)
        assert serial.code in {"LDP", "PART", "TRG", "STAFF"} and serial.prefix == "DLA"
        last[f"{serial.prefix}-{serial.code}-{serial.be_year}"] = max(
            last[f"{serial.prefix}-{serial.code}-{serial.be_year}"], serial.sequence)
        assert verify_payload(cert.payload, cert.signature, KEY.public_key())
        data = certificate_data(cert)  # what the PDF and the verify page read
        assert data.serial == cert.serial and data.name == get_session().get(
            User, cert.user_id).name_th
    assert {c.series: c.last_value for c in get_session().scalars(select(SerialCounter))} == last
    assert any(c.kind == "programme" for c in certs)


def _digest(conn: Connection) -> str:
    digest = hashlib.sha256()
    for model in DEMO_TABLES:
        table = model.__table__
        columns = [c for c in table.columns if c.name != "session_token"]  # secret by design
        for row in conn.execute(select(*columns).order_by(table.primary_key.columns.values()[0])):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _wipe() -> None:
    conn = get_session().connection()
    for model in DEMO_TABLES:
        conn.execute(model.__table__.delete())
    get_session().commit()


def test_same_seed_gives_the_same_data(catalogue: dict[str, Course]) -> None:
    run(seed=5, orgs=60, trainees=300)
    first = _digest(get_session().connection())
    _wipe()
    run(seed=5, orgs=60, trainees=300)
    assert _digest(get_session().connection()) == first
    _wipe()
    run(seed=6, orgs=60, trainees=300)
    assert _digest(get_session().connection()) != first


def test_refuses_a_second_run_and_an_empty_catalogue(app: Flask) -> None:
    with pytest.raises(DemoError, match="no courses"):
        run()
    f.course("only", modules=1)
    run(orgs=20, trainees=20)
    with pytest.raises(DemoError, match="already holds demo data"):
        run(orgs=20, trainees=20)


def test_attempts_keep_their_scores_without_answer_rows(catalogue: dict[str, Course]) -> None:
    report = run(orgs=20, trainees=80, answers=False)
    attempts = [a for a in rows(AssessmentAttempt) if a.status == "submitted"]
    assert report.answers == 0 == len(rows(AttemptAnswer)) and attempts
    assert all(a.score is not None and a.max_points > 0 for a in attempts)


def test_cli_imports_the_bundled_courses_and_generates(app: Flask) -> None:
    result = app.test_cli_runner().invoke(demo_group, [
        "generate", "--orgs", "30", "--trainees", "60", "--seed", "3", "--as-of", "2026-11-01"])
    assert result.exit_code == 0, result.output
    assert "trainees: 60" in result.output
    assert get_session().scalar(select(Course).where(Course.slug == "ldp-sfci")) is not None
    assert len(rows(Organisation)) == 30 + 77
    cert = get_session().scalars(select(Certificate)).first()
    assert cert is not None and cert.signature  # signed with the instance's key



def test_demo_certificates_on_bundled_courses_rest_on_believable_time(app: Flask) -> None:
    """The bundled courses ask for half of each module's duration (`min_time: 50%`): every demo
    completion met it, so its certificate prints the course's hours, and the time measured on
    modules looks like reading (about the module's duration), not zero."""
    from ldptrain.services.certificates import certificate_hours
    from ldptrain.services.engagement import required_seconds

    result = app.test_cli_runner().invoke(demo_group, [
        "generate", "--orgs", "30", "--trainees", "80", "--seed", "4", "--as-of", "2026-11-01"])
    assert result.exit_code == 0, result.output
    session = get_session()
    durations = {m.id: m.current_version.duration_minutes
                 for m in session.scalars(select(Module))}
    courses = {c.id: c for c in session.scalars(select(Course))}
    assert courses and all(c.min_time_percent == 50 for c in courses.values())
    ratios = []
    for row in session.scalars(select(ModuleProgress)):
        minutes = durations[row.module_id]
        if row.completed_at is not None:
            assert row.seconds_spent >= required_seconds(minutes, 50), row.id
        ratios.append(row.seconds_spent / (60 * minutes))
    ratios.sort()
    assert 0.7 < ratios[len(ratios) // 2] < 1.5, "median time is not about the module's length"
    certs = [c for c in session.scalars(select(Certificate)) if c.kind == "course"]
    assert certs
    for cert in certs:
        enrolment = session.get(Enrolment, cert.enrolment_id)
        hours = courses[cert.course_id].hours
        assert certificate_hours(enrolment) == hours
        assert certificate_data(cert).hours == hours


def test_answers_make_believable_item_statistics(catalogue: dict[str, Course]) -> None:
    """Questions differ in difficulty, and stronger trainees get them right more often (the
    well-attempted finals: the third course's few attempts are too noisy to say)."""
    from ldptrain.models import Assessment
    from ldptrain.services import item_stats

    run()
    stats = [s for course in catalogue.values()
             for s in item_stats.for_version(
                 get_session().get(Assessment, course.final_assessment_id).current_version)
             if s.attempts >= 100]
    facilities = [s.facility for s in stats]
    assert len(stats) >= 10 and max(facilities) - min(facilities) > 0.2, facilities
    assert all(s.discrimination is not None and s.discrimination > 0 for s in stats)
