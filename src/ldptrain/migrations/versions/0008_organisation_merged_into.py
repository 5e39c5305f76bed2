"""an organisation merged into a successor: merged_into_id and merged_on

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

LAOs merge over time; the merged one stays (inactive) with its history and names its successor.
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

FK = 'fk_ldp_organisation_merged_into_id_ldp_organisation'


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a nullable column with its REFERENCES in place; a batch copy of
        # ldp_organisation would trip the many foreign keys that point at it.
        op.execute(f'ALTER TABLE ldp_organisation ADD COLUMN merged_into_id INTEGER '
                   f'CONSTRAINT {FK} REFERENCES ldp_organisation (id)')
    else:
        op.add_column('ldp_organisation', sa.Column('merged_into_id', sa.Integer(),
                                                    nullable=True))
        op.create_foreign_key(FK, 'ldp_organisation', 'ldp_organisation',
                              ['merged_into_id'], ['id'])
    op.add_column('ldp_organisation', sa.Column('merged_on', sa.Date(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # In place (SQLite >= 3.35): a batch copy would drop the tally triggers on the table.
        op.execute('ALTER TABLE ldp_organisation DROP COLUMN merged_on')
        op.execute('ALTER TABLE ldp_organisation DROP COLUMN merged_into_id')
        return
    op.drop_constraint(FK, 'ldp_organisation', type_='foreignkey')
    op.drop_column('ldp_organisation', 'merged_on')
    op.drop_column('ldp_organisation', 'merged_into_id')
