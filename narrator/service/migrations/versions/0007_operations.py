"""Operations: a heartbeat per worker process (for /readyz) and the counters workers keep for /metrics.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TIME = sa.Float(precision=53)


def upgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("id", sa.Text, primary_key=True),  # 'host:pid', as on the jobs it runs
        sa.Column("role", sa.Text, nullable=False),  # 'worker' (narrator worker) or 'serve' (in-process)
        sa.Column("started", TIME, nullable=False),
        sa.Column("beat", TIME, nullable=False),  # its last heartbeat
    )
    op.create_table(
        "metrics",
        sa.Column("name", sa.Text, primary_key=True),  # a Prometheus sample name (..._total, ..._bucket)
        sa.Column("labels", sa.Text, primary_key=True),  # its labels as JSON, keys sorted ('{}': none)
        sa.Column("value", sa.Float(precision=53), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("metrics")
    op.drop_table("workers")
