"""The store's tables: articles, versions, jobs, counters, voices.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TIME = sa.Float(precision=53)  # Unix time in seconds with sub-second digits: double precision


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("voice", sa.Text),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("current_version", sa.Integer),
        sa.Column("created", TIME, nullable=False),
        sa.Column("updated", TIME, nullable=False),
    )
    op.create_table(
        "versions",
        sa.Column("article_id", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("voice", sa.Text, nullable=False),
        sa.Column("model_id", sa.Text, nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("created", TIME, nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Text, primary_key=True),
        # insertion order (the tie-breaker of equal times); SQLite has its rowid for that
        *([sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False, unique=True)]
          if op.get_bind().dialect.name == "postgresql" else []),
        sa.Column("article_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
        sa.Column("version", sa.Integer),
        sa.Column("created", TIME, nullable=False),
        sa.Column("updated", TIME, nullable=False),
        sa.Column("stage", sa.Text, nullable=False, server_default="queued"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("worker", sa.Text),
        sa.Column("lease_until", TIME),
    )
    op.create_index("jobs_by_article", "jobs", ["article_id", "created"])
    op.create_index("jobs_by_status", "jobs", ["status"])
    op.create_table(
        "counters",
        sa.Column("article_id", sa.Text, primary_key=True),
        sa.Column("last_version", sa.Integer, nullable=False),
    )
    op.create_table(
        "voices",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("model_id", sa.Text, primary_key=True),
        sa.Column("engine", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("last_used", TIME, nullable=False),
    )


def downgrade() -> None:
    for table in ("voices", "counters", "jobs", "versions", "articles"):
        op.drop_table(table)
