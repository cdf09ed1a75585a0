"""process packages: manifests, public lists, who may revoke a declared certificate

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 21:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manifest', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revocable_by', sa.String(length=16), nullable=True))
    op.create_table('public_list_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_key', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('organization_name', sa.String(length=200), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('certificate_number', sa.String(length=32), nullable=True),
    sa.Column('admitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_public_list_entries_application_id_applications')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_public_list_entries_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_list_entries')),
    sa.UniqueConstraint('list_key', 'application_id', name=op.f('uq_public_list_entries_list_key_application_id'))
    )
    with op.batch_alter_table('public_list_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_list_entries_list_key'), ['list_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('public_list_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_list_entries_list_key'))
    op.drop_table('public_list_entries')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('revocable_by')
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.drop_column('manifest')
