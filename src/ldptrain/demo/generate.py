"""Synthetic national-scale demo data: organisations, trainees and 24 months of learning.

``generate(conn, orgs=7850, trainees=100_000, seed=1)`` adds to the database behind ``conn`` (in the
caller's transaction) a register of LAOs of every type in every province in the real proportions,
DLA offices with their staff, trainees with Thai names and positions, and their enrolments in the
imported courses: module progress, assessment attempts with answers, completions, and certificates
shaped, numbered and signed like the certificates service's. The same seed and ``as_of`` give the
same rows (session tokens excepted: they stay secret).

Speed: no ORM objects. Primary keys are assigned here so children point at parents without a round
trip; rows go out in chunks (PostgreSQL: COPY; SQLite: executemany with the columns' own bind
processors); sequences are moved past the ids at the end. Counters the models keep (certificate
serial counters, users' current organisation, enrolments' best score and last module) are written
consistent with the rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, func, select, text

from ..models import (
    AssessmentAttempt,
    AttemptAnswer,
    AuditEvent,
    Certificate,
    Enrolment,
    Membership,
    ModuleProgress,
    Organisation,
    Province,
    RoleAssignment,
    SerialCounter,
    User,
)
from ..resources import DATA
from ..thai import nfc
from .learning import CertSettings, Json, load_catalogue, load_programmes, table_of
from .world import World

__all__ = ["CertSettings", "DemoError", "DemoReport", "generate"]

EMAIL_DOMAIN = "demo.example"  # a reserved name: demo accounts can never receive mail
CHUNK = 5000


class DemoError(RuntimeError):
    pass


@dataclass
class DemoReport:
    organisations: int = 0
    trainees: int = 0
    staff: int = 0
    enrolments: int = 0
    module_progress: int = 0
    attempts: int = 0
    answers: int = 0
    completions: int = 0
    certificates: int = 0
    seconds: float = 0.0
    counts_by_type: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [f"{k}: {v:,}" if isinstance(v, int) else f"{k}: {v}"
                for k, v in self.__dict__.items()]


# --- writing ------------------------------------------------------------------------------------
ORDER: tuple[Table, ...] = tuple(table_of(m) for m in (
    Organisation, User, RoleAssignment, Membership, Enrolment, ModuleProgress, AssessmentAttempt,
    AttemptAnswer, Certificate, AuditEvent))


class Writer:
    """Buffers rows per table and writes them parents first, so foreign keys hold at every flush."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.copy = conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"
        self.buffers: dict[Table, list[dict[str, Any]]] = {t: [] for t in ORDER}
        self.pending = 0
        self.written: dict[str, int] = defaultdict(int)
        self.next_id = {t: (conn.scalar(select(func.max(t.c.id))) or 0) + 1 for t in ORDER}
        self.json_cols = {t: {c.name for c in t.columns if "JSON" in type(c.type).__name__
                              or "JSON" in repr(c.type)} for t in ORDER}

    def maybe_flush(self) -> None:
        if self.pending >= 4 * CHUNK:
            self.flush()

    def new_id(self, table: Table) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def add(self, table: Table, row: dict[str, Any]) -> None:
        # No flush here: a trainee's rows go out together, after the user row they point at.
        self.buffers[table].append(row)
        self.pending += 1

    def flush(self) -> None:
        for table in ORDER:
            rows = self.buffers[table]
            if not rows:
                continue
            self._defaults(table, rows)
            if self.copy:
                self._copy(table, rows)
            elif self.conn.dialect.name == "sqlite":
                self._sqlite(table, rows)
            else:
                for row in rows:  # Core serialises JSON itself
                    for key in self.json_cols[table]:
                        if isinstance(row.get(key), Json):
                            row[key] = json.loads(row[key])
                for start in range(0, len(rows), CHUNK):
                    self.conn.execute(table.insert(), rows[start:start + CHUNK])
            self.written[table.name] += len(rows)
            self.buffers[table] = []
        self.pending = 0

    @staticmethod
    def _defaults(table: Table, rows: list[dict[str, Any]]) -> None:
        """Columns this module does not set get the model's Python default (COPY and raw
        inserts skip them), so a column added to a model later does not break the generator."""
        for column in table.columns:
            if column.name in rows[0] or column.primary_key:
                continue
            default = column.default
            if default is None:
                make = lambda: None  # noqa: E731
            elif getattr(default, "is_scalar", False):
                make = lambda v=default.arg: v  # type: ignore[attr-defined,misc]  # noqa: E731
            else:
                make = lambda f=default.arg: f(None)  # type: ignore[attr-defined,misc]  # noqa: E731
            for row in rows:
                row[column.name] = make()

    def _sqlite(self, table: Table, rows: list[dict[str, Any]]) -> None:
        # The columns' own bind processors (same stored format as Core), without Core's
        # per-row statement compilation, which costs more than SQLite itself here.
        columns = list(rows[0])
        dialect = self.conn.dialect
        procs = [(i, _memo(p)) for i, p in enumerate(
            _bind_processor(table.c[c], dialect) if c not in self.json_cols[table]
            else _json_processor(table.c[c], dialect) for c in columns) if p is not None]
        sql = (f'INSERT INTO {table.name} ({", ".join(columns)}) '
               f'VALUES ({", ".join("?" * len(columns))})')
        for start in range(0, len(rows), CHUNK):
            batch = []
            for row in rows[start:start + CHUNK]:
                values = list(row.values())
                for i, process in procs:
                    if values[i] is not None:
                        values[i] = process(values[i])
                batch.append(tuple(values))
            self.conn.exec_driver_sql(sql, batch)

    def _copy(self, table: Table, rows: list[dict[str, Any]]) -> None:
        columns = list(rows[0])
        as_json = [c in self.json_cols[table] for c in columns]
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(  # type: ignore[union-attr]
            f'COPY {table.name} ({", ".join(columns)}) FROM STDIN'
        ) as copy:
            for row in rows:
                copy.write_row([
                    v if not j or v is None or isinstance(v, Json)
                    else json.dumps(v, ensure_ascii=False)
                    for v, j in zip(row.values(), as_json, strict=True)])

    def finish(self) -> None:
        self.flush()
        if self.conn.dialect.name == "postgresql":
            for table in ORDER:  # explicit ids do not move the sequences: move them
                self.conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))


def _memo(process: Any) -> Any:
    """A bind processor remembering its last value: an attempt's answers share one timestamp."""
    if process is None:
        return None
    last: list[Any] = [object(), None]

    def cached(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]
    return cached


def _bind_processor(column: Any, dialect: Any) -> Any:
    """How Core would convert a value of the column for the driver (SQLAlchemy's public API)."""
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _json_processor(column: Any, dialect: Any) -> Any:
    process = _bind_processor(column, dialect)
    return lambda v: v if isinstance(v, Json) else process(v)


def _vocabulary() -> dict[str, list[tuple[str, str]]]:
    words: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with (DATA / "demo_vocabulary.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            words[row["kind"]].append((nfc(row["th"]), row["en"]))
    return words


def _ensure_provinces(conn: Connection) -> list[dict[str, str]]:
    table = table_of(Province)
    with (DATA / "provinces.csv").open(encoding="utf-8", newline="") as fh:
        rows = [{k: nfc(v) for k, v in r.items()} for r in csv.DictReader(fh)]
    have = set(conn.scalars(select(table.c.code)))
    missing = [r for r in rows if r["code"] not in have]
    if missing:
        conn.execute(table.insert(), missing)
    return rows


def generate(conn: Connection, *, orgs: int = 7850, trainees: int = 100_000, seed: int = 1,
             as_of: dt.datetime | None = None, answers: bool = True,
             certificates: CertSettings | None = None, privacy_version: str = "") -> DemoReport:
    """Fill the database behind ``conn`` with synthetic data; the caller commits.

    ``orgs`` counts LAOs (those already in the register included); DLA offices (head office and
    one per province) come on top. ``as_of`` (default: today 00:00 UTC) ends the 24-month window,
    so a seed and a date reproduce the same rows. Raises DemoError when demo data is already
    present or no course has been imported.
    """
    started = time.perf_counter()
    if orgs < 7:
        raise DemoError("--orgs must be at least 7 (one organisation of each LAO type)")
    if trainees < 1:
        raise DemoError("--trainees must be at least 1")
    users = table_of(User)
    if conn.scalar(select(func.count()).select_from(users)
                   .where(users.c.email.like(f"%@{EMAIL_DOMAIN}"))):
        raise DemoError("this database already holds demo data; use an empty database")
    courses = load_catalogue(conn)
    if not courses:
        raise DemoError("no courses in the database: import the bundled courses first")
    if as_of is None:
        as_of = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    writer = Writer(conn)
    world = World(rng=random.Random(seed), writer=writer, as_of=as_of, words=_vocabulary(),
                  provinces=_ensure_provinces(conn), courses=courses,
                  programmes=load_programmes(conn), answers=answers,
                  privacy_version=privacy_version, email_domain=EMAIL_DOMAIN)
    report = DemoReport(counts_by_type=world.make_organisations(conn, orgs))
    report.staff = world.make_staff()
    world.make_trainees(trainees)
    report.certificates, serials = world.make_certificates(conn, certificates or CertSettings())
    writer.add(table_of(AuditEvent), {
        "id": writer.new_id(table_of(AuditEvent)), "at": as_of, "actor_id": None,
        "action": "demo.generate", "target_type": "", "target_id": "", "organisation_id": None,
        "details": {"seed": seed, "orgs": orgs, "trainees": trainees,
                    "as_of": as_of.isoformat()}})
    writer.finish()
    _store_counters(conn, serials)
    written = writer.written
    report.organisations = written["ldp_organisation"]
    report.trainees = trainees
    report.enrolments = written["ldp_enrolment"]
    report.module_progress = written["ldp_module_progress"]
    report.attempts = written["ldp_assessment_attempt"]
    report.answers = written["ldp_attempt_answer"]
    report.completions = world.completions
    report.seconds = round(time.perf_counter() - started, 1)
    return report


def _store_counters(conn: Connection, serials: dict[str, int]) -> None:
    """Serial counters end at the highest number issued, so live issuing continues after them."""
    table = table_of(SerialCounter)
    have = {r.series: r.last_value for r in conn.execute(select(table))}
    for series, last in sorted(serials.items()):
        if series in have:
            conn.execute(table.update().where(table.c.series == series)
                         .values(last_value=max(last, have[series])))
        else:
            conn.execute(table.insert().values(series=series, last_value=last))
