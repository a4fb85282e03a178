"""Editor sessions kept server-side; who asked for each job and version, how big and urgent it is, and
what a job fetches.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TIME = sa.Float(precision=53)


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Text, primary_key=True),  # a random token, carried by the signed cookie
        sa.Column("user_name", sa.Text, nullable=False),
        sa.Column("created", TIME, nullable=False),
        sa.Column("expires", TIME, nullable=False),
        sa.Column("revoked", TIME),
    )
    op.create_index("sessions_by_user", "sessions", ["user_name"])
    # Who asked ('key:<id>' or 'user:<name>'), for per-requester limits and the versions list.
    op.add_column("jobs", sa.Column("requested_by", sa.Text))
    # Characters to narrate: queued work is limited per requester by its size.
    op.add_column("jobs", sa.Column("chars", sa.Integer, nullable=False, server_default="0"))
    # Higher runs first: a listener waiting for an article moves its job ahead of background work.
    op.add_column("jobs", sa.Column("priority", sa.Integer, nullable=False, server_default="0"))
    # A URL submission is fetched by its job, not by the request that made it: what to fetch and the
    # submission's own title and pronunciations, as JSON.
    op.add_column("jobs", sa.Column("page_request", sa.Text))
    op.add_column("versions", sa.Column("made_by", sa.Text))


def downgrade() -> None:
    op.drop_column("versions", "made_by")
    for column in ("page_request", "priority", "chars", "requested_by"):
        op.drop_column("jobs", column)
    op.drop_index("sessions_by_user", "sessions")
    op.drop_table("sessions")
