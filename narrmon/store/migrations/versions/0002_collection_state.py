"""collection state

Live collection keeps two more facts:

- ``posts.first_msg_id`` / ``posts.last_msg_id``: the Telegram message ids an album post
  stands for. An album is several messages stored as one post (the captioned part's id),
  so its other ids are not holes in the channel.
- ``cursors.resume``: JSON state of a walk that has not finished (X timelines and
  searches come newest first, so ``since_id`` may only move once every page is read;
  until then the walk resumes below ``until_id``).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("posts", sa.Column("first_msg_id", sa.BigInteger(), nullable=True))
    op.add_column("posts", sa.Column("last_msg_id", sa.BigInteger(), nullable=True))
    op.add_column("cursors", sa.Column("resume", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cursors") as batch:
        batch.drop_column("resume")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("last_msg_id")
        batch.drop_column("first_msg_id")
