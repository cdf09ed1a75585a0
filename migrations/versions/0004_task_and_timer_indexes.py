"""indexes for an application's open tasks and waiting timers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:30:15.225582
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_application_state', ['application_id', 'state'], unique=False)

    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_index('ix_timers_application_state', ['application_id', 'state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index('ix_timers_application_state')

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_application_state')

