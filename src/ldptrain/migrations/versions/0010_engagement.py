"""engagement: time on each module, a course's minimum-time rule, a workshop's hours

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

ldp_module_progress.seconds_spent: time on the module measured on the server from page views and
heartbeats (services/engagement.py). ldp_course.min_time_percent: the course's
`completion: {min_time: N%}` (0 = no rule). ldp_workshop.hours: printed on blended certificates.
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (NOT NULL with a server default), no batch copy: SQLite adds the columns
    # in place, keeping ldp_course's outline-stamp triggers and the foreign keys pointing at it.
    op.add_column('ldp_module_progress', sa.Column('seconds_spent', sa.Integer(),
                                                   nullable=False, server_default='0'))
    op.add_column('ldp_course', sa.Column('min_time_percent', sa.Integer(),
                                          nullable=False, server_default='0'))
    op.add_column('ldp_workshop', sa.Column('hours', sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ldp_workshop') as batch:
        batch.drop_column('hours')
    op.drop_column('ldp_course', 'min_time_percent')
    op.drop_column('ldp_module_progress', 'seconds_spent')
