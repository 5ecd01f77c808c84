"""The counsellors' inbox (issue 15): messages, their triage, confirmations and corrections,
replies, classifier versions, and the employers a counsellor follows.

Revision ID: 0004
Revises: 0002 (0005, saved offers and applications, follows it)
Create Date: 2026-12-01 01:49:32.905526
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0002'
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table('counsellor_employers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counsellor_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['counsellor_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['employer_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('counsellor_id', 'employer_id')
    )
    with op.batch_alter_table('counsellor_employers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counsellor_employers_counsellor_id'), ['counsellor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counsellor_employers_employer_id'), ['employer_id'], unique=False)

    op.create_table('inbox_classifier_versions',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('trained_on', sa.Integer(), nullable=False),
    sa.Column('corrections', sa.Integer(), nullable=False),
    sa.Column('message_ids', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('version')
    )
    op.create_table('inbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counsellor_id', sa.Integer(), nullable=True),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('sender_role', sa.String(length=20), nullable=False),
    sa.Column('sender_address', sa.String(length=254), nullable=False),
    sa.Column('sender_name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('external_id', sa.String(length=300), nullable=True),
    sa.Column('source_file', sa.String(length=500), nullable=True),
    sa.Column('source_position', sa.Integer(), nullable=True),
    sa.Column('attachments', sa.Integer(), nullable=False),
    sa.Column('warning', sa.Text(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['counsellor_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('fingerprint')
    )
    with op.batch_alter_table('inbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_messages_counsellor_id'), ['counsellor_id'], unique=False)
        batch_op.create_index('ix_inbox_messages_counsellor_status', ['counsellor_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbox_messages_sender_id'), ['sender_id'], unique=False)

    op.create_table('inbox_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('intent', sa.String(length=40), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('link_kind', sa.String(length=20), nullable=True),
    sa.Column('link_id', sa.String(length=120), nullable=True),
    sa.Column('changed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['inbox_messages.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inbox_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_corrections_message_id'), ['message_id'], unique=False)

    op.create_table('inbox_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=120), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('template_intent', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['inbox_messages.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inbox_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_replies_message_id'), ['message_id'], unique=False)

    op.create_table('inbox_triages',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('model_version', sa.Integer(), nullable=False),
    sa.Column('triaged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('predicted_intent', sa.String(length=40), nullable=False),
    sa.Column('intent_confidence', sa.Double(), nullable=False),
    sa.Column('predicted_urgency', sa.String(length=10), nullable=False),
    sa.Column('urgency_confidence', sa.Double(), nullable=False),
    sa.Column('urgency_reasons', sa.JSON(), nullable=False),
    sa.Column('entities', sa.JSON(), nullable=False),
    sa.Column('proposals', sa.JSON(), nullable=False),
    sa.Column('intent', sa.String(length=40), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('urgency_rank', sa.Integer(), nullable=False),
    sa.Column('link_kind', sa.String(length=20), nullable=True),
    sa.Column('link_id', sa.String(length=120), nullable=True),
    sa.Column('link_confidence', sa.Double(), nullable=True),
    sa.Column('link_reason', sa.String(length=300), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['inbox_messages.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id')
    )
    with op.batch_alter_table('inbox_triages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_triages_link_id'), ['link_id'], unique=False)
        batch_op.create_index('ix_inbox_triages_order', ['urgency_rank'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('inbox_triages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_triages_order')
        batch_op.drop_index(batch_op.f('ix_inbox_triages_link_id'))

    op.drop_table('inbox_triages')
    with op.batch_alter_table('inbox_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_replies_message_id'))

    op.drop_table('inbox_replies')
    with op.batch_alter_table('inbox_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_corrections_message_id'))

    op.drop_table('inbox_corrections')
    with op.batch_alter_table('inbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_messages_sender_id'))
        batch_op.drop_index('ix_inbox_messages_counsellor_status')
        batch_op.drop_index(batch_op.f('ix_inbox_messages_counsellor_id'))

    op.drop_table('inbox_messages')
    op.drop_table('inbox_classifier_versions')
    with op.batch_alter_table('counsellor_employers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counsellor_employers_employer_id'))
        batch_op.drop_index(batch_op.f('ix_counsellor_employers_counsellor_id'))

    op.drop_table('counsellor_employers')
