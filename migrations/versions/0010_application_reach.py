"""application reach: the desks each application reached; indexable scope prefixes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

ROLE = sa.Enum('applicant', 'county_reviewer', 'provincial_reviewer', 'national_reviewer', 'testing_institute', 'culture_reviewer', 'union_reviewer', 'film_bureau_reviewer', 'association_reviewer', 'district_reviewer', 'city_reviewer', 'admin', name='role', native_enum=False, length=32)

# portal.applications.reach.BACKFILL_SQL, copied (migrations do not import the
# portal) for an empty table: every prefix of a reviewer task's scope that is a
# scope length, and the national reviewers' desk for every escalated task.
BACKFILL_SQL = """
INSERT INTO application_reach (application_id, role, scope_prefix, created_at)
SELECT DISTINCT desk.application_id, desk.role, desk.scope_prefix, applications.created_at
FROM (
    SELECT tasks.application_id AS application_id, tasks.role AS role,
           substr(tasks.scope, 1, lengths.n) AS scope_prefix
    FROM tasks
    JOIN (SELECT 0 AS n UNION ALL SELECT 2 UNION ALL SELECT 4 UNION ALL SELECT 6) AS lengths
      ON lengths.n <= length(tasks.scope)
    WHERE tasks.role <> 'applicant'
    UNION
    SELECT tasks.application_id, 'national_reviewer', ''
    FROM tasks
    WHERE tasks.escalated_at IS NOT NULL
) AS desk
JOIN applications ON applications.id = desk.application_id
"""


def upgrade() -> None:
    # Keys, the reference and the index come after the rows: built once from
    # them, not row by row (a trigger per row for the reference).
    op.create_table('application_reach',
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('role', ROLE, nullable=False),
    sa.Column('scope_prefix', sa.String(length=6), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False)
    )
    op.execute(BACKFILL_SQL)
    with op.batch_alter_table('application_reach', schema=None) as batch_op:
        batch_op.create_primary_key(op.f('pk_application_reach'), ['application_id', 'role', 'scope_prefix'])
        batch_op.create_foreign_key(op.f('fk_application_reach_application_id_applications'), 'applications', ['application_id'], ['id'])
        batch_op.create_index('ix_application_reach_desk', ['role', 'scope_prefix', 'created_at', 'application_id'], unique=False)

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_newest', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_applications_organization_newest', ['organization_id', 'created_at', 'id'], unique=False)

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_escalated', ['due_at'], unique=False, postgresql_where=sa.text('escalated_at IS NOT NULL'), sqlite_where=sa.text('escalated_at IS NOT NULL'))
        batch_op.create_index('ix_tasks_completed_by', ['completed_by_id', 'state', 'completed_at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # LIKE '43%' is an index range under a non-"C" collation only with this class.
        op.drop_index('ix_tasks_inbox', table_name='tasks')
        op.create_index('ix_tasks_inbox', 'tasks', ['state', 'role', 'scope'], unique=False, postgresql_ops={'scope': 'text_pattern_ops'})


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_tasks_inbox', table_name='tasks')
        op.create_index('ix_tasks_inbox', 'tasks', ['state', 'role', 'scope'], unique=False)
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_completed_by')
        batch_op.drop_index('ix_tasks_escalated', postgresql_where=sa.text('escalated_at IS NOT NULL'), sqlite_where=sa.text('escalated_at IS NOT NULL'))

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_organization_newest')
        batch_op.drop_index('ix_applications_newest')

    with op.batch_alter_table('application_reach', schema=None) as batch_op:
        batch_op.drop_index('ix_application_reach_desk')

    op.drop_table('application_reach')
