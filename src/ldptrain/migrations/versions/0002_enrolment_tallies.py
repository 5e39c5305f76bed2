"""enrolment tallies for the dashboards, kept by triggers; an index for counting certificates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Running-total tables (models/tally.py) and the triggers that keep them in the same transaction as
each change, then a backfill from the enrolments already stored. The SQL is written out here, per
dialect, so this revision stays what it was when later code moves.

    ldp_enrolment ──> ldp_tally_organisation (sums), ldp_tally_course, ldp_tally_trainee,
                      ldp_tally_month, ldp_tally_duration
    ldp_tally_trainee ──> ldp_tally_organisation (people), ldp_tally_user
    ldp_tally_month ──> ldp_tally_region_month;  ldp_tally_duration ──> ldp_tally_region_duration
    ldp_organisation (province or type changed) ──> moves its share between region rows

Definitions (services/reports/tally.py recounts with the same ones):
- an enrolment counts under ldp_enrolment.organisation_id (not counted while NULL);
- month: the month in Thai time (UTC+7), 'YYYY-MM';
- days to complete: whole days from enrolled_at to completed_at, rounded down;
- region rows leave DLA's own offices out (reports never count them).

Taking a row out is a plain UPDATE, never an upsert, so deleting in any order (tables emptied)
cannot leave negative rows behind.
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

ENROLMENT_COLUMNS = ("organisation_id, user_id, course_id, status, enrolled_at, completed_at, "
                     "best_score")
LAO = "type <> 'dla_office'"


class _SQL:
    """The dialect's spelling of what the triggers compute."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def month(self, column: str) -> str:
        if self.pg:
            return f"to_char(({column} AT TIME ZONE 'UTC') + interval '7 hours', 'YYYY-MM')"
        return f"strftime('%Y-%m', {column}, '+7 hours')"

    def days(self, start: str, end: str) -> str:
        if self.pg:
            return f"floor(extract(epoch from ({end} - {start})) / 86400)::integer"
        return (f"((CAST(strftime('%s', {end}) AS INTEGER) "
                f"- CAST(strftime('%s', {start}) AS INTEGER)) / 86400)")

    def flag(self, condition: str) -> str:
        return f"({condition})::integer" if self.pg else f"({condition})"


def _keyed_upsert(table: str, key: dict[str, str], values: dict[str, str], where: str,
                  source: str = "") -> str:
    """INSERT ... SELECT ... WHERE ... ON CONFLICT DO UPDATE adding the values (SQLite needs the
    WHERE to parse an upsert from a SELECT)."""
    columns = [*key, *values]
    adds = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in values)
    selected = ", ".join([*key.values(), *values.values()])
    return (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {selected}{source} "
            f"WHERE {where} ON CONFLICT ({', '.join(key)}) DO UPDATE SET {adds}")


def _take(table: str, key: dict[str, str], values: dict[str, str], where: str = "") -> str:
    sets = ", ".join(f"{c} = {c} - {v}" for c, v in values.items())
    match = " AND ".join([*(f"{c} = {v}" for c, v in key.items()), *([where] if where else [])])
    return f"UPDATE {table} SET {sets} WHERE {match}"


# --- ldp_enrolment -> per-organisation tallies -----------------------------------------------

def _enrolment_share(sql: _SQL, row: str) -> list[tuple[str, dict[str, str], dict[str, str], str]]:
    """(table, key, values, condition) for what enrolment `row` adds to each tally."""
    active, completed = (sql.flag(f"{row}.status = '{s}'") for s in ("active", "completed"))
    best = {"best_score_sum": f"coalesce({row}.best_score, 0)",
            "best_score_count": sql.flag(f"{row}.best_score IS NOT NULL")}
    org = {"organisation_id": f"{row}.organisation_id"}
    course = {**org, "course_id": f"{row}.course_id"}
    done = f"{row}.completed_at IS NOT NULL"
    return [
        ("ldp_tally_organisation", org, {"enrolments": "1", "completed": completed, **best}, ""),
        ("ldp_tally_course", course,
         {"enrolments": "1", "active": active, "completed": completed, **best}, ""),
        ("ldp_tally_trainee", {"user_id": f"{row}.user_id", **org},
         {"enrolments": "1", "active": active, "completed": completed}, ""),
        ("ldp_tally_month", {**course, "month": sql.month(f"{row}.enrolled_at")},
         {"enrolments": "1", "completions": "0"}, ""),
        ("ldp_tally_month", {**course, "month": sql.month(f"{row}.completed_at")},
         {"enrolments": "0", "completions": "1"}, done),
        ("ldp_tally_duration",
         {**course, "days": sql.days(f"{row}.enrolled_at", f"{row}.completed_at")},
         {"completions": "1"}, done),
    ]


def _enrolment_out(sql: _SQL, row: str = "OLD") -> list[str]:
    out = []
    for table, key, values, where in _enrolment_share(sql, row):
        nonzero = {c: v for c, v in values.items() if v != "0"}
        out.append(_take(table, key, nonzero, where))
    return out


def _enrolment_in(sql: _SQL, row: str = "NEW") -> list[str]:
    out = []
    for table, key, values, where in _enrolment_share(sql, row):
        if table == "ldp_tally_organisation":  # the people columns start at 0 (their trigger)
            values = {**values, "trainees": "0", "trainees_active": "0",
                      "trainees_completed": "0"}
        counted = " AND ".join([f"{row}.organisation_id IS NOT NULL", *([where] if where else [])])
        out.append(_keyed_upsert(table, key, values, counted))
    return out


# --- ldp_tally_trainee -> people per organisation, organisations per trainee ---------------------

def _people(sql: _SQL, old: str | None, new: str | None) -> list[str]:
    """A (trainee, organisation) row changed: the organisation's people counts and the
    trainee's number of organisations move by whether the row counts, before and after."""
    def delta(column: str) -> str:
        after = sql.flag(f"{new}.{column} > 0") if new else "0"
        before = sql.flag(f"{old}.{column} > 0") if old else "0"
        return f"({after} - {before})"

    if new is None:  # a row deleted: take it out
        return [
            _take("ldp_tally_organisation", {"organisation_id": "OLD.organisation_id"},
                  {"trainees": sql.flag("OLD.enrolments > 0"),
                   "trainees_active": sql.flag("OLD.active > 0"),
                   "trainees_completed": sql.flag("OLD.completed > 0")}),
            _take("ldp_tally_user", {"user_id": "OLD.user_id"},
                  {"organisations": sql.flag("OLD.enrolments > 0")}),
        ]
    changed = " OR ".join(f"{delta(c)} <> 0" for c in ("enrolments", "active", "completed"))
    return [
        _keyed_upsert("ldp_tally_organisation", {"organisation_id": f"{new}.organisation_id"},
                      {"enrolments": "0", "completed": "0", "best_score_sum": "0",
                       "best_score_count": "0", "trainees": delta("enrolments"),
                       "trainees_active": delta("active"),
                       "trainees_completed": delta("completed")}, changed),
        _keyed_upsert("ldp_tally_user", {"user_id": f"{new}.user_id"},
                      {"organisations": delta("enrolments")}, f"{delta('enrolments')} <> 0"),
    ]


# --- per-organisation month and duration -> per province (LAOs only) ---------------------------

REGIONS = {
    # source table: (region table, key columns besides the province, value columns, with type)
    "ldp_tally_month": ("ldp_tally_region_month", ["course_id", "month"],
                        ["enrolments", "completions"], False),
    "ldp_tally_duration": ("ldp_tally_region_duration", ["course_id", "days"],
                           ["completions"], True),
}


def _region_key(row: str, source: str) -> dict[str, str]:
    _, key, _, typed = REGIONS[source]
    return {"province_code": "o.province_code", **({"org_type": "o.type"} if typed else {}),
            **{c: f"{row}.{c}" for c in key}}


def _region_out(source: str, row: str = "OLD") -> str:
    region, key, values, typed = REGIONS[source]
    org = f"(SELECT {{}} FROM ldp_organisation WHERE id = {row}.organisation_id AND {LAO})"
    match = {"province_code": org.format("province_code"),
             **({"org_type": org.format("type")} if typed else {}),
             **{c: f"{row}.{c}" for c in key}}
    return _take(region, match, {c: f"{row}.{c}" for c in values})


def _region_in(source: str, row: str = "NEW") -> str:
    region, _, values, _ = REGIONS[source]
    return _keyed_upsert(region, _region_key(row, source), {c: f"{row}.{c}" for c in values},
                         f"o.id = {row}.organisation_id AND o.{LAO}",
                         source=" FROM ldp_organisation o")


def _organisation_moved() -> list[str]:
    """An organisation changed province or type: its share leaves the old region rows and joins
    the new ones (read back from its own per-organisation rows)."""
    out = []
    for source, (region, key, values, typed) in REGIONS.items():
        own = f"(SELECT {{}} FROM {source} s WHERE s.organisation_id = OLD.id AND " + " AND ".join(
            f"s.{c} = {region}.{c}" for c in key) + ")"
        sets = ", ".join(f"{c} = {c} - coalesce({own.format(f'sum(s.{c})')}, 0)" for c in values)
        where = " AND ".join([
            "province_code = OLD.province_code", *(["org_type = OLD.type"] if typed else []),
            f"OLD.{LAO}", f"({', '.join(key)}) IN (SELECT {', '.join(key)} FROM {source} "
                          "WHERE organisation_id = OLD.id)"])
        out.append(f"UPDATE {region} SET {sets} WHERE {where}")
        out.append(_keyed_upsert(
            region, {"province_code": "NEW.province_code",
                     **({"org_type": "NEW.type"} if typed else {}), **{c: c for c in key}},
            {c: c for c in values}, f"organisation_id = NEW.id AND NEW.{LAO}",
            source=f" FROM {source}"))
    return out


# --- backfill ----------------------------------------------------------------------------------

def _backfill(sql: _SQL) -> list[str]:
    e = "ldp_enrolment"
    counted = "organisation_id IS NOT NULL"
    active, completed = sql.flag("status = 'active'"), sql.flag("status = 'completed'")
    days = sql.days("enrolled_at", "completed_at")
    people = ("(SELECT count(*) FROM ldp_tally_trainee t WHERE t.organisation_id = "
              "ldp_tally_organisation.organisation_id{})")
    return [
        f"INSERT INTO ldp_tally_organisation SELECT organisation_id, count(*), sum({completed}), "
        f"coalesce(sum(best_score), 0), count(best_score), 0, 0, 0 FROM {e} WHERE {counted} "
        f"GROUP BY organisation_id",
        f"INSERT INTO ldp_tally_course SELECT organisation_id, course_id, count(*), "
        f"sum({active}), sum({completed}), coalesce(sum(best_score), 0), count(best_score) "
        f"FROM {e} WHERE {counted} GROUP BY organisation_id, course_id",
        f"INSERT INTO ldp_tally_trainee SELECT user_id, organisation_id, count(*), "
        f"sum({active}), sum({completed}) FROM {e} WHERE {counted} "
        f"GROUP BY user_id, organisation_id",
        f"UPDATE ldp_tally_organisation SET trainees = {people.format('')}, "
        f"trainees_active = {people.format(' AND t.active > 0')}, "
        f"trainees_completed = {people.format(' AND t.completed > 0')}",
        "INSERT INTO ldp_tally_user SELECT user_id, count(*) FROM ldp_tally_trainee "
        "GROUP BY user_id",
        f"INSERT INTO ldp_tally_month SELECT organisation_id, course_id, month, sum(e), sum(c) "
        f"FROM (SELECT organisation_id, course_id, {sql.month('enrolled_at')} AS month, 1 AS e, "
        f"0 AS c FROM {e} WHERE {counted} UNION ALL SELECT organisation_id, course_id, "
        f"{sql.month('completed_at')}, 0, 1 FROM {e} WHERE {counted} "
        f"AND completed_at IS NOT NULL) AS events GROUP BY organisation_id, course_id, month",
        f"INSERT INTO ldp_tally_duration SELECT organisation_id, course_id, {days}, count(*) "
        f"FROM {e} WHERE {counted} AND completed_at IS NOT NULL "
        f"GROUP BY organisation_id, course_id, {days}",
        "INSERT INTO ldp_tally_region_month SELECT o.province_code, m.course_id, m.month, "
        "sum(m.enrolments), sum(m.completions) FROM ldp_tally_month m JOIN ldp_organisation o "
        f"ON o.id = m.organisation_id WHERE o.{LAO} GROUP BY o.province_code, m.course_id, "
        "m.month",
        "INSERT INTO ldp_tally_region_duration SELECT o.province_code, o.type, d.course_id, "
        "d.days, sum(d.completions) FROM ldp_tally_duration d JOIN ldp_organisation o "
        f"ON o.id = d.organisation_id WHERE o.{LAO} GROUP BY o.province_code, o.type, "
        "d.course_id, d.days",
    ]


# --- triggers ----------------------------------------------------------------------------------

def _trigger_specs(sql: _SQL) -> dict[str, tuple[str, list[str], list[str], list[str], str, str]]:
    moved_pg = ("OLD.province_code IS DISTINCT FROM NEW.province_code "
                "OR OLD.type IS DISTINCT FROM NEW.type")
    moved_lite = "OLD.province_code IS NOT NEW.province_code OR OLD.type IS NOT NEW.type"
    return {
        "ldp_tally_enrolment": ("ldp_enrolment", _enrolment_in(sql),
                                _enrolment_out(sql) + _enrolment_in(sql), _enrolment_out(sql),
                                ENROLMENT_COLUMNS, ""),
        "ldp_tally_people": ("ldp_tally_trainee", _people(sql, None, "NEW"),
                             _people(sql, "OLD", "NEW"), _people(sql, "OLD", None), "", ""),
        "ldp_tally_region_month": ("ldp_tally_month", [_region_in("ldp_tally_month")],
                                   [_region_out("ldp_tally_month"), _region_in("ldp_tally_month")],
                                   [_region_out("ldp_tally_month")], "", ""),
        "ldp_tally_region_duration": (
            "ldp_tally_duration", [_region_in("ldp_tally_duration")],
            [_region_out("ldp_tally_duration"), _region_in("ldp_tally_duration")],
            [_region_out("ldp_tally_duration")], "", ""),
        "ldp_tally_organisation_moved": ("ldp_organisation", [], _organisation_moved(), [],
                                         "province_code, type",
                                         moved_pg if sql.pg else moved_lite),
    }


def _create_triggers(sql: _SQL) -> list[str]:
    out = []
    for name, (table, on_insert, on_update, on_delete, columns, when) in (
            _trigger_specs(sql).items()):
        of = f" OF {columns}" if columns else ""
        if sql.pg:
            branches = [(op_, body) for op_, body in (("INSERT", on_insert),
                                                     ("UPDATE", on_update),
                                                     ("DELETE", on_delete)) if body]
            code = "".join(
                f"  {'IF' if i == 0 else 'ELSIF'} TG_OP = '{op_}' THEN\n"
                + "".join(f"    {s};\n" for s in body) for i, (op_, body) in enumerate(branches))
            out.append(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                       f"BEGIN\n{code}  END IF;\n  RETURN NULL;\nEND $$")
            events = " OR ".join(
                (f"UPDATE{of}" if op_ == "UPDATE" else op_) for op_, _ in branches)
            condition = f" WHEN ({when})" if when else ""
            out.append(f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW"
                       f"{condition} EXECUTE FUNCTION {name}()")
            continue
        for event, body in (("insert", on_insert), ("update", on_update), ("delete", on_delete)):
            if not body:
                continue
            what = f"UPDATE{of}" if event == "update" else event.upper()
            condition = f" WHEN {when}" if when and event == "update" else ""
            out.append(f"CREATE TRIGGER {name}_{event} AFTER {what} ON {table} FOR EACH ROW"
                       f"{condition} BEGIN\n" + "".join(f"  {s};\n" for s in body) + "END")
    return out


def _drop_triggers(sql: _SQL) -> list[str]:
    out = []
    for name, (table, on_insert, on_update, on_delete, _, _) in _trigger_specs(sql).items():
        if sql.pg:
            out += [f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()"]
            continue
        for event, body in (("insert", on_insert), ("update", on_update), ("delete", on_delete)):
            if body:
                out.append(f"DROP TRIGGER {name}_{event}")
    return out


TABLES = ('ldp_tally_organisation', 'ldp_tally_course', 'ldp_tally_trainee', 'ldp_tally_user',
          'ldp_tally_month', 'ldp_tally_duration', 'ldp_tally_region_month',
          'ldp_tally_region_duration')


def upgrade() -> None:
    op.create_table('ldp_tally_organisation',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('enrolments', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('best_score_sum', sa.Double(), nullable=False),
    sa.Column('best_score_count', sa.Integer(), nullable=False),
    sa.Column('trainees', sa.Integer(), nullable=False),
    sa.Column('trainees_active', sa.Integer(), nullable=False),
    sa.Column('trainees_completed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_ldp_tally_organisation'))
    )
    op.create_table('ldp_tally_course',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('enrolments', sa.Integer(), nullable=False),
    sa.Column('active', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('best_score_sum', sa.Double(), nullable=False),
    sa.Column('best_score_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('organisation_id', 'course_id', name=op.f('pk_ldp_tally_course'))
    )
    op.create_table('ldp_tally_trainee',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('enrolments', sa.Integer(), nullable=False),
    sa.Column('active', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'organisation_id', name=op.f('pk_ldp_tally_trainee'))
    )
    op.create_table('ldp_tally_user',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisations', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_ldp_tally_user'))
    )
    op.create_index(op.f('ix_ldp_tally_user_organisations'), 'ldp_tally_user',
                    ['organisations'], unique=False)
    op.create_table('ldp_tally_month',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('enrolments', sa.Integer(), nullable=False),
    sa.Column('completions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('organisation_id', 'course_id', 'month',
                            name=op.f('pk_ldp_tally_month'))
    )
    op.create_table('ldp_tally_duration',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('completions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('organisation_id', 'course_id', 'days',
                            name=op.f('pk_ldp_tally_duration'))
    )
    op.create_table('ldp_tally_region_month',
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('enrolments', sa.Integer(), nullable=False),
    sa.Column('completions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('province_code', 'course_id', 'month',
                            name=op.f('pk_ldp_tally_region_month'))
    )
    op.create_table('ldp_tally_region_duration',
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('org_type', sa.String(length=32), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('completions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('province_code', 'org_type', 'course_id', 'days',
                            name=op.f('pk_ldp_tally_region_duration'))
    )
    with op.batch_alter_table('ldp_certificate', schema=None) as batch_op:
        batch_op.create_index('ix_ldp_certificate_report', ['status', 'kind', 'organisation_id',
                              'user_id', 'course_id', 'issued_at', 'expires_at'], unique=False)
    sql = _SQL(op.get_bind().dialect.name)
    for statement in _backfill(sql) + _create_triggers(sql):
        op.execute(sa.text(statement))


def downgrade() -> None:
    for statement in _drop_triggers(_SQL(op.get_bind().dialect.name)):
        op.execute(sa.text(statement))
    op.drop_index(op.f('ix_ldp_tally_user_organisations'), table_name='ldp_tally_user')
    with op.batch_alter_table('ldp_certificate', schema=None) as batch_op:
        batch_op.drop_index('ix_ldp_certificate_report')
    for table in reversed(TABLES):
        op.drop_table(table)
