"""certificates, the register of filed software, announcements

Certificate numbers come from the existing counters table (one counter per
type prefix and year), as does the CRL number.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 09:38:01.889080
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('cert_type', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.Uuid(), nullable=True),
    sa.Column('division_code', sa.String(length=6), nullable=True),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('state', sa.Enum('active', 'superseded', 'revoked', name='certificatestate', native_enum=False, length=16), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('pdf_key', sa.String(length=255), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('serial', sa.String(length=40), nullable=True),
    sa.Column('pem', sa.Text(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('key_key', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_certificates_application_id_applications')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_certificates_organization_id_organizations')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_certificates_revoked_by_id_users')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['certificates.id'], name=op.f('fk_certificates_superseded_by_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('number', name=op.f('uq_certificates_number')),
    sa.UniqueConstraint('serial', name=op.f('uq_certificates_serial'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_cert_type'), ['cert_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_organization_id'), ['organization_id'], unique=False)

    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=True),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_announcements_application_id_applications')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_announcements_certificate_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcements_published_at'), ['published_at'], unique=False)

    op.create_table('software_filings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filing_number', sa.String(length=32), nullable=False),
    sa.Column('variant', sa.String(length=32), nullable=False),
    sa.Column('product_name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('vendor_name', sa.String(length=200), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('package_md5', sa.String(length=32), nullable=True),
    sa.Column('package_sha256', sa.String(length=64), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('filed', 'superseded', 'revoked', name='filingstate', native_enum=False, length=16), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_software_filings_application_id_applications')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_software_filings_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_software_filings_organization_id_organizations')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['software_filings.id'], name=op.f('fk_software_filings_superseded_by_id_software_filings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_software_filings')),
    sa.UniqueConstraint('filing_number', name=op.f('uq_software_filings_filing_number'))
    )
    with op.batch_alter_table('software_filings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_software_filings_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_software_filings_product_name'), ['product_name'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('software_filings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_software_filings_product_name'))
        batch_op.drop_index(batch_op.f('ix_software_filings_organization_id'))

    op.drop_table('software_filings')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcements_published_at'))

    op.drop_table('announcements')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_organization_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_cert_type'))
        batch_op.drop_index(batch_op.f('ix_certificates_application_id'))

    op.drop_table('certificates')
