"""a course's outline stamp: new whenever its row, modules or module versions change

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Workers remember a course's outline (its modules in order, their titles and versions) and the
module pages built from it, keyed by this stamp, which the module page reads with the trainee's
progress in one query. The ORM gives the course a new stamp in the flush that changes it
(models/course.py); existing courses get one each here.
"""
import uuid

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL with a server default: SQLite can then add the column in place (a batch copy of
    # ldp_course would trip the foreign keys that point at it).
    op.add_column('ldp_course', sa.Column('outline_stamp', sa.String(length=32),
                                          nullable=False, server_default=''))
    course = sa.table('ldp_course', sa.column('id', sa.Integer),
                      sa.column('outline_stamp', sa.String))
    bind = op.get_bind()
    for (course_id,) in bind.execute(sa.select(course.c.id)).all():
        bind.execute(course.update().where(course.c.id == course_id)
                     .values(outline_stamp=uuid.uuid4().hex))


def downgrade() -> None:
    op.drop_column('ldp_course', 'outline_stamp')
