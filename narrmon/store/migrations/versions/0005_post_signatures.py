"""post signatures for the near-duplicate pass

``post_signatures`` (see ``schema.py``, "coordination"): per post the MinHash signature
of its normalised text, the hash of that text, the post's content hash when it was
signed and its near-duplicate cluster. The incremental pass reads and writes only the
rows of a window of recent days, through the index on ``created_at``.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "post_signatures",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("post_id", sa.String(96), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("text_hash", sa.String(32)),
        sa.Column("minhash", sa.LargeBinary()),
        sa.Column("cluster_id", sa.String(32)),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "post_id", name="pk_post_signatures"),
    )
    op.create_index("ix_post_signatures_created_at", "post_signatures", ["created_at"])
    op.create_index("ix_post_signatures_cluster_id", "post_signatures", ["cluster_id"])


def downgrade() -> None:
    op.drop_table("post_signatures")
