"""Saved offers; contact requests sent by seekers (applications from the offer page).

Revision ID: 0005
Revises: 0004 (written as 0003 on the pages branch; re-chained after the inbox's 0004, which
main already had, so databases at 0004 get it too)
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table('saved_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'offer_id')
    )
    with op.batch_alter_table('saved_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_offers_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('contact_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('initiated_by', sa.String(length=20), nullable=False,
                                      server_default='employer'))


def downgrade() -> None:
    with op.batch_alter_table('contact_requests', schema=None) as batch_op:
        batch_op.drop_column('initiated_by')
    with op.batch_alter_table('saved_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_offers_user_id'))
    op.drop_table('saved_offers')
