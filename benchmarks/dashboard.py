"""Dashboard latency at national scale, against minimal hand-written SQL on the same data.

    python benchmarks/dashboard.py --database-url URL [--quick] [--repeat N]

Fills an empty database first (schema, bundled courses, `demo.generate.generate`: 7,850 LAOs and
100,000 trainees; --quick: 785 and 5,000). Then, signed in as a DLA admin through the Flask test
client, it times the national dashboard, the busiest province's page and its busiest
organisation's page, and times hand-written SQL computing the same figures on the same data from
the records themselves (enrolments, certificates). For the national page it also times hand SQL
reading what the page reads (the enrolment tallies, kept by triggers), which isolates the cost of
the ORM, the Python roll-up and the template. Before timing it checks that the tallies equal a
recount and that the hand SQL gives the page's headline numbers. Prints median and p95 of each
and their ratio; the last line is the RESULT line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, text

LAO = "o.type <> 'dla_office'"
VALID = ("ce.status = 'valid' AND ce.kind = 'course' AND (ce.expires_at IS NULL OR "
         "ce.expires_at > {now})")


def hand_queries(dialect: str, since_month: str) -> dict[str, list[str]]:
    """Minimal SQL for what each page shows: the same filters and definitions, nothing else."""
    pg = dialect == "postgresql"
    now = "now()" if pg else "datetime('now')"
    valid = VALID.format(now=now)
    # Whole days, rounded down: the dashboard's definition of days to complete.
    days = ("floor(extract(epoch FROM e.completed_at - e.enrolled_at) / 86400)" if pg
            else "(CAST(strftime('%s', e.completed_at) AS INTEGER) "
                 "- CAST(strftime('%s', e.enrolled_at) AS INTEGER)) / 86400")
    since = "now() - interval '24 months'" if pg else "datetime('now', '-24 months')"

    def month(col: str) -> str:
        return (f"date_trunc('month', {col} + interval '7 hours')" if pg
                else f"strftime('%Y-%m', {col}, '+7 hours')")

    def enrol_aggs() -> str:
        return ("count(DISTINCT e.organisation_id), "
                "count(DISTINCT CASE WHEN e.status = 'completed' THEN e.organisation_id END), "
                "count(DISTINCT e.user_id), "
                "count(DISTINCT CASE WHEN e.status = 'active' THEN e.user_id END), "
                "count(DISTINCT CASE WHEN e.status = 'completed' THEN e.user_id END), "
                "count(*), count(CASE WHEN e.status = 'completed' THEN 1 END), "
                "avg(e.best_score)")

    enrol_from = "ldp_enrolment e JOIN ldp_organisation o ON o.id = e.organisation_id"
    cert_from = "ldp_certificate ce JOIN ldp_organisation o ON o.id = ce.organisation_id"

    def grouped(where: str, groups: list[str]) -> list[str]:
        """Organisations, enrolments (with median) and certificates by each grouping."""
        if pg:
            keys = "".join(f"{g}, " for g in groups)
            by = (" GROUP BY GROUPING SETS (" + ", ".join(f"({g})" for g in groups) + ", ())"
                  if groups else "")
            inner = ", ".join(["o.id AS org", *[f"{g} AS g{i}" for i, g in enumerate(groups)]])
            outer_keys = "".join(f"g{i}, " for i in range(len(groups)))
            outer_by = (" GROUP BY GROUPING SETS (" + ", ".join(
                f"(g{i})" for i in range(len(groups))) + ", ())" if groups else "")
            return [
                f"SELECT {keys}count(*) FROM ldp_organisation o WHERE {where}{by}",
                # Organisation counts and enrolment sums: per organisation, then rolled up.
                f"SELECT {outer_keys}count(*), count(*) FILTER (WHERE done > 0), sum(n), "
                f"sum(done), sum(bs) / nullif(sum(bc), 0) FROM (SELECT {inner}, count(*) AS n, "
                f"count(CASE WHEN e.status = 'completed' THEN 1 END) AS done, "
                f"sum(e.best_score) AS bs, count(e.best_score) AS bc FROM {enrol_from} "
                f"WHERE {where} GROUP BY {', '.join(['o.id', *groups])}) x{outer_by}",
                f"SELECT {keys}count(DISTINCT e.user_id), "
                f"count(DISTINCT CASE WHEN e.status = 'active' THEN e.user_id END), "
                f"count(DISTINCT CASE WHEN e.status = 'completed' THEN e.user_id END) "
                f"FROM {enrol_from} WHERE {where}{by}",
                f"SELECT {keys}percentile_cont(0.5) WITHIN GROUP (ORDER BY {days}) "
                f"FROM {enrol_from} WHERE {where} AND e.completed_at IS NOT NULL{by}",
                f"SELECT {keys}count(DISTINCT ce.organisation_id), count(DISTINCT ce.user_id) "
                f"FROM {cert_from} WHERE {where} AND {valid}{by}"]
        out = []
        for g in [*groups, "NULL"]:
            out += [
                f"SELECT {g}, count(*) FROM ldp_organisation o WHERE {where} GROUP BY {g}",
                f"SELECT {g}, {enrol_aggs()} FROM {enrol_from} WHERE {where} GROUP BY {g}",
                # The median by window functions: the middle one or two values per group.
                f"SELECT g, avg(d) FROM (SELECT g, d, row_number() OVER (PARTITION BY g "
                f"ORDER BY d) AS rn, count(*) OVER (PARTITION BY g) AS n FROM (SELECT {g} AS g, "
                f"{days} AS d FROM {enrol_from} WHERE {where} AND e.completed_at IS NOT NULL)) "
                f"WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY g",
                f"SELECT {g}, count(DISTINCT ce.organisation_id), count(DISTINCT ce.user_id) "
                f"FROM {cert_from} WHERE {where} AND {valid} GROUP BY {g}"]
        return out

    def monthly(where: str) -> list[str]:
        return [
            f"SELECT {month('e.enrolled_at')}, count(*) FROM {enrol_from} WHERE {where} "
            f"AND e.enrolled_at >= {since} GROUP BY 1",
            f"SELECT {month('e.completed_at')}, count(*) FROM {enrol_from} WHERE {where} "
            f"AND e.completed_at >= {since} GROUP BY 1",
            f"SELECT {month('ce.issued_at')}, count(*) FROM {cert_from} WHERE {where} "
            f"AND {valid} AND ce.issued_at >= {since} GROUP BY 1"]

    lookups = ["SELECT code, name_th, name_en FROM ldp_province",
               "SELECT id, slug, title_th, title_en FROM ldp_course WHERE NOT retired"]
    in_province = f"{LAO} AND o.province_code = :province"
    in_org = f"{LAO} AND o.id = :org"
    trainees = (
        "SELECT e.id, e.user_id, u.name_th, u.position, o.name_th, o.code, c.title_th, e.status, "
        "(SELECT count(*) FROM ldp_module_progress mp WHERE mp.enrolment_id = e.id "
        "AND mp.completed_at IS NOT NULL), e.best_score, e.enrolled_at, e.completed_at, "
        f"(SELECT ce.serial FROM ldp_certificate ce WHERE ce.enrolment_id = e.id AND {valid} "
        "ORDER BY ce.issued_at DESC LIMIT 1) "
        "FROM ldp_enrolment e JOIN ldp_user u ON u.id = e.user_id "
        "JOIN ldp_organisation o ON o.id = e.organisation_id "
        "JOIN ldp_course c ON c.id = e.course_id WHERE e.organisation_id = :org "
        f"AND {LAO} ORDER BY e.id LIMIT 50")
    overall = (
        f"SELECT (SELECT count(*) FROM ldp_organisation o WHERE {LAO}) AS organisations, "
        f"count(DISTINCT e.organisation_id) AS orgs_enrolled, "
        f"count(DISTINCT e.user_id) AS trainees_enrolled, "
        f"count(CASE WHEN e.status = 'completed' THEN 1 END) AS completions, "
        f"(SELECT count(DISTINCT ce.user_id) FROM {cert_from} WHERE {LAO} AND {valid}) "
        f"AS trainees_certified, "
        + (f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {days})" if pg else
           f"(SELECT avg(d) FROM (SELECT d, row_number() OVER (ORDER BY d) AS rn, "
           f"count(*) OVER () AS n FROM (SELECT {days} AS d FROM {enrol_from} WHERE {LAO} "
           f"AND e.completed_at IS NOT NULL)) WHERE rn IN ((n + 1) / 2, (n + 2) / 2))")
        + f" AS median_days FROM {enrol_from} WHERE {LAO}")
    return {
        "national": [*lookups, *grouped(LAO, ["o.province_code", "o.type"]), *monthly(LAO)],
        "province": [*lookups, *grouped(in_province, ["o.type", "o.id"]),
                     "SELECT id, code, name_th, name_en, type, province_code FROM "
                     f"ldp_organisation o WHERE {in_province} ORDER BY code",
                     *monthly(in_province)],
        "organisation": [*lookups, *grouped(in_org, []),
                         *monthly(in_org), trainees,
                         f"SELECT count(*) FROM {enrol_from} WHERE {in_org}",
                         "SELECT course_id, count(*) FROM ldp_module WHERE NOT retired "
                         "GROUP BY course_id"],
        "national_overall": [overall],
        "national_tallies": [*lookups, *tally_queries(pg, since_month)],
    }


def tally_queries(pg: bool, since_month: str) -> list[str]:
    """The national page's figures the way the page gets them, by hand: the enrolment tallies
    (per organisation, per trainee for the few counted under several organisations, per
    province for months and days) and the certificates, which stay live."""
    now = "now()" if pg else "datetime('now')"
    valid = VALID.format(now=now)
    cert_from = "ldp_certificate ce JOIN ldp_organisation o ON o.id = ce.organisation_id"
    month = ("to_char(timezone('UTC', ce.issued_at) + interval '7 hours', 'YYYY-MM')" if pg
             else "strftime('%Y-%m', ce.issued_at, '+7 hours')")
    since = "now() - interval '24 months'" if pg else "datetime('now', '-24 months')"
    sums = ("count(*), count(CASE WHEN t.completed > 0 THEN 1 END), sum(t.enrolments), "
            "sum(t.completed), sum(t.best_score_sum) / nullif(sum(t.best_score_count), 0), "
            "sum(t.trainees), sum(t.trainees_active), sum(t.trainees_completed)")
    org_from = ("ldp_tally_organisation t JOIN ldp_organisation o ON o.id = t.organisation_id "
                f"WHERE {LAO} AND t.enrolments > 0")
    fixed = [
        "SELECT t.user_id, o.id, o.province_code, o.type, t.active > 0, t.completed > 0 "
        "FROM ldp_tally_trainee t JOIN ldp_organisation o ON o.id = t.organisation_id "
        f"WHERE {LAO} AND t.enrolments > 0 AND t.user_id IN "
        "(SELECT user_id FROM ldp_tally_user WHERE organisations > 1)",
        "SELECT month, sum(enrolments), sum(completions) FROM ldp_tally_region_month "
        f"WHERE month >= '{since_month}' GROUP BY month",
        f"SELECT {month}, count(*) FROM {cert_from} WHERE {LAO} AND {valid} "
        f"AND ce.issued_at >= {since} GROUP BY 1"]
    if pg:
        sets = "GROUPING SETS ((o.province_code), (o.type), ())"
        return [
            f"SELECT o.province_code, o.type, count(*) FROM ldp_organisation o WHERE {LAO} "
            f"GROUP BY {sets}",
            f"SELECT o.province_code, o.type, {sums} FROM {org_from} GROUP BY {sets}",
            "SELECT province_code, org_type, days, sum(completions) FROM "
            "ldp_tally_region_duration GROUP BY GROUPING SETS ((province_code, days), "
            "(org_type, days), (days)) ORDER BY 1, 2, 3",
            f"SELECT o.province_code, o.type, count(DISTINCT ce.organisation_id), "
            f"count(DISTINCT ce.user_id) FROM {cert_from} WHERE {LAO} AND {valid} "
            f"GROUP BY {sets}",
            *fixed]
    out = []
    for g, r in (("o.province_code", "province_code"), ("o.type", "org_type"), ("NULL", "NULL")):
        out += [
            f"SELECT {g}, count(*) FROM ldp_organisation o WHERE {LAO} GROUP BY {g}",
            f"SELECT {g}, {sums} FROM {org_from} GROUP BY {g}",
            f"SELECT {r}, days, sum(completions) FROM ldp_tally_region_duration "
            f"GROUP BY {r}, days ORDER BY 1, 2",
            f"SELECT {g}, count(DISTINCT ce.organisation_id), count(DISTINCT ce.user_id) "
            f"FROM {cert_from} WHERE {LAO} AND {valid} GROUP BY {g}"]
    return [*out, *fixed]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def prepare(app: Any, quick: bool, seed: int) -> None:
    from ldptrain.db import Base, get_session
    from ldptrain.demo import generate as demo
    from ldptrain.models import User
    from ldptrain.models.api_token import ApiToken  # noqa: F401  (a table the models declare)
    from ldptrain.services import setup

    with app.app_context():
        setup.prepare()
        engine = app.extensions["ldptrain"].db.engine
        # The models' tables and indexes, where the migration does not have them yet.
        Base.metadata.create_all(engine, checkfirst=True)
        with engine.begin() as conn:
            for table in Base.metadata.sorted_tables:
                for index in table.indexes:
                    index.create(conn, checkfirst=True)
        session = get_session()
        if not session.scalar(select(func.count()).select_from(User).where(
                User.email.like(f"%@{demo.EMAIL_DOMAIN}"))):
            orgs, trainees = (785, 5000) if quick else (7850, 100_000)
            print(f"generating demo data: {orgs} organisations, {trainees} trainees ...",
                  flush=True)
            started = time.perf_counter()
            report = demo.generate(session.connection(), orgs=orgs, trainees=trainees, seed=seed)
            session.commit()
            print(f"  done in {time.perf_counter() - started:.0f} s: {report.enrolments:,} "
                  f"enrolments, {report.certificates:,} certificates", flush=True)
        # What autovacuum does after a bulk load, done now rather than whenever it gets to it:
        # planner statistics, and on PostgreSQL the visibility map that lets the certificate
        # counts read their covering index alone (right after a load they visit the table too).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                              else "ANALYZE"))


def admin(app: Any) -> tuple[str, str, int]:
    """A signed-in DLA admin's session secret (a server-side session, as a sign-in makes), the
    province with most organisations, and its organisation with most enrolments."""
    from ldptrain.db import get_session
    from ldptrain.models import Enrolment, Organisation, Role, User
    from ldptrain.services import accounts, sessions

    with app.app_context():
        session = get_session()
        user = session.scalar(select(User).where(User.email == "bench-admin@bench.example"))
        if user is None:
            user = accounts.create_user(email="bench-admin@bench.example", password=None,
                                        name_th="ผู้ดูแลระบบทดสอบ", roles=(Role.ADMIN,))
            session.commit()
        province = session.execute(
            select(Organisation.province_code, func.count()).group_by(Organisation.province_code)
            .order_by(func.count().desc(), Organisation.province_code).limit(1)).scalar_one()
        org = session.execute(
            select(Enrolment.organisation_id, func.count()).join(
                Organisation, Organisation.id == Enrolment.organisation_id)
            .where(Organisation.province_code == province, Organisation.type != "dla_office")
            .group_by(Enrolment.organisation_id)
            .order_by(func.count().desc(), Enrolment.organisation_id).limit(1)).scalar_one()
        secret = sessions.create(user.id, sessions.Limits.from_config(app.config))
        session.commit()
        return secret, province, org


def check_same_numbers(app: Any, sql: dict[str, list[str]], params: dict[str, Any]) -> None:
    """The hand-written SQL must compute what the page shows, or the comparison means nothing."""
    from ldptrain.access import Scope
    from ldptrain.services import reports
    from ldptrain.services.reports import tally

    with app.app_context():
        engine = app.extensions["ldptrain"].db.engine
        f = reports.overall(Scope(country=True), reports.Filters())
        with engine.connect() as conn:
            row = conn.execute(text(sql["national_overall"][0]), params).mappings().one()
        ours = {"organisations": f.organisations, "orgs_enrolled": f.orgs_enrolled,
                "trainees_enrolled": f.trainees_enrolled, "completions": f.completions,
                "trainees_certified": f.trainees_certified}
        theirs = {k: row[k] for k in ours}
        assert ours == theirs, (ours, theirs)
        with engine.connect() as conn:
            started = time.perf_counter()
            drift = tally.differences(conn)
        assert not drift, f"tallies differ from a recount: {sorted(drift)}"
        print(f"tallies agree with a recount of every enrolment "
              f"({time.perf_counter() - started:.1f} s to recount)", flush=True)
        assert abs((f.median_days or 0) - float(row["median_days"] or 0)) < 1e-6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--quick", action="store_true", help="small data, few repeats (CI)")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    repeat = args.repeat or (5 if args.quick else 30)

    from ldptrain import create_app

    app = create_app({"LDPTRAIN_DATABASE_URL": args.database_url,
                      "LDPTRAIN_SECRET_KEY": "benchmark-only-secret",
                      "LDPTRAIN_LOAD_SAMPLE_ORGS": False, "LDPTRAIN_IMPORT_BUNDLED": True},
                     instance_path=tempfile.mkdtemp(prefix="ldp-bench-"))
    prepare(app, args.quick, args.seed)
    token, province, org = admin(app)
    with app.app_context():
        engine = app.extensions["ldptrain"].db.engine
    dialect = engine.dialect.name
    client = app.test_client()
    from ldptrain.web.signed_in import SESSION_KEY

    with client.session_transaction() as sess:
        sess[SESSION_KEY] = token

    def page(url: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return get

    from ldptrain.services.reports.monthly import month_keys

    sql = hand_queries(dialect, month_keys(dt.datetime.now(dt.UTC))[0])
    params = {"province": province, "org": org}
    check_same_numbers(app, sql, params)

    def run_sql(name: str) -> Callable[[], None]:
        def go() -> None:
            with engine.connect() as conn:
                for statement in sql[name]:
                    conn.execute(text(statement), params).fetchall()
        return go

    pages = {"national": "/dashboard/", "province": f"/dashboard/province/{province}",
             "organisation": f"/dashboard/organisation/{org}"}
    results: dict[str, tuple[float, float, float, float]] = {}
    load = os.getloadavg()[0]
    print(f"backend={dialect} province={province} organisation={org} repeat={repeat} "
          f"load1={load:.1f}")
    print(f"{'page':<14}{'median ms':>11}{'p95 ms':>9}{'SQL median':>12}{'SQL p95':>9}"
          f"{'ratio':>7}")
    for name, url in pages.items():
        ours = timed(page(url), repeat)
        base = timed(run_sql(name), repeat)
        results[name] = (statistics.median(ours), percentile(ours, 0.95),
                         statistics.median(base), percentile(base, 0.95))
        m, p, bm, bp = results[name]
        print(f"{name:<14}{m:>11.1f}{p:>9.1f}{bm:>12.1f}{bp:>9.1f}{p / bp:>7.2f}", flush=True)
    # The same page against hand SQL reading what it reads (the tallies): the cost of the ORM,
    # the Python roll-up and the template, apart from what the tallies save.
    tallied = timed(run_sql("national_tallies"), repeat)
    n = results["national"]
    tally_ratio = n[1] / percentile(tallied, 0.95)
    print(f"{'national':<14}{n[0]:>11.1f}{n[1]:>9.1f}{statistics.median(tallied):>12.1f}"
          f"{percentile(tallied, 0.95):>9.1f}{tally_ratio:>7.2f}  (hand SQL over the tallies)")
    o, pv = results["organisation"], results["province"]
    print(f"RESULT dashboard: national_p95_ms={n[1]:.0f} national_ratio={n[1] / n[3]:.2f} "
          f"national_tally_ratio={tally_ratio:.2f} "
          f"province_p95_ms={pv[1]:.0f} province_ratio={pv[1] / pv[3]:.2f} "
          f"organisation_p95_ms={o[1]:.0f} organisation_ratio={o[1] / o[3]:.2f} "
          f"backend={dialect} load1={load:.1f}")


if __name__ == "__main__":
    main()
