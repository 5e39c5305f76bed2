"""certificate templates per course

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02

Issue #19: ldp_certificate_template holds each course's draft certificate template (HTML/CSS)
and every published one, never changed once published: certificates name the one they use.
"""
from alembic import op
import sqlalchemy as sa

from ldptrain.db import UTCDateTime

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ldp_certificate_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('html', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.Column('published_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['course_id'], ['ldp_course.id'],
                                name=op.f('fk_ldp_certificate_template_course_id_ldp_course'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['ldp_user.id'],
                                name=op.f('fk_ldp_certificate_template_author_id_ldp_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ldp_certificate_template')),
    )
    op.create_index('ix_ldp_certificate_template_course_state', 'ldp_certificate_template',
                    ['course_id', 'state'])


def downgrade() -> None:
    op.drop_index('ix_ldp_certificate_template_course_state',
                  table_name='ldp_certificate_template')
    op.drop_table('ldp_certificate_template')
