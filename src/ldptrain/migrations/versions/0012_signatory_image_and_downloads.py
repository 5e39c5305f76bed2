"""per-course signature image, downloads made by background jobs

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

Issue #12:
- ldp_course.signatory_image: course.md's `signatory: {image: ...}`, the path of one of the
  course's files (the name and titles came in 0007). Added in place with a server default (a
  batch copy of ldp_course would drop 0006's triggers).
- ldp_download: a file a background job made for the person who asked for it (an organisation's
  certificates as a ZIP), kept until it is fetched or too old.
"""
from alembic import op
import sqlalchemy as sa

from ldptrain.db import UTCDateTime

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('ldp_course', sa.Column('signatory_image', sa.String(length=500),
                                          nullable=False, server_default=''))
    op.create_table(
        'ldp_download',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('job_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('media_type', sa.String(length=100), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('items', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('ready_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ldp_user.id'],
                                name=op.f('fk_ldp_download_user_id_ldp_user'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['ldp_organisation.id'],
                                name=op.f('fk_ldp_download_organisation_id_ldp_organisation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['job_id'], ['ldp_job.id'],
                                name=op.f('fk_ldp_download_job_id_ldp_job'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ldp_download')),
    )
    op.create_index(op.f('ix_ldp_download_user_id'), 'ldp_download', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ldp_download_user_id'), table_name='ldp_download')
    op.drop_table('ldp_download')
    op.drop_column('ldp_course', 'signatory_image')
