"""When each article's narration was first published: the podcast feed's item date, which a
regeneration does not change (versions may be pruned, so the first one cannot be looked up later).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:  # SQLite: ALTER TABLE ADD COLUMN; PostgreSQL: the same
        batch.add_column(sa.Column("first_published", sa.Float(precision=53)))
    # Articles narrated before: their oldest version still kept, else when the article was made.
    op.execute("UPDATE articles SET first_published = COALESCE("
               "(SELECT MIN(v.created) FROM versions v WHERE v.article_id = articles.id), created) "
               "WHERE current_version IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("first_published")
