"""server-side sign-in sessions (ldp_session)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

One row per sign-in, looked up by the SHA-256 of the browser's secret: sign-out, a password
change and "sign out everywhere" end rows, so a copied cookie stops working. Sessions from before
this revision were identified by the user's session_token and are not carried over: everyone
signs in once more after the upgrade.
"""
from alembic import op
import sqlalchemy as sa

from ldptrain.db import UTCDateTime

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ldp_session',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('ended_at', UTCDateTime(), nullable=True),
        sa.Column('remember', sa.Boolean(), nullable=False),
        sa.Column('user_agent', sa.String(length=100), nullable=False),
        sa.Column('ip', sa.String(length=45), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ldp_user.id'],
                                name=op.f('fk_ldp_session_user_id_ldp_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ldp_session')),
    )
    op.create_index(op.f('ix_ldp_session_user_id'), 'ldp_session', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ldp_session_user_id'), table_name='ldp_session')
    op.drop_table('ldp_session')
