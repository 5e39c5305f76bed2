"""The dashboards' running tallies: kept by database triggers in the same transaction as every
enrolment change, they must always equal a recount from the enrolments, and the figures read
from them must equal the figures counted live over the enrolments."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from collections.abc import Hashable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text, update

from ldptrain.access import Scope
from ldptrain.cli import db
from ldptrain.db import get_session, session, utcnow
from ldptrain.models import (
    Course,
    Enrolment,
    MembershipStatus,
    Organisation,
    OrganisationTally,
    Role,
    TraineeTally,
    UserTally,
)
from ldptrain.services import enrolment as enrolment_service
from ldptrain.services import membership, privacy, progress
from ldptrain.services.reports import Figures, Filters, enrolment_rows, figures, tally
from ldptrain.services.reports.tally import month_of

from . import factories as f
from .test_demo import catalogue, run  # noqa: F401  (catalogue is a fixture)

# The module, not the function of the same name that the package exports.
figures_module = importlib.import_module("ldptrain.services.reports.figures")
GROUPS = (None, "province", "type", "organisation")
COUNTED = ("orgs_enrolled", "orgs_completed", "trainees_enrolled", "trainees_in_progress",
           "trainees_completed", "enrolments", "completions")


def differences() -> dict[str, Any]:
    return tally.differences(get_session().connection())


def organisations_of(user_id: int) -> int | None:
    return session.scalar(select(UserTally.organisations).where(UserTally.user_id == user_id))


def live(scope: Scope, filters: Filters, group: str | None) -> dict[Hashable, Figures]:
    """What the tallies replace: the same figures counted over every enrolment."""
    found: dict[Hashable, Figures] = {}
    figures_module._add_live_enrolment_figures(
        scope, filters, group, lambda _g, key: found.setdefault(key, Figures(key=key)))
    return found


def assert_tallied_figures_equal_live(courses: list[Course | None]) -> int:
    """For every grouping and course filter: the same numbers both ways. Returns how many
    (group, key) cells were compared, so a caller can tell the data was not empty."""
    scope, compared = Scope(country=True), 0
    for course in courses:
        filters = Filters(course_id=course.id if course else None)
        for group in GROUPS:
            ours, theirs = figures(scope, filters, group), live(scope, filters, group)
            for key in set(ours) | set(theirs):
                a, b = ours.get(key, Figures(key=key)), theirs.get(key, Figures(key=key))
                if not b.enrolments and not a.enrolments:
                    continue
                assert {n: getattr(a, n) for n in COUNTED} == {n: getattr(b, n) for n in COUNTED}, (
                    group, key, course)
                assert a.avg_best_score == pytest.approx(b.avg_best_score), (group, key)
                assert a.median_days == pytest.approx(b.median_days), (group, key)
                compared += 1
    return compared


def test_tallies_follow_every_way_an_enrolment_changes(app: Flask) -> None:
    north = f.organisation("เทศบาลตำบลเหนือ", province_code="50")
    north2 = f.organisation("อบต.เหนือ", province_code="50", type="sao")
    f.province("90", "สงขลา", "Songkhla")
    south = f.organisation("อบต.ใต้", province_code="90", type="sao")
    admin = f.user(roles=(Role.ADMIN,))
    k, l = f.course("tally-k"), f.course("tally-l")  # noqa: E741
    t0 = utcnow() - dt.timedelta(days=40)
    steps: list[str] = []

    def check(step: str) -> None:
        session.commit()
        steps.append(step)
        assert differences() == {}, steps

    somchai = f.user(organisation=north)
    first = enrolment_service.enrol(somchai, k)
    first.enrolled_at = t0
    check("enrol (ORM insert)")
    enrolment_service.enrol(somchai, l)
    check("second course")
    progress.record_final_score(first, 84.5)
    check("best score (ORM update)")
    assert progress.record_completion(first, source="online", at=t0 + dt.timedelta(days=12))
    check("completion (Core UPDATE ... WHERE completed_at IS NULL)")
    second = enrolment_service.get_enrolment(somchai, l)
    assert second is not None
    enrolment_service.withdraw(second)
    check("withdraw")
    enrolment_service.enrol(somchai, l)
    check("return after withdrawing")

    # A pending claim counts nowhere until confirmed; confirming attributes the enrolment
    # with a Core UPDATE.
    malee = f.user(organisation=south, membership=MembershipStatus.PENDING)
    pending = enrolment_service.enrol(malee, k)
    check("enrol while the claim is pending")
    assert session.scalar(select(TraineeTally).where(TraineeTally.user_id == malee.id)) is None
    claim = membership.pending_membership(malee)
    assert claim is not None
    assert membership.confirm(claim, admin) == 1
    check("membership confirmed")
    session.refresh(pending)
    assert pending.organisation_id == south.id

    # A transfer: later enrolments count under the new organisation, earlier ones stay.
    membership.confirm(membership.request_membership(somchai, north2), admin)
    check("transfer")
    third = enrolment_service.enrol(somchai, f.course("tally-m"))
    check("enrol after the transfer")
    assert third.organisation_id == north2.id
    assert organisations_of(somchai.id) == 2

    privacy.anonymise(malee, admin)
    check("anonymised: results still count")
    session.execute(update(Enrolment).where(Enrolment.id == pending.id)
                    .values(organisation_id=north.id))
    check("re-attributed by a bulk UPDATE")
    session.delete(third)
    check("enrolment deleted")
    assert organisations_of(somchai.id) == 1

    # An อบต. upgraded to a municipality, and an organisation moved to another province: the
    # per-province tallies follow; DLA's own offices never count there.
    south.type = "subdistrict_municipality"
    check("organisation type changed")
    north2.province_code = "90"
    check("organisation moved to another province")
    office = f.organisation("สถจ.", province_code="50", type="dla_office")
    enrolment_service.enrol(f.user(organisation=office), k)
    check("enrolment at a DLA office")

    # And the figures read from the tallies are the live ones, whatever the grouping.
    assert assert_tallied_figures_equal_live([None, k, l]) > 0
    north_tally = session.scalars(select(OrganisationTally).where(
        OrganisationTally.organisation_id == north.id)).one()
    # somchai (K completed, L active) and malee's re-attributed K enrolment.
    assert (north_tally.enrolments, north_tally.completed, north_tally.trainees,
            north_tally.trainees_active, north_tally.trainees_completed) == (3, 1, 2, 2, 1)


def test_a_trainee_counted_under_two_organisations_counts_once_above_them(app: Flask) -> None:
    a = f.organisation("ก", province_code="50")
    b = f.organisation("ข", province_code="50")
    admin = f.user(roles=(Role.ADMIN,))
    k, l = f.course("k2"), f.course("l2")  # noqa: E741
    person = f.user(organisation=a)
    enrolment_service.enrol(person, k)
    membership.confirm(membership.request_membership(person, b), admin)
    enrolment_service.enrol(person, l)
    session.commit()
    scope = Scope(country=True)
    by_org = figures(scope, Filters(), "organisation")
    assert by_org[a.id].trainees_enrolled == by_org[b.id].trainees_enrolled == 1
    assert figures(scope, Filters(), "province")["50"].trainees_enrolled == 1
    assert figures(scope, Filters(), None)[None].trainees_enrolled == 1
    assert figures(scope, Filters(), None)[None].enrolments == 2
    assert figures(scope, Filters(), "type")["subdistrict_municipality"].trainees_in_progress == 1


def test_tallies_and_their_figures_on_generated_data(
        catalogue: dict[str, Course]) -> None:  # noqa: F811
    """The demo generator's bulk load goes through the triggers like any other insert."""
    report = run(orgs=120, trainees=900, answers=False)
    assert report.enrolments > 500
    assert differences() == {}
    assert session.scalar(select(UserTally.user_id).where(UserTally.organisations > 1)) \
        is not None, "the generated data should include transfers"
    assert assert_tallied_figures_equal_live([None, *catalogue.values()]) > 100

    # Month by month, from the per-province tallies (country, province) and the
    # per-organisation ones (an organisation's coordinator), against a live count.
    province, org_id = session.execute(
        select(Organisation.province_code, Organisation.id).join(
            Enrolment, Enrolment.organisation_id == Organisation.id)
        .where(Organisation.type != "dla_office").limit(1)).one()
    dialect = get_session().get_bind().dialect.name
    checked = 0
    for scope in (Scope(country=True), Scope(province_codes=frozenset({province})),
                  Scope(organisation_ids=frozenset({org_id}))):
        for course in (None, *catalogue.values()):
            filters = Filters(course_id=course.id if course else None)
            rows = enrolment_rows(scope, filters).subquery()
            expected: dict[str, list[int]] = {}
            for slot, column in enumerate((rows.c.enrolled_at, rows.c.completed_at)):
                month = month_of(column, dialect)
                for key, n in session.execute(select(month, func.count())
                                              .where(column.is_not(None)).group_by(month)):
                    expected.setdefault(key, [0, 0])[slot] = n
            found = tally.monthly_counts(scope, filters, "0000-00")
            assert {k: list(v) for k, v in found.items() if any(v)} == expected, (scope, course)
            checked += len(expected)
            for group in (None, "type"):
                ours, theirs = figures(scope, filters, group), live(scope, filters, group)
                assert {k: v.median_days for k, v in ours.items() if v.median_days is not None} \
                    == pytest.approx({k: v.median_days for k, v in theirs.items()
                                      if v.median_days is not None})
    assert checked > 50


def test_recount_finds_drift_and_rebuild_repairs_it(app: Flask) -> None:
    org = f.organisation()
    course = f.course("drift")
    for _ in range(3):
        enrolment_service.enrol(f.user(organisation=org), course)
    session.commit()
    before = dataclasses.asdict(figures(Scope(country=True), Filters(), None)[None])
    session.execute(text("UPDATE ldp_tally_course SET enrolments = enrolments + 5"))
    session.execute(text("DELETE FROM ldp_tally_user"))
    session.commit()
    found = differences()
    assert set(found) == {"ldp_tally_course", "ldp_tally_user"}

    app_runner = app.test_cli_runner()
    result = app_runner.invoke(db, ["recount"])
    assert result.exit_code == 1 and "ldp_tally_course: 1 row(s)" in result.output
    result = app_runner.invoke(db, ["recount", "--fix"])
    assert result.exit_code == 0 and "rebuilt" in result.output
    get_session().rollback()  # end the test's transaction: read what the command committed
    get_session().expire_all()
    assert differences() == {}
    assert dataclasses.asdict(figures(Scope(country=True), Filters(), None)[None]) == before
    result = app_runner.invoke(db, ["recount"])
    assert result.exit_code == 0 and "agree" in result.output


def test_the_migration_counts_the_enrolments_already_there(app: Flask) -> None:
    """Upgrading a database that already holds enrolments fills the tallies from them."""
    from ldptrain.services import schema

    org, course = f.organisation(), f.course("backfill")
    for n in range(4):
        item = enrolment_service.enrol(f.user(organisation=org), course)
        if n % 2:
            progress.record_final_score(item, 50.0 + n)
            assert progress.record_completion(item, source="online")
    session.commit()
    expected = dataclasses.asdict(figures(Scope(country=True), Filters(), None)[None])
    session.close()
    engine = app.extensions["ldptrain"].db.engine
    try:
        schema.downgrade(engine, "0001")
        schema.upgrade(engine)  # 0002 counts what is there, then adds its triggers
    finally:
        schema.upgrade(engine)
    assert differences() == {}
    assert dataclasses.asdict(figures(Scope(country=True), Filters(), None)[None]) == expected
    assert expected["enrolments"] == 4 and expected["completions"] == 2
