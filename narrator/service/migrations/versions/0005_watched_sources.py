"""Feeds and sitemaps watched for articles (`narrator watch`), the pages they led to, and each article's
source URL (so a publisher's page can find its article).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TIME = sa.Float(precision=53)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("url", sa.Text, nullable=False, unique=True),
        sa.Column("voice", sa.Text),
        sa.Column("created", TIME, nullable=False),
        # The feed's own validators, for a conditional GET next time.
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        # The last pass: when, what it did (JSON counts) and its error, if the feed itself failed.
        sa.Column("last_pass", TIME),
        sa.Column("next_pass", TIME, nullable=False, server_default="0"),
        sa.Column("outcome", sa.Text),
        sa.Column("error", sa.Text),
        # One watcher at a time across machines, as for jobs.
        sa.Column("worker", sa.Text),
        sa.Column("lease_until", TIME),
    )
    op.create_table(
        "pages",
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column("article_id", sa.Text, nullable=False),
        sa.Column("source_id", sa.Text),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("lastmod", sa.Text),  # a sitemap's <lastmod> when the page was last read
        sa.Column("checked", TIME, nullable=False),
    )
    op.add_column("articles", sa.Column("source_url", sa.Text))
    op.create_index("articles_by_source_url", "articles", ["source_url"])


def downgrade() -> None:
    op.drop_index("articles_by_source_url", "articles")
    op.drop_column("articles", "source_url")
    op.drop_table("pages")
    op.drop_table("sources")
