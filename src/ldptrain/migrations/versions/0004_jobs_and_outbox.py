"""background jobs and the mail outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Jobs and outgoing messages are kept in the main database so admins see failures from any host
(the queue itself may be a SQLite file or Redis) and a message is stored in the same transaction
as the change that caused it.
"""
from alembic import op
import sqlalchemy as sa
import ldptrain.db
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ldp_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('args', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', ldptrain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', ldptrain.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', ldptrain.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', ldptrain.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ldp_job'))
    )
    with op.batch_alter_table('ldp_job', schema=None) as batch_op:
        batch_op.create_index('ix_ldp_job_state_created', ['state', 'created_at'], unique=False)

    op.create_table('ldp_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', ldptrain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', ldptrain.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ldp_user.id'], name=op.f('fk_ldp_outbox_user_id_ldp_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ldp_outbox'))
    )
    with op.batch_alter_table('ldp_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_ldp_outbox_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ldp_outbox_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_table('ldp_outbox')
    op.drop_table('ldp_job')
