"""gap-list reminders to coordinators (ldp_gap_reminder)

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-02

One row per organisation per Thai calendar day whose coordinators were reminded that it shows on
a dashboard gap list (issue #18); the unique key keeps a second reminder the same day out, even
when two officers ask at once.
"""
from alembic import op
import sqlalchemy as sa

from ldptrain.db import UTCDateTime

revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ldp_gap_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('gap', sa.String(length=32), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('messages', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['ldp_organisation.id'],
                                name=op.f('fk_ldp_gap_reminder_organisation_id_ldp_organisation')),
        sa.ForeignKeyConstraint(['course_id'], ['ldp_course.id'],
                                name=op.f('fk_ldp_gap_reminder_course_id_ldp_course')),
        sa.ForeignKeyConstraint(['actor_id'], ['ldp_user.id'],
                                name=op.f('fk_ldp_gap_reminder_actor_id_ldp_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ldp_gap_reminder')),
        sa.UniqueConstraint('organisation_id', 'day',
                            name=op.f('uq_ldp_gap_reminder_organisation_id_day')),
    )


def downgrade() -> None:
    op.drop_table('ldp_gap_reminder')
