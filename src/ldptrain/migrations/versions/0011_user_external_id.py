"""ldp_user.external_id: the host's stable id of a person, in host identity mode

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28

Issue #20: mounted in a host that signs its own people in, ldptrain links each host user to an
ldptrain account by the host's id (a string, unique, null for ldptrain's own accounts).
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A column and a unique index: both native on SQLite, no table rebuild (ldp_user is
    # referenced by most tables).
    op.add_column('ldp_user', sa.Column('external_id', sa.String(length=200), nullable=True))
    op.create_index(op.f('ix_ldp_user_external_id'), 'ldp_user', ['external_id'], unique=True)


def downgrade() -> None:
    op.drop_index(op.f('ix_ldp_user_external_id'), table_name='ldp_user')
    op.drop_column('ldp_user', 'external_id')
