"""a course's outline stamp renewed by triggers, on every write path

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

Until now the ORM renewed Course.outline_stamp in a before_flush hook on SQLAlchemy's global
Session class: a Core UPDATE (a script, a bulk fix) left the stamp as it was, so workers kept
serving the old module pages, and the hook ran on every session of a host application. Now the
database renews it, in the same statement as the change, whoever writes:

    ldp_course          INSERT, or UPDATE that leaves the stamp as it was  -> new stamp
    ldp_module          INSERT, UPDATE, DELETE                             -> its course's
    ldp_module_version  INSERT, UPDATE, DELETE                             -> its module's course's

An UPDATE that sets the stamp itself keeps the value it sets. The SQL is written out here, per
dialect, so this revision stays what it was when later code moves.
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# 32 random hex digits, as uuid4().hex gave (the stamp only has to differ from every earlier one).
NEW_STAMP = {"sqlite": "lower(hex(randomblob(16)))",
             "postgresql": "md5(random()::text || clock_timestamp()::text)"}
OF_MODULE = "SELECT course_id FROM ldp_module WHERE id = {row}.module_id"
# (table, rows whose course to renew, as SQL naming OLD/NEW)
CHILDREN = {
    "ldp_module": "{row}.course_id",
    "ldp_module_version": f"({OF_MODULE})",
}


def _renew(stamp: str, course: str) -> str:
    return f"UPDATE ldp_course SET outline_stamp = {stamp} WHERE id = {course}"


def _sqlite() -> list[str]:
    stamp = NEW_STAMP["sqlite"]
    out = [
        # AFTER: SQLite triggers cannot change NEW. The inner UPDATE changes the stamp, so it
        # does not fire this trigger again (nor would recursion: recursive_triggers is off).
        "CREATE TRIGGER ldp_outline_course_insert AFTER INSERT ON ldp_course FOR EACH ROW "
        f"BEGIN {_renew(stamp, 'NEW.id')}; END",
        "CREATE TRIGGER ldp_outline_course_update AFTER UPDATE ON ldp_course FOR EACH ROW "
        "WHEN OLD.outline_stamp IS NEW.outline_stamp "
        f"BEGIN {_renew(stamp, 'NEW.id')}; END",
    ]
    for table, course in CHILDREN.items():
        for event, rows in (("insert", ("NEW",)), ("update", ("OLD", "NEW")),
                            ("delete", ("OLD",))):
            body = "".join(f"{_renew(stamp, course.format(row=row))}; " for row in rows)
            out.append(f"CREATE TRIGGER ldp_outline_{table[4:]}_{event} AFTER {event.upper()} "
                       f"ON {table} FOR EACH ROW BEGIN {body}END")
    return out


def _postgresql() -> list[str]:
    stamp = NEW_STAMP["postgresql"]
    out = [
        # BEFORE: the new stamp goes into the row being written, no second UPDATE.
        "CREATE FUNCTION ldp_outline_course() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  IF TG_OP = 'INSERT' THEN\n"
        f"    NEW.outline_stamp := {stamp};\n"
        "  ELSIF NEW.outline_stamp IS NOT DISTINCT FROM OLD.outline_stamp THEN\n"
        f"    NEW.outline_stamp := {stamp};\n"
        "  END IF;\n"
        "  RETURN NEW;\n"
        "END $$",
        "CREATE TRIGGER ldp_outline_course BEFORE INSERT OR UPDATE ON ldp_course "
        "FOR EACH ROW EXECUTE FUNCTION ldp_outline_course()",
    ]
    for table, course in CHILDREN.items():
        name = f"ldp_outline_{table[4:]}"
        out.append(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            "  IF TG_OP <> 'INSERT' THEN\n"
            f"    {_renew(stamp, course.format(row='OLD'))};\n"
            "  END IF;\n"
            "  IF TG_OP <> 'DELETE' THEN\n"
            f"    {_renew(stamp, course.format(row='NEW'))};\n"
            "  END IF;\n"
            "  RETURN NULL;\n"
            "END $$")
        out.append(f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {name}()")
    return out


def _drop(dialect: str) -> list[str]:
    if dialect == "postgresql":
        names = ["ldp_outline_course", *(f"ldp_outline_{t[4:]}" for t in CHILDREN)]
        tables = ["ldp_course", *CHILDREN]
        return [s for name, table in zip(names, tables)
                for s in (f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()")]
    return ["DROP TRIGGER ldp_outline_course_insert", "DROP TRIGGER ldp_outline_course_update",
            *(f"DROP TRIGGER ldp_outline_{t[4:]}_{event}" for t in CHILDREN
              for event in ("insert", "update", "delete"))]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _postgresql() if dialect == "postgresql" else _sqlite():
        op.execute(sa.text(statement))


def downgrade() -> None:
    for statement in _drop(op.get_bind().dialect.name):
        op.execute(sa.text(statement))
