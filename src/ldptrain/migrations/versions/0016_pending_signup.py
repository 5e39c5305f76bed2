"""sign-ups waiting for e-mail confirmation (ldp_pending_signup)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02

Issue #13: with a mail server configured, sign-up answers the same for a new and a registered
address; the account is created only when the link in the confirmation e-mail is used.
"""
from alembic import op
import sqlalchemy as sa

from ldptrain.db import UTCDateTime

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ldp_pending_signup',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('password_hash', sa.String(length=255), nullable=False),
        sa.Column('name_th', sa.String(length=200), nullable=False),
        sa.Column('name_en', sa.String(length=200), nullable=False),
        sa.Column('position', sa.String(length=200), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('privacy_version', sa.String(length=20), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['ldp_organisation.id'],
                                name=op.f('fk_ldp_pending_signup_organisation_id_ldp_organisation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ldp_pending_signup')),
    )
    op.create_index(op.f('ix_ldp_pending_signup_email'), 'ldp_pending_signup', ['email'])
    op.create_index(op.f('ix_ldp_pending_signup_created_at'), 'ldp_pending_signup',
                    ['created_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_ldp_pending_signup_created_at'), table_name='ldp_pending_signup')
    op.drop_index(op.f('ix_ldp_pending_signup_email'), table_name='ldp_pending_signup')
    op.drop_table('ldp_pending_signup')
