"""content drafts and publications: browser authoring

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

Issue #19: ldp_content_draft holds the one shared draft of each course file (course + export
path) with a revision counter for optimistic locking and the published text it started from;
ldp_content_publication records who published a text from the browser (a draft or a restore).
Version rows already keep each published text and its time, so file imports need nothing new.
"""
from alembic import op
import sqlalchemy as sa

from ldptrain.db import UTCDateTime

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ldp_content_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('base_hash', sa.String(length=64), nullable=False),
        sa.Column('base_version', sa.Integer(), nullable=True),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['ldp_course.id'],
                                name=op.f('fk_ldp_content_draft_course_id_ldp_course'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['ldp_user.id'],
                                name=op.f('fk_ldp_content_draft_author_id_ldp_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ldp_content_draft')),
        sa.UniqueConstraint('course_id', 'path',
                            name=op.f('uq_ldp_content_draft_course_id_path')),
    )
    op.create_table(
        'ldp_content_publication',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('origin', sa.String(length=16), nullable=False),
        sa.Column('module_version_id', sa.Integer(), nullable=True),
        sa.Column('assessment_version_id', sa.Integer(), nullable=True),
        sa.Column('restored_from', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['ldp_course.id'],
                                name=op.f('fk_ldp_content_publication_course_id_ldp_course'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['module_version_id'], ['ldp_module_version.id'],
            name=op.f('fk_ldp_content_publication_module_version_id_ldp_module_version')),
        sa.ForeignKeyConstraint(
            ['assessment_version_id'], ['ldp_assessment_version.id'],
            name=op.f('fk_ldp_content_publication_assessment_version_id_ldp_assessment_version')),
        sa.ForeignKeyConstraint(['author_id'], ['ldp_user.id'],
                                name=op.f('fk_ldp_content_publication_author_id_ldp_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ldp_content_publication')),
    )
    op.create_index('ix_ldp_content_publication_course_path', 'ldp_content_publication',
                    ['course_id', 'path'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ldp_content_publication_course_path',
                  table_name='ldp_content_publication')
    op.drop_table('ldp_content_publication')
    op.drop_table('ldp_content_draft')
