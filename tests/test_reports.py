"""Each aggregate against the hand-counted world of tests/report_fixtures.py."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import literal, select, union_all

from ldptrain.access import scope_for
from ldptrain.db import get_session, session
from ldptrain.services import reports
from ldptrain.services.reports import median as median_mod

from . import report_fixtures


@pytest.fixture
def world(app: Flask) -> report_fixtures.World:
    found = report_fixtures.build()
    get_session().commit()
    return found


def _admin_scope():  # type: ignore[no-untyped-def]
    from ldptrain.access import Scope

    return Scope(country=True)


def test_national_attribution_figures(world: report_fixtures.World) -> None:
    f = reports.overall(_admin_scope(), reports.Filters())
    assert (f.organisations, f.orgs_enrolled, f.orgs_completed, f.orgs_certified) == (4, 3, 3, 2)
    assert (f.trainees_enrolled, f.trainees_in_progress, f.trainees_completed,
            f.trainees_certified) == (5, 1, 3, 2)
    assert (f.enrolments, f.completions) == (5, 3)
    assert f.completion_rate == pytest.approx(0.6)
    assert f.median_days == pytest.approx(20)
    assert f.avg_best_score == pytest.approx(72.5)
    assert f.share(f.orgs_certified) == pytest.approx(0.5)


def test_current_staff_counts_the_transferred_trainee_where_she_works_today(
        world: report_fixtures.World) -> None:
    f = reports.overall(_admin_scope(), reports.Filters(view=reports.STAFF))
    assert (f.orgs_enrolled, f.orgs_completed, f.orgs_certified) == (3, 2, 1)
    assert (f.trainees_enrolled, f.trainees_completed, f.trainees_certified) == (5, 3, 2)
    by_org = reports.figures(_admin_scope(), reports.Filters(view=reports.STAFF), "organisation")
    assert by_org[world.a.id].trainees_completed == 2  # u1 and u5 (earned under C)
    attributed = reports.figures(_admin_scope(), reports.Filters(), "organisation")
    assert attributed[world.a.id].trainees_completed == 1
    assert attributed[world.c.id].trainees_completed == 1


def test_breakdowns_by_province_and_type(world: report_fixtures.World) -> None:
    by_province = reports.figures(_admin_scope(), reports.Filters(), "province")
    assert set(by_province) == {"50", "57"}
    north = by_province["50"]
    assert (north.organisations, north.enrolments, north.completions) == (2, 3, 2)
    assert north.median_days == pytest.approx(15)  # (10 + 20) / 2: an even count
    rai = by_province["57"]
    assert (rai.organisations, rai.orgs_enrolled, rai.orgs_completed, rai.enrolments) == (
        2, 1, 1, 2)
    assert rai.median_days == pytest.approx(30)
    by_type = reports.figures(_admin_scope(), reports.Filters(), "type")
    assert set(by_type) == {"subdistrict_municipality", "sao", "town_municipality"}
    assert by_type["sao"].organisations == 2 and by_type["sao"].completions == 2
    assert by_type["town_municipality"].enrolments == 0


def test_course_filter(world: report_fixtures.World) -> None:
    only_l = reports.overall(_admin_scope(), reports.Filters(course_id=world.l.id))
    assert (only_l.enrolments, only_l.completions, only_l.trainees_in_progress) == (1, 0, 0)
    assert only_l.completion_rate == 0 and only_l.median_days is None
    only_k = reports.overall(_admin_scope(), reports.Filters(course_id=world.k.id))
    assert (only_k.enrolments, only_k.completions) == (4, 3)


def test_scopes_limit_every_figure(world: report_fixtures.World) -> None:
    people = report_fixtures.staff(world)
    get_session().commit()
    coordinator = reports.overall(scope_for(people["coordinator"]), reports.Filters())
    assert (coordinator.organisations, coordinator.enrolments, coordinator.completions) == (
        1, 2, 1)
    assert coordinator.median_days == pytest.approx(10)
    officer = reports.overall(scope_for(people["officer"]), reports.Filters())
    assert (officer.organisations, officer.enrolments, officer.completions) == (2, 2, 1)
    with pytest.raises(reports.OutOfScope):
        reports.province_table(scope_for(people["officer"]),
                               reports.Filters(province_code="50"))
    with pytest.raises(reports.OutOfScope):
        reports.organisation_table(scope_for(people["coordinator"]),
                                   reports.Filters(organisation_id=world.b.id))
    for who in ("trainer", "trainee"):
        with pytest.raises(reports.OutOfScope):
            reports.province_table(scope_for(people[who]), reports.Filters())


def test_gap_lists(world: report_fixtures.World) -> None:
    scope = _admin_scope()
    no_enrolment = reports.table("gaps-enrolled", scope, reports.Filters())
    assert [r["id"] for r in no_enrolment.rows] == [world.d.id]
    no_completion = reports.table("gaps-completed", scope, reports.Filters())
    assert [r["id"] for r in no_completion.rows] == [world.d.id]
    course_l = reports.table("gaps-enrolled", scope, reports.Filters(course_id=world.l.id))
    assert {r["id"] for r in course_l.rows} == {world.a.id, world.b.id, world.d.id}


def test_monthly_counts_the_same_records(world: report_fixtures.World) -> None:
    months = reports.monthly(_admin_scope(), reports.Filters())
    # The series starts at the first month with data (not 24 months with 20 empty ones) and
    # runs, gaps included, to this month.
    assert months[0].enrolments or months[0].completions or months[0].certificates
    keys = [m.month for m in months]
    assert keys == sorted(keys) and len(keys) < 24
    assert all(m.fiscal_year == int(m.month[:4]) + 543 + (m.month[5:] >= "10") for m in months)
    assert sum(m.enrolments for m in months) == 5
    assert sum(m.completions for m in months) == 3
    assert sum(m.certificates for m in months) == 2
    assert months[-1].month >= months[0].month


def test_monthly_by_thai_fiscal_year_or_calendar_year(world: report_fixtures.World) -> None:
    import datetime as dt

    from ldptrain.services.reports.monthly import period_choices, period_keys

    scope = _admin_scope()
    everything = reports.monthly(scope, reports.Filters())
    # Fiscal year 2570 runs from October 2569 (2026) to September 2570 (2027).
    now = dt.datetime(2027, 12, 1, tzinfo=dt.UTC)
    assert period_keys("fy2570", now) == [f"2026-{m}" for m in ("10", "11", "12")] + [
        f"2027-{m:02d}" for m in range(1, 10)]
    assert period_keys("2569", now) == [f"2026-{m:02d}" for m in range(1, 13)]
    assert period_choices(now)[:2] == ["fy2571", "fy2570"] and "2570" in period_choices(now)
    for period in {f"fy{m.fiscal_year}" for m in everything}:
        months = reports.monthly(scope, reports.Filters(period=period))
        assert {m.fiscal_year for m in months} == {int(period[2:])}
    calendar = {m.month[:4] for m in everything}
    by_year = [reports.monthly(scope, reports.Filters(period=str(int(y) + 543))) for y in calendar]
    assert sum(m.enrolments for months in by_year for m in months) == 5
    with pytest.raises(reports.BadFilter):
        reports.parse_filters({"period": "2026-12"})


def test_trainee_table_and_detail(world: report_fixtures.World) -> None:
    scope = _admin_scope()
    table = reports.trainee_table(scope, reports.Filters(organisation_id=world.a.id),
                                  sort="best_score", desc=True)
    assert table.total == 2
    assert [r["name"] for r in table.rows] == ["ผู้เรียน หนึ่ง", "ผู้เรียน สอง"]
    first = list(table.rows)[0]
    assert (first["modules_done"], first["modules_total"]) == (1, 2)
    assert first["certificate"].startswith("TST-")
    detail = reports.trainee_detail(scope, world.users["u1"].id)
    assert [m.completed_at is not None for m in detail.enrolments[0].modules] == [True, False]
    streamed = reports.trainee_table(scope, reports.Filters(), page=None)
    assert sum(1 for _ in streamed.rows) == 5


def test_trainee_detail_shows_only_what_the_scope_covers(world: report_fixtures.World) -> None:
    people = report_fixtures.staff(world)
    get_session().commit()
    officer = scope_for(people["officer"])
    # u5 works at A (province 50) today; the officer of 57 sees only the enrolment made at C.
    detail = reports.trainee_detail(officer, world.users["u5"].id)
    assert [e.organisation.id for e in detail.enrolments] == [world.c.id]
    with pytest.raises(reports.OutOfScope):
        reports.trainee_detail(officer, world.users["u1"].id)
    with pytest.raises(reports.OutOfScope):
        reports.trainee_detail(scope_for(people["coordinator"]), world.users["u3"].id)


@pytest.mark.parametrize("values, expected", [
    ([5.0], 5.0), ([1.0, 3.0], 2.0), ([4.0, 1.0, 9.0], 4.0), ([7.0, 1.0, 3.0, 10.0], 5.0)])
def test_median_in_sql_and_streamed_agree_with_hand_counts(
        app: Flask, values: list[float], expected: float) -> None:
    rows = union_all(*[select(literal(v).label("v"), literal("g").label("g")) for v in values])
    query = select(rows.subquery())
    assert reports.medians(query, "v", None) == {None: pytest.approx(expected)}
    assert reports.medians(query, "v", "g") == {"g": pytest.approx(expected)}
    sub = query.subquery()
    streamed = median_mod._streamed(session, sub, sub.c.v, "g")
    assert streamed == {"g": pytest.approx(expected)}


@pytest.mark.parametrize("view", ["attribution", "staff"])
def test_breakdowns_in_one_pass_equal_one_grouping_at_a_time(
        world: report_fixtures.World, view: str) -> None:
    scope, filters = _admin_scope(), reports.Filters(view=view)
    groups = (None, "province", "type", "organisation")
    together = reports.figures_by(scope, filters, groups)
    for group in groups:
        assert together[group] == reports.figures(scope, filters, group), group


def test_figures_are_live_a_completion_counts_at_once(world: report_fixtures.World) -> None:
    """No counters to refresh: a completion committed now is in the next figures."""
    import datetime as dt

    from sqlalchemy import select as sa_select

    from ldptrain.models import Enrolment

    scope, filters = _admin_scope(), reports.Filters()
    before = reports.overall(scope, filters)
    active = session.scalar(sa_select(Enrolment).where(
        Enrolment.user_id == world.users["u2"].id))
    assert active is not None
    active.status, active.completed_at = "completed", active.enrolled_at + dt.timedelta(days=40)
    get_session().commit()
    after = reports.overall(scope, filters)
    assert (after.completions, after.trainees_completed, after.trainees_in_progress) == (
        before.completions + 1, before.trainees_completed + 1, before.trainees_in_progress - 1)
    assert after.median_days == pytest.approx(25)  # 10, 20, 30, 40


@pytest.mark.parametrize("view", ["attribution", "staff"])
def test_people_spread_over_organisations_are_counted_once_per_group(
        world: report_fixtures.World, view: str) -> None:
    """u1 also learns course L under C (another province and type): once per group, twice
    nowhere; the one-pass path (PostgreSQL) agrees with one grouping at a time."""
    from ldptrain.models import Enrolment

    session.add(Enrolment(user_id=world.users["u1"].id, course_id=world.l.id,
                          organisation_id=world.c.id, status="active",
                          enrolled_at=world.t0))
    get_session().commit()
    scope, filters = _admin_scope(), reports.Filters(view=view)
    groups = (None, "province", "type", "organisation")
    together = reports.figures_by(scope, filters, groups)
    for group in groups:
        assert together[group] == reports.figures(scope, filters, group), group
    overall = together[None][None]
    assert overall.trainees_enrolled == 5 and overall.enrolments == 6
    if view == "attribution":
        assert together["province"]["57"].trainees_enrolled == 3  # u5, u6 and now u1
        assert together["province"]["50"].trainees_in_progress == 1  # u2 only: u1 is done at A
        assert together["province"]["57"].trainees_in_progress == 1  # u1 learning L under C
