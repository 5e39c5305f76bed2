"""per-account sign-in lockout (ldp_signin_failures)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

Failed sign-ins in a row per account and until when the account refuses passwords (after 5
failures a minute, doubling, capped): guessing one account's password from many addresses is
slowed down however the per-address limits are sized.
"""
from alembic import op
import sqlalchemy as sa

from ldptrain.db import UTCDateTime

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ldp_signin_failures',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_until', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ldp_user.id'],
                                name=op.f('fk_ldp_signin_failures_user_id_ldp_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_ldp_signin_failures')),
    )


def downgrade() -> None:
    op.drop_table('ldp_signin_failures')
