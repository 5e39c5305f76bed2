"""trainer assignments, revocation reason codes, audit origin, per-course signatory

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

- ldp_trainer_assignment: which courses a trainer may record workshop completion for, optionally
  per province (issue 12). Existing trainers get no rows: until an admin assigns them, only
  admins record workshops (fail closed).
- ldp_certificate.revoked_reason_code: the reason the public verify page shows; the free-text
  note (revoked_reason) stays internal. Past revocations get "" (shown as "other").
- ldp_audit_event.ip: where an audited action came from.
- ldp_course.signatory_*: course.md's `signatory:` override.

Columns are added NOT NULL with a server default so SQLite adds them in place (a batch copy of
ldp_course would drop the outline-stamp triggers of 0006 and trip the foreign keys).
"""
from alembic import op
import sqlalchemy as sa

from ldptrain.db import UTCDateTime

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ldp_trainer_assignment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('province_code', sa.String(length=2), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ldp_user.id'],
                                name=op.f('fk_ldp_trainer_assignment_user_id_ldp_user'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['course_id'], ['ldp_course.id'],
                                name=op.f('fk_ldp_trainer_assignment_course_id_ldp_course'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['province_code'], ['ldp_province.code'],
                                name=op.f('fk_ldp_trainer_assignment_province_code_ldp_province')),
        sa.ForeignKeyConstraint(['created_by_id'], ['ldp_user.id'],
                                name=op.f('fk_ldp_trainer_assignment_created_by_id_ldp_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ldp_trainer_assignment')),
        sa.UniqueConstraint('user_id', 'course_id', 'province_code',
                            name=op.f('uq_ldp_trainer_assignment_user_id_course_id_province_code')),
    )
    op.create_index(op.f('ix_ldp_trainer_assignment_user_id'), 'ldp_trainer_assignment',
                    ['user_id'], unique=False)
    op.add_column('ldp_certificate', sa.Column('revoked_reason_code', sa.String(length=32),
                                               nullable=False, server_default=''))
    op.add_column('ldp_audit_event', sa.Column('ip', sa.String(length=45), nullable=False,
                                               server_default=''))
    for name, length in (('signatory_name', 200), ('signatory_title_th', 300),
                         ('signatory_title_en', 300)):
        op.add_column('ldp_course', sa.Column(name, sa.String(length=length), nullable=False,
                                              server_default=''))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a batch copy of ldp_course would
    # break 0006's triggers and the foreign keys that point at it.
    for name in ('signatory_title_en', 'signatory_title_th', 'signatory_name'):
        op.drop_column('ldp_course', name)
    op.drop_column('ldp_audit_event', 'ip')
    op.drop_column('ldp_certificate', 'revoked_reason_code')
    op.drop_index(op.f('ix_ldp_trainer_assignment_user_id'), table_name='ldp_trainer_assignment')
    op.drop_table('ldp_trainer_assignment')
